"""PostgreSQL lost under a running replica (a restart, a failover): what could not be recorded is not
acked as done and the person is told so in Slack; the replica reconnects by itself and nothing that
was acked is lost.

The server is shared by the whole test run, so it is never restarted for real: the replica reaches it
through a TCP proxy whose ``cut()`` closes every connection at once (the server rolls back what was in
flight, exactly as on a restart) and turns new ones away until ``restore()``.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from harness.bots import BotProcess
from harness.tcp_proxy import TcpProxy
from tests.e2e.helpers import pinned

NOT_RECORDED = "warroom cannot record this right now"


@pytest.fixture
def database(postgres_url):
    return postgres_url


@pytest.fixture
def proxy(database):
    parts = urlsplit(database)
    through = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    yield through
    through.stop()


def via(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{auth}@127.0.0.1:{proxy.port}"))


@pytest.fixture
def replica(sandbox, tmp_path, database, proxy):
    bot = BotProcess(sandbox, tmp_path, database=via(proxy, database))
    yield bot.start()
    bot.stop()


def titles(replica) -> list[str]:
    return [r[0] for r in replica.query("SELECT title FROM incidents ORDER BY id")]


def incident_channels(sandbox) -> list[dict]:
    return [c for c in sandbox.channels() if c["name"].startswith("incident-")]


def test_while_the_database_is_gone_people_are_told_and_nothing_acked_is_lost(sandbox, replica, proxy, database):
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "declare Before the cut sev2", channel="general").ack is not None
    sandbox.wait_for(lambda: incident_channels(sandbox), timeout=30, message="first incident never made")
    first = incident_channels(sandbox)[0]
    sandbox.wait_for(lambda: pinned(sandbox, first["id"]), timeout=30, message="status never pinned")
    alice.command("/incident", "declare", channel="general")   # a form opened before the cut...
    sandbox.wait_for(alice.view, timeout=10, message="declare form never opened")

    proxy.cut()
    # ...is submitted while the database is gone: it stays open, saying so, and what was typed is kept
    submitted = alice.submit_view({"title": "Typed during the cut", "severity": "sev2"})
    assert NOT_RECORDED in (submitted.errors or {}).get("title", ""), submitted.errors
    assert alice.view() is not None
    # a slash command is answered at once with why, instead of timing out
    typed = alice.command("/incident", "declare Lost in the cut sev2", channel="general")
    assert NOT_RECORDED in typed.ack["text"], typed.ack
    # a click is acked (Slack never resends one) and the person hears why
    clicked = alice.click("Post update", message=pinned(sandbox, first["id"])[0])
    assert clicked.ack == {}
    clicked.wait_reply(NOT_RECORDED, timeout=15)

    # a message in the incident channel is not acked while it cannot be recorded: Slack sends it again
    said = "Customers report 502s, said during the cut"
    alice.post(first["id"], said)

    proxy.restore()   # the database is back: the replica reconnects by itself on its next transaction
    timeline = "SELECT count(*) FROM timeline WHERE kind = 'message' AND text = ?"
    sandbox.wait_for(lambda: replica.query(timeline, (said,)) != [(0,)], timeout=20,
                     message="the message said during the cut never reached the timeline")
    deadline = time.monotonic() + 30
    while True:
        again = alice.submit_view({"title": "Typed during the cut", "severity": "sev2"})
        if again.ack == {}:
            break
        assert time.monotonic() < deadline, again.errors
        time.sleep(0.5)
    assert alice.command("/incident", "declare After the cut sev2", channel="general").ack is not None
    sandbox.wait_for(lambda: len(incident_channels(sandbox)) == 3, timeout=30, message="not every incident made")
    assert titles(replica) == ["Before the cut", "Typed during the cut", "After the cut"]
    assert replica.query(timeline, (said,)) == [(1,)]
    assert sorted(c["name"] for c in incident_channels(sandbox)) == sorted(
        f"incident-{time.strftime('%Y-%m-%d', time.gmtime())}-{slug}"
        for slug in ("before-the-cut", "typed-during-the-cut", "after-the-cut"))


def health(replica) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{replica.webhook_port()}/healthz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_healthz_says_what_this_replica_lacks(sandbox, replica, proxy):
    assert health(replica) == (200, {"ok": True})
    proxy.cut()
    sandbox.wait_for(lambda: health(replica) == (503, {"ok": False, "error": "the database cannot take writes"}),
                     timeout=15, message="healthz never saw the database go")
    proxy.restore()
    sandbox.wait_for(lambda: health(replica) == (200, {"ok": True}), timeout=15, message="healthz never recovered")
    sandbox.settings.max_links = 0          # Slack turns its reconnects away (too_many_websockets)
    sandbox.faults.drop_connections()
    sandbox.wait_for(lambda: health(replica) == (503, {"ok": False, "error": "not connected to Slack (Socket Mode)"}),
                     timeout=15, message="healthz never saw Slack go")
    sandbox.settings.max_links = 10
    sandbox.wait_for(lambda: health(replica) == (200, {"ok": True}), timeout=30, message="never reconnected to Slack")


FAIL_FIRST_MESSAGE_WRITE = """
CREATE SEQUENCE message_writes;
CREATE FUNCTION fail_first_message_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a sequence is not rolled back with the failed transaction: only the first try fails
  IF NEW.kind = 'message' AND nextval('message_writes') = 1 THEN
    RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER fail_first_message_write BEFORE INSERT ON timeline
  FOR EACH ROW EXECUTE FUNCTION fail_first_message_write();
"""


def test_a_channel_message_the_database_could_not_take_is_recorded_when_slack_sends_it_again(sandbox, replica, database):
    """Slack never resends an acked event, so the message is on the timeline before its ack: here the
    first write fails (a full disk), the event goes unacked, and Slack's retry is recorded, once."""
    import psycopg

    alice = sandbox.as_user("alice")
    alice.command("/incident", "declare Disk trouble sev2", channel="general")
    sandbox.wait_for(lambda: incident_channels(sandbox) and sandbox.user("alice")["id"] in
                     incident_channels(sandbox)[0]["members"], timeout=30, message="alice never in its channel")
    channel = incident_channels(sandbox)[0]["id"]
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(FAIL_FIRST_MESSAGE_WRITE)
    said = "Failover to the standby started"
    alice.post(channel, said)
    timeline = "SELECT count(*) FROM timeline WHERE kind = 'message' AND text = ?"
    sandbox.wait_for(lambda: replica.query(timeline, (said,)) == [(1,)], timeout=20,
                     message="the message was lost: acked before it was recorded")
    assert replica.query("SELECT last_value FROM message_writes") == [(2,)]   # failed once, then recorded
    assert "event.not_recorded" in replica.log()
