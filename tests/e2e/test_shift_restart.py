"""kill -9 around a handoff, then restart: every handoff is said once (the timer is a row, the
handoff is remembered under its start), none twice, none lost."""

import re
from datetime import datetime, timezone

import pytest

from harness.bots import BotProcess, query
from tests.e2e.helpers import in_flight


@pytest.fixture
def process(sandbox, tmp_path, database_url):
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob")}
    sandbox.add_channel("oncall", members=["alice"])
    midnight = datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00")
    config = f"""
users:
  - {{slack_id: {ids['alice']}, name: alice}}
  - {{slack_id: {ids['bob']}, name: bob}}
schedules:
  - name: fast
    timezone: UTC
    channel: oncall
    rotation: {{users: [alice, bob], length: 8s, handoff: "{midnight}"}}
"""
    bot = BotProcess(sandbox, tmp_path, config, database=database_url)
    yield bot
    bot.stop()


POST = ":arrows_counterclockwise: *fast* handoff"
STARTED = ":pager: You are on call for *fast*"


def announced(database):
    return [row[0] for row in query(database, "SELECT at FROM shift_handoffs WHERE schedule = 'fast' AND announced = 1 "
                                              "ORDER BY at")]


def said(sandbox, channel, at, opening):
    """How many messages in ``channel`` that start with ``opening`` speak of the handoff at ``at`` (its
    Slack date token; a summary also names the previous handoff, hence the opening)."""
    return sum(1 for m in sandbox.messages(channel) if m.get("text", "").startswith(opening)
               and re.search(rf"your time: <!date\^{int(at)}\^", m.get("text", "")))


def test_a_kill_around_a_handoff_neither_doubles_nor_loses_its_messages(sandbox, process):
    process.start()
    sandbox.faults.latency(1.5, "chat.postMessage")     # the handoff is recorded; its posts are in flight
    sandbox.wait_for(lambda: announced(process.db_path), timeout=40, message="no handoff announced")
    process.kill9()
    # Slack finishes the posts in flight before the restart (a restart at once is tested in
    # test_crash_recovery: the look for an earlier attempt's post waits until that attempt is 10 s old)
    sandbox.wait_for(lambda: not in_flight(sandbox, "chat.postMessage"), timeout=5)
    sandbox.faults.clear()
    process.start()
    # the restart looks at the schedule at once (finding the handoff known) and goes on to the next one
    sandbox.wait_for(lambda: len(announced(process.db_path)) >= 2, timeout=60, message="no handoff after restart")
    first, second = announced(process.db_path)[:2]
    dm = {name: sandbox.dm_channel(sandbox.user(name)["id"]) for name in ("alice", "bob")}
    for at in (first, second):
        sandbox.wait_for(lambda: said(sandbox, "oncall", at, POST) >= 1, timeout=30, message=f"handoff {at} never posted")
    process.kill9()    # nothing more is said while the messages are counted
    for at in announced(process.db_path):
        assert said(sandbox, "oncall", at, POST) <= 1, f"handoff {at} posted twice"
    for at in (first, second):
        assert said(sandbox, "oncall", at, POST) == 1
        assert said(sandbox, dm["alice"], at, STARTED) + said(sandbox, dm["bob"], at, STARTED) == 1
