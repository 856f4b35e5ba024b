"""Two replicas of the unmodified bot (real ``warroom run`` processes) on one PostgreSQL schema, with
faults between them: Slack handing the same event to both at once, a sender frozen past its lease
and then resumed, PostgreSQL going away under load. What is checked is what people see in the
sandbox and what the database holds."""

from __future__ import annotations

import time

import pytest

from harness.bots import BotProcess, query
from tests.e2e.helpers import pinned


@pytest.fixture
def database(postgres):
    url = postgres.new_schema()
    yield url
    postgres.drop_schema(url)


@pytest.fixture
def replicas(sandbox, tmp_path, database):
    made = [BotProcess(sandbox, tmp_path, database=database, name=name) for name in ("a", "b")]
    try:
        for replica in made:
            replica.start()
        yield made
    finally:
        for replica in made:
            replica.stop()


def incident_channels(sandbox) -> list[dict]:
    return [c for c in sandbox.channels() if c["name"].startswith("incident-")]


def settled(database: str) -> bool:
    return query(database, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]


def declare_and_wait(sandbox, database: str, title: str, user: str = "alice") -> dict:
    """Declare from #general and wait until its channel, pinned status and every effect are done."""
    result = sandbox.as_user(user).command("/incident", f"declare {title} sev2", channel="general")
    assert result.ack and result.ack.get("text", "").startswith(":hourglass_flowing_sand: Declaring"), result.ack
    sandbox.wait_for(lambda: [c for c in incident_channels(sandbox) if pinned(sandbox, c["id"])],
                     timeout=30, message="incident channel never set up")
    sandbox.wait_for(lambda: settled(database), timeout=30, message="declare effects never finished")
    (channel_id,) = [r[0] for r in query(database, "SELECT channel_id FROM incidents WHERE title = ?", (title,))]
    return sandbox.channel(channel_id)


# 1. Slack retries an unacked event on any link: the same event on both replicas at once ---------------

def both_links(sandbox) -> tuple[int, int]:
    ids = sorted(link["id"] for link in sandbox.links)
    assert len(ids) == 2, sandbox.links
    return ids[0], ids[1]


def deliveries(sandbox, mark: int, event_type: str) -> list:
    return [e for e in sandbox.envelopes_since(mark) if e.type == "events_api"
            and e.payload.get("event", {}).get("type") == event_type]


def on_both_links_and_acked(sandbox, mark: int, event_type: str) -> list:
    """The event went out twice at the same time (the original and a "timeout" redelivery with the
    same event_id), one on each replica's link, and both were acked."""
    sent = deliveries(sandbox, mark, event_type)
    assert len(sent) == 2, [(e.payload.get("event", {}).get("type"), e.link_id) for e in sandbox.envelopes_since(mark)]
    assert {e.link_id for e in sent} == set(both_links(sandbox)), [e.link_id for e in sent]
    assert len({e.payload["event_id"] for e in sent}) == 1
    assert sorted(e.retry_attempt for e in sent) == [0, 1]
    sandbox.wait_for(lambda: all(e.acked_at is not None for e in sent), timeout=10,
                     message=f"{event_type} not acked on both links")
    return sent


def test_the_same_event_on_both_replicas_at_once_is_recorded_once(sandbox, replicas, database):
    alice, bob = sandbox.as_user("alice"), sandbox.as_user("bob")
    channel = declare_and_wait(sandbox, database, "Twice delivered")
    link_a, link_b = both_links(sandbox)

    def events_once(event_type: str, act) -> None:
        mark = sandbox.mark()
        sandbox.route_next(link_a, link_b, envelope_type="events_api")
        act()
        sandbox.wait_for(lambda: len(deliveries(sandbox, mark, event_type)) >= 2, timeout=10,
                         message=f"{event_type} never delivered twice")
        on_both_links_and_acked(sandbox, mark, event_type)

    events_once("member_joined_channel", lambda: bob.join(channel["id"]))
    said: list[str] = []
    events_once("message", lambda: said.append(alice.post(channel["id"], "the primary is refusing writes")))
    events_once("reaction_added", lambda: alice.react(channel["id"], said[0], "pushpin"))

    incident_id = query(database, "SELECT id FROM incidents WHERE title = 'Twice delivered'")[0][0]

    def timeline(kind: str, actor: str) -> list[tuple]:
        return query(database, "SELECT text, message_ts, is_key FROM timeline "
                               "WHERE incident_id = ? AND kind = ? AND actor = ? ORDER BY id", (incident_id, kind, actor))

    # the database: one row per event, whichever replica got there first
    sandbox.wait_for(lambda: timeline("message", alice.id) and timeline("message", alice.id)[0][2], timeout=10,
                     message="the pinned message never became a key event")
    assert len(timeline("joined", bob.id)) == 1, timeline("joined", bob.id)
    assert [(text, ts) for text, ts, _ in timeline("message", alice.id)] == [("the primary is refusing writes", said[0])]

    # what people see: the wrap-up lists the pinned message once
    resolved = alice.command("/incident", "resolve The primary is back", channel=channel["id"])
    assert resolved.ack is not None, "resolve was not acked"
    wrapups = sandbox.wait_for(
        lambda: [m for m in sandbox.messages(channel["id"])
                 if m.get("user") == sandbox.bot_user_id and "resolved" in sandbox.render(m)
                 and "Key events" in sandbox.render(m)],
        timeout=20, message="no wrap-up posted")
    assert len(wrapups) == 1
    assert sandbox.render(wrapups[0]).count("the primary is refusing writes") == 1, sandbox.render(wrapups[0])
