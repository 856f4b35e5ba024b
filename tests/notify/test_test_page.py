"""/il-oncall test: a test page to yourself on every way you have, each result as a DM; and a config
that asks for a way warroom cannot use fails at start, naming the key."""

from __future__ import annotations

import pytest

from bot.config.reader import ConfigError
from harness import make_config
from tests.fakes.server import wait_until
from tests.notify.conftest import notify_yaml


@pytest.fixture
def config_text(sandbox, fakes):
    return notify_yaml(sandbox, fakes)


def dms(sandbox, user):
    channel = sandbox.dm_channel(sandbox.user(user)["id"])
    return [sandbox.render(m) for m in sandbox.messages(channel)] if channel else []


def test_a_test_page_goes_every_way_alice_has_and_each_result_comes_back(bot, sandbox, fakes):
    answer = sandbox.as_user("alice").command("/il-oncall", "test").ack
    assert "Sending a test page to you on Slack, Email, ntfy push, Pushover, SMS, Voice call, Webhook" in answer["text"]
    wait_until(lambda: len([d for d in dms(sandbox, "alice") if "Test page by" in d]) == 7, timeout=20,
               message="not every result came back")
    results = "\n".join(dms(sandbox, "alice"))
    for name in ("Slack", "Email", "ntfy push", "Pushover", "SMS", "Voice call", "Webhook"):
        assert f"Test page by *{name}*: sent" in results or f"Test page by {name}: sent" in results, name
    assert fakes.ntfy.to("alice-pages")[0].title == "warroom test page"
    assert "test page" in fakes.twilio.sms[0].body and "test call" in fakes.twilio.calls[0].said
    assert fakes.smtp.to("alice@example.com")[0]["Subject"] == "[warroom] Test page"
    assert fakes.hook.received[0]["data"]["test"] is True
    assert bot.query("SELECT count(*) FROM escalations") == [(0,)], "a test pages nobody"


def test_someone_with_only_slack_hears_how_to_add_more(bot, sandbox, fakes):
    answer = sandbox.as_user("bob").command("/il-oncall", "test").ack
    assert "Sending a test page to you on Slack" in answer["text"]
    answer = sandbox.as_user("dave").command("/il-oncall", "test now").ack
    assert "takes nothing after it" in answer["text"]


def test_a_bad_contact_or_rule_fails_at_start_naming_the_key(monkeypatch):
    base = "users:\n  - slack_id: U0ALICE01\n    name: alice\n"
    env = {"PUSHOVER_APP_TOKEN": "x"}
    cases = {
        "    contact: {sms: '555-1234'}\n": ("users[0].contact.sms", "E.164"),
        "    contact: {sms: '+14155550101'}\n": ("users[0].contact.sms", "notify.twilio"),
        "    notify: [slack 0, fax 1m]\n": ("users[0].notify[1]", "not a way to reach people"),
        "    notify: {low: [slack 0, voice 1m]}\n": ("users[0].notify.low[1]", "does not call anyone"),
        "    notify: [slack 0, sms soon]\n": ("users[0].notify[1]", "duration"),
        "    notify: [slack 0, sms 3m]\n": ("users[0].notify", "no sms"),
        "    contact: {webhook: {url: 'https://example.com/h', secret_env: NOT_SET_ANYWHERE}}\n":
            ("users[0].contact.webhook.secret_env", "NOT_SET_ANYWHERE is not set"),
    }
    for extra, (key, reason) in cases.items():
        with pytest.raises(ConfigError) as caught:
            make_config(base + extra, environ=env)
        assert caught.value.key == key and reason in caught.value.reason, (extra, caught.value)
    with pytest.raises(ConfigError) as caught:
        make_config("notify:\n  pushover: {url: 'https://api.pushover.net'}\n", environ={})
    assert caught.value.key == "notify.pushover.token_env" and "PUSHOVER_APP_TOKEN is not set" in caught.value.reason
    with pytest.raises(ConfigError) as caught:
        make_config("notify:\n  twilio: {from: '+15005550006', url: 'ftp://x'}\n",
                    environ={"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"})
    assert caught.value.key == "notify.twilio.url"
