"""Maintenance windows (warroom.yml) and /il-alert silence: alerts are recorded and shown, not paged."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.helpers import last_text
from tests.e2e.oncall_config import oncall_yaml
from tests.e2e.test_webhooks_e2e import alertmanager, post

KEY = "test-prometheus-key"


@pytest.fixture
def config_text(sandbox, monkeypatch):
    monkeypatch.setenv("WARROOM_TEST_PROM_KEY", KEY)
    now = datetime.now(timezone.utc)
    window = f"{{start: '{(now + timedelta(hours=2)):%Y-%m-%dT%H:%M}', end: '{(now + timedelta(hours=3)):%Y-%m-%dT%H:%M}'}}"
    return oncall_yaml(sandbox, extra=f"""
  - {{name: prometheus, type: alertmanager, escalation_policy: default, key_env: WARROOM_TEST_PROM_KEY}}
  - {{name: backups, type: alertmanager, escalation_policy: default, key_env: WARROOM_TEST_PROM_KEY,
     maintenance: [{window}]}}
""")


def firing(name, fingerprint):
    body = alertmanager("firing")
    body["alerts"][0].update(fingerprint=fingerprint)
    body["alerts"][0]["annotations"]["summary"] = name
    return body


def alice_dm(sandbox):
    channel = sandbox.dm_channel(sandbox.user("alice")["id"])
    return [sandbox.render(m) for m in sandbox.messages(channel)] if channel else []


def alert_command(sandbox, user, text):
    return sandbox.as_user(user).command("/il-alert", text, channel="general").ack["text"]


def test_a_silenced_source_records_and_shows_alerts_without_paging(bot, sandbox):
    done = alert_command(sandbox, "bob", "silence prometheus 2h")
    assert "*prometheus* is silenced until" in done
    bot.settle()
    assert "@bob silenced *prometheus* until" in last_text(sandbox, "alerts")
    assert post(bot, firing("Disk full on db-1", "f1"))[0] == 202
    bot.settle()
    shown = last_text(sandbox, "alerts")
    assert "Alert #1: Disk full on db-1" in shown and "*Silenced*: recorded, nobody paged" in shown
    assert alice_dm(sandbox) == [], "nobody was paged"
    assert bot.query("SELECT status, silenced FROM alerts") == [("pending", "silence")]
    assert bot.query("SELECT count(*) FROM escalations") == [(0,)]
    assert "(silenced, not paged)" in alert_command(sandbox, "dave", "list")
    assert "*prometheus*: silenced until" in alert_command(sandbox, "dave", "silences")
    # the silence runs out: the next alert pages as usual
    bot.advance(timedelta(hours=2, minutes=1))
    assert post(bot, firing("CPU hot on web-3", "f2"))[0] == 202
    bot.settle()
    assert "paging @alice" in last_text(sandbox, "alerts")
    assert any("You are being paged" in t for t in alice_dm(sandbox))
    assert bot.query("SELECT id, silenced FROM alerts ORDER BY id") == [(1, "silence"), (2, None)]


def test_silence_off_pages_again_and_refusals_say_how(bot, sandbox):
    assert "Only the users listed" in alert_command(sandbox, "dave", "silence prometheus 1h")
    assert "There is no alert source `nagios`" in alert_command(sandbox, "bob", "silence nagios 1h")
    assert "Write `/il-alert silence" in alert_command(sandbox, "bob", "silence prometheus soon")
    assert "at most 7 days" in alert_command(sandbox, "bob", "silence prometheus 8d")
    assert "at most 7 days" in alert_command(sandbox, "bob", "silence prometheus 9999999999w"), "not a crash"
    assert bot.query("SELECT count(*) FROM silences") == [(0,)]
    alert_command(sandbox, "bob", "silence prometheus 1h")
    assert "*prometheus* pages people again" in alert_command(sandbox, "alice", "silence prometheus off")
    post(bot, firing("Queue stuck", "f3"))
    bot.settle()
    assert bot.query("SELECT silenced FROM alerts") == [(None,)]
    assert any("You are being paged" in t for t in alice_dm(sandbox))


def test_a_maintenance_window_from_config_records_without_paging(bot, sandbox):
    assert "No source is silenced" in alert_command(sandbox, "dave", "silences")
    post(bot, firing("Backup late", "b1"), source="backups")   # before the window: paged
    bot.advance(timedelta(hours=2, minutes=5))
    assert "*backups*: in a maintenance window now" in alert_command(sandbox, "dave", "silences")
    post(bot, firing("Backup failed", "b2"), source="backups")  # inside it: recorded only
    bot.advance(timedelta(hours=1))
    post(bot, firing("Backup failed again", "b3"), source="backups")  # after it: paged
    bot.settle()
    assert bot.query("SELECT summary, silenced FROM alerts ORDER BY id") == [
        ("Backup late", None), ("Backup failed", "maintenance"), ("Backup failed again", None)]
    assert bot.query("SELECT subject FROM escalations ORDER BY id") == [("alert:1",), ("alert:3",)]
    assert any("in a maintenance window" in t for t in [sandbox.render(m) for m in sandbox.messages("alerts")])


def test_bad_maintenance_config_fails_naming_the_key():
    from harness import make_config
    from bot.config import ConfigError

    base = """
escalation_policies: [{name: d, levels: [{notify: [user:U0000001]}]}]
alert_sources:
  - {name: s, type: alertmanager, escalation_policy: d, key_env: HOME, maintenance: [%s]}
"""
    with pytest.raises(ConfigError) as bad:
        make_config(base % "{start: '2026-03-02T02:00', end: '2026-03-01T22:00'}")
    assert "alert_sources[0].maintenance[0].end" in str(bad.value) and "after start" in str(bad.value)
    with pytest.raises(ConfigError) as bad:
        make_config(base % "{start: '02:00', end: '04:00', days: [someday]}")
    assert "alert_sources[0].maintenance[0].days" in str(bad.value)
