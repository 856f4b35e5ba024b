"""Monitoring webhooks through the whole bot: Alertmanager fires, the alert is posted and paged,
the resolved notification edits the same message."""

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.helpers import last_text
from tests.e2e.oncall_config import oncall_yaml

KEY = "test-prometheus-key"


@pytest.fixture
def config_text(sandbox, monkeypatch):
    monkeypatch.setenv("WARROOM_TEST_PROM_KEY", KEY)
    return oncall_yaml(sandbox, extra="""
  - {name: prometheus, type: alertmanager, escalation_policy: default, key_env: WARROOM_TEST_PROM_KEY}
""")


def post(bot, body, key=KEY, source="prometheus"):
    request = urllib.request.Request(
        f"http://127.0.0.1:{bot.bot.webhooks.port}/alerts/{source}", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def alertmanager(status):
    return {"version": "4", "status": status, "receiver": "warroom", "groupKey": "{}:{}",
            "alerts": [{"status": status, "fingerprint": "c0ffee",
                        "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "page"},
                        "annotations": {"summary": "Checkout 5xx above 5%", "description": "7% over 10 min"},
                        "startsAt": "2026-11-23T14:02:00Z", "endsAt": "0001-01-01T00:00:00Z"}]}


def test_alertmanager_fires_pages_and_resolves_through_slack(bot, sandbox):
    status, body = post(bot, alertmanager("firing"))
    assert status == 202 and body["alerts"][0]["created"] is True
    bot.settle()
    post_text = last_text(sandbox, "alerts")
    assert "Alert #1: Checkout 5xx above 5%" in post_text and "7% over 10 min" in post_text
    assert "prometheus" in post_text and "paging @alice" in post_text
    dm = sandbox.messages(sandbox.dm_channel(sandbox.user("alice")["id"]))
    assert "You are being paged" in sandbox.render(dm[-1])
    assert post(bot, alertmanager("firing"))[1]["alerts"][0]["created"] is False  # same fingerprint: one alert
    status, _ = post(bot, alertmanager("resolved"))
    assert status == 202
    bot.settle()
    assert len(sandbox.messages("alerts")) == 1, "the same message is edited"
    assert "*Resolved* by prometheus" in last_text(sandbox, "alerts")
    assert bot.query("SELECT status, event_count FROM alerts") == [("resolved", 2)]


def test_a_wrong_key_is_refused_and_nothing_is_posted(bot, sandbox):
    assert post(bot, alertmanager("firing"), key="nope")[0] == 401
    assert post(bot, alertmanager("firing"), source="nagios")[0] == 401  # like a wrong key: names stay secret
    bot.settle()
    assert sandbox.messages("alerts") == [] and bot.query("SELECT count(*) FROM alerts") == [(0,)]


def test_healthz(bot):
    with urllib.request.urlopen(f"http://127.0.0.1:{bot.bot.webhooks.port}/healthz", timeout=5) as response:
        assert response.status == 200 and json.loads(response.read())["ok"] is True
