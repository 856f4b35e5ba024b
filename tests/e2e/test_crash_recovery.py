"""kill -9 at any point, then restart: what was acked is never lost, what was recorded is
finished exactly once (no second channel, no doubled post or pin), and pulses resume."""

import pytest

from harness.bots import BotProcess, query
from tests.e2e.helpers import in_flight, pinned, texts

FAST_PULSES = """
severities:
  - {name: SEV1, description: Critical, pulse: 4s}
  - {name: SEV2, description: Major, pulse: 30m}
"""


@pytest.fixture
def process(sandbox, tmp_path, database_url):
    bot = BotProcess(sandbox, tmp_path, FAST_PULSES, database=database_url)
    yield bot
    bot.stop()


def incident_channels(sandbox):
    return [c for c in sandbox.channels() if c["name"].startswith("incident-")]


def nothing_pending(database) -> bool:
    """Everything the bot recorded has been done: from here on it has nothing left that could post."""
    return query(database, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]


def assert_incident_complete_once(sandbox, title, db_path):
    # on PostgreSQL a restarted replica is a new one: it sends once the dead one's lease ran out (<= 15 s)
    sandbox.wait_for(lambda: incident_channels(sandbox), timeout=30, message="no incident channel")
    channels = incident_channels(sandbox)
    assert len(channels) == 1, [c["name"] for c in channels]
    channel = channels[0]
    sandbox.wait_for(lambda: len(pinned(sandbox, channel["id"])) == 1, timeout=15, message="status never pinned")
    sandbox.wait_for(lambda: sandbox.channel(channel["id"])["topic"]["value"].startswith("SEV2 | Investigating"),
                     timeout=15, message="topic never set")
    sandbox.wait_for(lambda: any(title in t for t in texts(sandbox, "incidents")), timeout=15)
    sandbox.wait_for(lambda: nothing_pending(db_path), timeout=15, message="effects never finished")
    status_posts = [m for m in sandbox.messages(channel["id"]) if "Incident #1:" in sandbox.render(m)]
    assert len(status_posts) == 1, "status message posted twice"
    assert len([t for t in texts(sandbox, "incidents") if title in t]) == 1, "announcement posted twice"
    return channel


def test_a_command_acked_just_before_kill_is_not_lost(sandbox, process):
    process.start()
    sandbox.faults.latency(2.0)  # nothing reaches Slack before the kill
    result = sandbox.as_user("alice").command("/incident", "declare Killed right after ack sev2", channel="general")
    assert result.ack and "Declaring incident #1" in result.ack["text"]
    process.kill9()
    sandbox.faults.clear()
    process.start()
    assert_incident_complete_once(sandbox, "Killed right after ack", process.db_path)


@pytest.mark.parametrize("method", ["conversations.create", "chat.postMessage", "pins.add",
                                    "conversations.setTopic"])
def test_kill_in_the_middle_of_a_slack_call_finishes_exactly_once(sandbox, process, method):
    process.start()
    sandbox.faults.latency(1.5, method)  # the call is in flight when the bot dies, and lands anyway
    sandbox.as_user("alice").command("/incident", "declare Killed mid call sev2", channel="general").ack
    sandbox.wait_for(lambda: in_flight(sandbox, method), timeout=10, message=f"{method} never started")
    process.kill9()
    sandbox.wait_for(lambda: not in_flight(sandbox, method), timeout=5)  # Slack did what was asked
    sandbox.faults.clear()
    process.start()
    assert_incident_complete_once(sandbox, "Killed mid call", process.db_path)


def test_a_post_still_in_flight_at_a_kill_is_not_posted_again_by_a_quick_restart(sandbox, process):
    """Slack finishes a request whose client died. The restart comes back before the post lands, and
    must not look for it (and post it again) until the earlier attempt is old enough to have landed."""
    process.start()
    sandbox.faults.latency(3.0, "chat.postMessage")
    sandbox.as_user("alice").command("/incident", "declare Killed mid post sev2", channel="general").ack
    sandbox.wait_for(lambda: in_flight(sandbox, "chat.postMessage"), timeout=10, message="no post started")
    process.kill9()
    sandbox.faults.clear()   # the post in flight still takes its 3 s; the ones after it do not
    process.start()          # at once: back within about a second, before that post lands
    sandbox.wait_for(lambda: not in_flight(sandbox, "chat.postMessage"), timeout=10)   # what was sent has landed
    assert_incident_complete_once(sandbox, "Killed mid post", process.db_path)


def test_a_living_message_found_after_a_kill_shows_what_changed_since(sandbox, process):
    """The restart finds the status message the dead process posted, rendered before the severity
    changed: finding it is not enough, it must be brought up to date."""
    process.start()
    sandbox.faults.latency(3.0, "chat.postMessage")
    sandbox.as_user("alice").command("/incident", "declare Found then changed sev2", channel="general").ack
    sandbox.wait_for(lambda: in_flight(sandbox, "chat.postMessage"), timeout=10, message="no post started")
    process.kill9()
    sandbox.faults.clear()
    process.start()
    channel = sandbox.wait_for(lambda: incident_channels(sandbox), timeout=15)[0]["id"]
    alice = sandbox.user("alice")["id"]
    sandbox.wait_for(lambda: alice in sandbox.channel(channel)["members"], timeout=15)
    assert sandbox.as_user("alice").command("/incident", "severity sev1", channel=channel).ack is not None
    sandbox.wait_for(lambda: nothing_pending(process.db_path), timeout=30, message="effects never finished")
    [status] = [m for m in sandbox.messages(channel) if "Incident #1:" in sandbox.render(m)]
    assert "SEV1" in sandbox.render(status) and "SEV2" not in sandbox.render(status)
    [announcement] = [t for t in texts(sandbox, "incidents") if "Found then changed" in t]
    assert "SEV1" in announcement and "SEV2" not in announcement


def test_pulses_resume_after_a_kill(sandbox, process, tmp_path):
    process.start()
    sandbox.as_user("alice").command("/incident", "declare Pulse survives sev1", channel="general").ack
    sandbox.wait_for(lambda: incident_channels(sandbox), timeout=10)
    process.kill9()
    [due] = process.query("SELECT count(*) FROM timers WHERE kind = 'pulse'")
    assert due == (1,), "the pulse's due time is in the database"
    process.start()
    channel = incident_channels(sandbox)[0]
    sandbox.wait_for(lambda: any("there has been no status update" in t for t in texts(sandbox, channel["id"])),
                     timeout=15, message="no pulse after restart")


@pytest.mark.both_engines
def test_a_second_bot_on_one_sqlite_file_is_refused_and_on_postgresql_is_a_replica(sandbox, process, engine, tmp_path):
    process.start()
    second = BotProcess(sandbox, tmp_path, FAST_PULSES, database=process.db_path, name="second")
    if engine == "sqlite":
        import subprocess
        import sys

        done = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=second.env(), capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 2
        assert "another warroom" in done.stderr and "already running" in done.stderr
        return
    try:
        second.start()
        assert sandbox.connections == 2 and len(sandbox.links) == 2
        sandbox.as_user("alice").command("/incident", "declare Two replicas one record sev2", channel="general").ack
        assert_incident_complete_once(sandbox, "Two replicas one record", process.db_path)
    finally:
        second.stop()
