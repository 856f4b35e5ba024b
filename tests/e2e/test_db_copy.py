"""``warroom db copy``: a team that ran warroom on SQLite moves to PostgreSQL and carries on where it
stopped: the real bot as processes on both sides of the move, the command as a person runs it."""

from __future__ import annotations

import pytest

from harness.bots import BotProcess, query
from tests.db_contents import contents, warroom_tables
from tests.e2e.helpers import newest_incident_channel, texts
from tests.e2e.oncall_config import oncall_yaml
from tests.test_cli import warroom

# A pulse comes every 10 s after the last one: often enough to fall due across the move, far enough
# apart that the one owed after the move is not mistaken for the next.
PULSE_SECONDS = 10


@pytest.fixture
def config_text(sandbox):
    leads = sandbox.add_usergroup("oncall-leads", users=[sandbox.user("bob")["id"]])
    return oncall_yaml(sandbox, extra=f"""
severities:
  - {{name: SEV1, description: Critical, pulse: {PULSE_SECONDS}s}}
  - {{name: SEV2, description: Major, pulse: 30m}}
oncall_managers: {leads}
""")


@pytest.fixture
def postgres_url(postgres):
    url = postgres.new_schema()
    yield url
    postgres.drop_schema(url)


def reminders(sandbox, channel) -> int:
    return sum("there has been no status update" in t for t in texts(sandbox, channel))


def pulses(database) -> int:
    return query(database, "SELECT count(*) FROM timeline WHERE kind = 'pulse'")[0][0]


def nothing_pending(database) -> bool:
    return query(database, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]


def wrapups(sandbox, channel) -> list[str]:
    return [t for t in texts(sandbox, channel) if "Incident #1 resolved" in t]


def alert_post(sandbox) -> dict:
    return next(m for m in sandbox.messages("alerts") if "Alert #1: Checkout 5xx" in sandbox.render(m))


def run_on_sqlite(sandbox, bot) -> dict:
    """An incident with notes, an alert paging someone and an on-call override; returns the incident channel."""
    alice, bob = sandbox.as_user("alice"), sandbox.as_user("bob")
    assert "Declaring incident #1" in alice.command("/incident", "declare Payments down sev1").ack["text"]
    sandbox.wait_for(lambda: any(c["name"].startswith("incident-") for c in sandbox.channels())
                     and nothing_pending(bot.db_path), timeout=15, message="the incident channel was never set up")
    channel = newest_incident_channel(sandbox)["id"]
    for note in ("Rolled back deploy 512", "Error rate falling"):
        assert alice.command("/incident", f"note {note}", channel=channel).ack is not None
    assert alice.command("/il-alert", "", channel="general").ack == {}
    sandbox.wait_for(alice.view, message="alert form never opened")
    assert alice.submit_view({"summary": "Checkout 5xx above 5%", "priority": "high"}).ack == {}
    sandbox.wait_for(lambda: any("Alert #1: Checkout 5xx" in t for t in texts(sandbox, "alerts")), timeout=15)
    assert "has the pager for *primary*" in bob.command("/il-oncall", "override @dave 2h primary").ack["text"]
    sandbox.wait_for(lambda: any("@dave took the pager for *primary*" in t for t in texts(sandbox, "alerts")),
                     timeout=15)
    sandbox.wait_for(lambda: nothing_pending(bot.db_path), timeout=15, message="effects never finished")
    return channel


def test_a_team_moves_from_sqlite_to_postgresql_and_carries_on(sandbox, tmp_path, config_text, postgres_url):
    sqlite_path = str(tmp_path / "warroom.db")
    before = BotProcess(sandbox, tmp_path, config_text, database=sqlite_path)
    after = BotProcess(sandbox, tmp_path, config_text, database=postgres_url, name="postgresql")
    try:
        before.start()
        channel = run_on_sqlite(sandbox, before)

        refused = warroom("db", "copy", sqlite_path, postgres_url)  # not while warroom runs on it
        assert refused.returncode == 2, refused.stdout
        assert refused.stderr == (f"warroom: warroom (pid {before.process.pid}) is running with {sqlite_path}; stop "
                                  "warroom first: a copy taken while it runs would miss everything it records after\n")

        before.stop()
        assert before.process.returncode == 0, before.log()
        pulsed_before = pulses(sqlite_path)  # the pulse may already have come while it ran; the next is owed
        assert query(sqlite_path, "SELECT count(*) FROM timers WHERE kind = 'pulse'") == [(1,)]

        done = warroom("db", "copy", sqlite_path, postgres_url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"copied {sqlite_path} to {postgres_url}: 34 tables, ")
        assert f"next: set WARROOM_DB={postgres_url} and start warroom; keep {sqlite_path} as the backup" in done.stdout
        tables = warroom_tables(sqlite_path)
        assert contents(postgres_url, tables) == contents(sqlite_path, tables)

        after.start()
        # the pulse owed when warroom stopped comes once, in the incident channel, from PostgreSQL
        sandbox.wait_for(lambda: pulses(postgres_url) == pulsed_before + 1, timeout=PULSE_SECONDS + 15,
                         message="the owed pulse never came after the move")
        sandbox.wait_for(lambda: reminders(sandbox, channel) == pulsed_before + 1 and nothing_pending(postgres_url),
                         timeout=15, message="the pulse was recorded but never posted")
        alice = sandbox.as_user("alice")
        alice.command("/incident", "resolve Rolled back", channel=channel).ack  # no more pulses from here
        sandbox.wait_for(lambda: nothing_pending(postgres_url) and wrapups(sandbox, channel), timeout=15,
                         message="no wrap-up")
        [wrapup] = wrapups(sandbox, channel)
        # the timeline written on SQLite is the record on PostgreSQL
        assert "Note from @alice: Rolled back deploy 512" in wrapup and "Note from @alice: Error rate falling" in wrapup
        assert reminders(sandbox, channel) == pulses(postgres_url) == pulsed_before + 1

        # the alert raised on SQLite is acknowledged on PostgreSQL: its own message is edited
        post = alert_post(sandbox)
        assert "*Pending*" in sandbox.render(post)
        assert sandbox.as_user("bob").click("Acknowledge", message=post).ack == {}
        sandbox.wait_for(lambda: "*Acknowledged* by @bob" in sandbox.render(sandbox.message("alerts", post["ts"])),
                         timeout=15, message="the alert message was not edited")
        assert query(postgres_url, "SELECT id, status FROM alerts") == [(1, "accepted")]

        # the override taken on SQLite still holds the pager
        dave = sandbox.user("dave")["id"]
        assert f"*primary*: <@{dave}>" in sandbox.as_user("carol").command("/il-oncall").ack["text"]
        assert query(postgres_url, "SELECT schedule, user_id FROM overrides") == [("primary", dave)]

        # and the next incident gets the next number
        assert "Declaring incident #2" in alice.command("/incident", "declare Search slow sev2").ack["text"]
        sandbox.wait_for(lambda: len([c for c in sandbox.channels() if c["name"].startswith("incident-")]) == 2,
                         timeout=15, message="no channel for incident #2")
        assert query(postgres_url, "SELECT id, status FROM incidents ORDER BY id") == [(1, "resolved"),
                                                                                      (2, "investigating")]
        assert after.running, after.log()
    finally:
        before.stop()
        after.stop()
