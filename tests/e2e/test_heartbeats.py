"""Heartbeats: a monitor pings /heartbeat/<source>; no ping within the period raises exactly one
alert on the source, and a late ping resolves it."""

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from tests.e2e.helpers import texts
from tests.e2e.oncall_config import oncall_yaml

KEY = "test-heartbeat-key"


@pytest.fixture
def config_text(sandbox, monkeypatch):
    monkeypatch.setenv("WARROOM_TEST_HB_KEY", KEY)
    return oncall_yaml(sandbox, extra="""
  - {name: nightly-backup, type: heartbeat, period: 10m, escalation_policy: default, key_env: WARROOM_TEST_HB_KEY}
  - {name: watchdog, type: heartbeat, period: 5m, escalation_policy: default, key_env: WARROOM_TEST_HB_KEY}
""")


def ping(bot, source="nightly-backup", key=KEY, method="POST", body=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(f"http://127.0.0.1:{bot.bot.webhooks.port}/heartbeat/{source}", data=data,
                                     headers={"Authorization": f"Bearer {key}"}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def missed(bot, source="nightly-backup"):
    return bot.query("SELECT id, status FROM alerts WHERE source = ? ORDER BY id", (source,))


def shown_about(sandbox, source):
    """The alerts channel's message about the first missed heartbeat of ``source``."""
    return next(t for t in texts(sandbox, "alerts") if f"No heartbeat from {source}" in t)


def wait_for_alert(sandbox, bot, source, count=1):
    sandbox.wait_for(lambda: len(missed(bot, source)) == count, message=f"no heartbeat alert for {source}")
    bot.settle()


def test_a_missed_heartbeat_raises_exactly_one_alert_and_a_late_ping_resolves_it(bot, sandbox):
    assert ping(bot) == (202, {"ok": True, "ping": True, "resolved": False})
    bot.advance(timedelta(minutes=9))
    assert ping(bot, method="GET")[1]["ping"] is True        # GET works too (curl in a cron job)
    bot.advance(timedelta(minutes=9))
    bot.settle()
    assert missed(bot) == [], "pinged within every period"
    bot.advance(timedelta(minutes=2))                         # 11 min since the last ping
    wait_for_alert(sandbox, bot, "nightly-backup")
    shown = shown_about(sandbox, "nightly-backup")
    assert "No heartbeat from nightly-backup for 10 min" in shown and "paging @alice" in shown
    assert any("You are being paged" in sandbox.render(m)
               for m in sandbox.messages(sandbox.dm_channel(sandbox.user("alice")["id"])))
    for _ in range(3):                                        # still silent: still one alert
        bot.advance(timedelta(minutes=15))
        bot.settle()
    assert [status for _, status in missed(bot)] == ["pending"]
    assert bot.query("SELECT event_count FROM alerts WHERE source = ?", ("nightly-backup",)) == [(1,)]
    assert ping(bot) == (202, {"ok": True, "ping": True, "resolved": True})   # decided: a late ping resolves
    bot.settle()
    assert "*Resolved* by nightly-backup" in shown_about(sandbox, "nightly-backup")
    bot.advance(timedelta(minutes=11))                        # and the deadline is armed again
    wait_for_alert(sandbox, bot, "nightly-backup", count=2)
    assert [status for _, status in missed(bot)] == ["resolved", "pending"]


def test_a_heartbeat_never_pinged_alerts_a_period_after_start(bot, sandbox):
    bot.advance(timedelta(minutes=6))
    wait_for_alert(sandbox, bot, "watchdog")
    assert missed(bot, "nightly-backup") == []


def test_alertmanager_watchdog_pings_and_its_resolved_does_not(bot, sandbox):
    def watchdog(status):
        return {"version": "4", "status": status, "receiver": "warroom-watchdog",
                "alerts": [{"status": status, "labels": {"alertname": "Watchdog"}, "annotations": {}}]}

    assert ping(bot, "watchdog", body=watchdog("firing"))[1]["ping"] is True
    bot.advance(timedelta(minutes=4))
    assert ping(bot, "watchdog", body=watchdog("resolved"))[1] == {
        "ok": True, "ping": False, "ignored": "nothing is firing in this notification"}
    bot.advance(timedelta(minutes=2))                         # 6 min after the last firing Watchdog
    wait_for_alert(sandbox, bot, "watchdog")


def test_pings_are_checked_like_webhooks(bot, sandbox):
    assert ping(bot, key="wrong")[0] == 401
    assert ping(bot, source="nope")[0] == 401
    assert ping(bot, source="ops")[0] == 401                   # a slack source has no heartbeat
    status, body = urllib_post_alerts(bot, "nightly-backup")
    assert status == 400 and "ping /heartbeat/nightly-backup" in body["error"]
    assert bot.query("SELECT count(*) FROM alerts") == [(0,)]


def urllib_post_alerts(bot, source):
    request = urllib.request.Request(f"http://127.0.0.1:{bot.bot.webhooks.port}/alerts/{source}", data=b"{}",
                                     headers={"Authorization": f"Bearer {KEY}"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_heartbeat_source_needs_a_period():
    from harness import make_config
    from bot.config import ConfigError

    with pytest.raises(ConfigError) as bad:
        make_config("""
escalation_policies: [{name: d, levels: [{notify: [user:U0000001]}]}]
alert_sources: [{name: hb, type: heartbeat, escalation_policy: d, key_env: HOME}]
""")
    assert "alert_sources[0].period" in str(bad.value) and "heartbeat source needs period" in str(bad.value)
