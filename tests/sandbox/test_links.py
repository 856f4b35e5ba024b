"""Several Socket Mode links per app, as Slack allows: at most ten, each envelope
to exactly one of them, retries possibly to another, routes fixed by tests."""

from __future__ import annotations

from typing import Iterator

import pytest
from slack_sdk import WebClient

from sandbox import Envelope, Sandbox

from .helpers import RawApp


@pytest.fixture
def pair(sb: Sandbox) -> Iterator[tuple[RawApp, RawApp]]:
    first, second = RawApp(sb).connect(), RawApp(sb).connect()
    yield first, second
    first.close()
    second.close()


def _ids(app: RawApp) -> set[str]:
    return {f["envelope_id"] for f in app.envelopes()}


def _ignores_messages(frame: dict) -> bool:
    """A responder that leaves message events unacked and acks the rest."""
    return frame["type"] != "events_api" or frame["payload"]["event"]["type"] != "message"


def _joined(client: WebClient, ids: dict, *apps: RawApp) -> None:
    """The bot joins #general; its own join event must not skew later counts."""
    client.conversations_join(channel=ids["general"])
    sb_wait = apps[0].sb.wait_for
    sb_wait(lambda: sum(len(a.events("member_joined_channel")) for a in apps) == 1)


@pytest.fixture
def deaf_and_good(sb: Sandbox, client: WebClient, ids: dict) -> Iterator[tuple[RawApp, RawApp]]:
    """Two links in #general's event stream; the first leaves message events unacked."""
    deaf, good = RawApp(sb, responder=_ignores_messages).connect(), RawApp(sb).connect()
    _joined(client, ids, deaf, good)
    yield deaf, good
    deaf.close()
    good.close()


def _post_to(sb: Sandbox, link_id: int | None, text: str) -> int:
    """Post in #general with its message event routed to ``link_id``; returns the mark."""
    assert link_id is not None
    sb.route_next(link_id, envelope_type="events_api")
    mark = sb.mark()
    sb.as_user("alice").post("general", text)
    return mark


def _message_chain(sb: Sandbox, mark: int) -> list[Envelope]:
    return [e for e in sb.envelopes_since(mark) if e.payload_type == "message"]


def test_at_most_ten_links_the_eleventh_is_told_too_many(sb: Sandbox) -> None:
    apps = [RawApp(sb).connect() for _ in range(10)]
    assert apps[-1].frames[0]["num_connections"] == 10
    extra = RawApp(sb).connect(expect_hello=False)
    frame = extra.wait(lambda f: f.get("type") == "disconnect")
    assert frame["reason"] == "too_many_websockets" and frame["debug_info"]["host"]
    assert extra.closed.wait(5), "the refused link was left open"
    assert [f["type"] for f in extra.frames] == ["disconnect"]
    assert sb.connections == 10 and sb.refused_links == 1
    results = [sb.as_user("alice").command("/incident", f"c{i}") for i in range(10)]
    assert all(r.ack == {} for r in results)
    assert sorted(r.envelope.link_id for r in results) == sorted(a.link_id for a in apps)
    assert extra.envelopes() == []
    apps[0].close()
    sb.wait_for(lambda: sb.connections == 9)
    late = RawApp(sb).connect()
    assert late.frames[0]["num_connections"] == 10 and sb.refused_links == 1
    for app in apps[1:] + [late, extra]:
        app.close()


def test_each_envelope_goes_to_exactly_one_link_in_turn(sb: Sandbox, client: WebClient,
                                                          ids: dict) -> None:
    apps = [RawApp(sb).connect() for _ in range(3)]
    _joined(client, ids, *apps)
    mark = sb.mark()
    for i in range(9):
        sb.as_user("alice").post("general", f"m{i}")
    sb.wait_for(lambda: sum(len(a.events("message")) for a in apps) == 9)
    envelopes = [e for e in sb.envelopes_since(mark) if e.payload_type == "message"]
    for env in envelopes:
        holders = [a.link_id for a in apps if env.envelope_id in _ids(a)]
        assert holders == [env.link_id]
    assert [len(a.events("message")) for a in apps] == [3, 3, 3]
    # Round-robin by link id: consecutive envelopes never go to the same link.
    links = [e.link_id for e in envelopes]
    assert all(a != b for a, b in zip(links, links[1:]))
    for app in apps:
        app.close()


def test_random_spread_is_reproducible_from_its_seed(sb: Sandbox) -> None:
    apps = [RawApp(sb).connect() for _ in range(3)]

    def links_for_twelve_commands() -> list[int | None]:
        sb.spread("random", seed=7)
        results = [sb.as_user("bob").command("/incident", f"r{i}") for i in range(12)]
        assert all(r.ack == {} for r in results)
        return [r.envelope.link_id for r in results]

    first = links_for_twelve_commands()
    assert links_for_twelve_commands() == first
    assert len(set(first)) > 1
    with pytest.raises(ValueError, match="round_robin, random"):
        sb.spread("sticky")
    for app in apps:
        app.close()


def test_route_next_sends_to_the_given_link(sb: Sandbox, pair: tuple[RawApp, RawApp]) -> None:
    first, second = pair
    for _ in range(3):
        sb.route_next(second.link_id)
    results = [sb.as_user("alice").command("/incident", f"x{i}") for i in range(3)]
    assert all(r.ack == {} for r in results)
    assert {r.envelope.link_id for r in results} == {second.link_id}
    assert first.envelopes() == [] and len(second.envelopes("slash_commands")) == 3
    with pytest.raises(ValueError, match="no live Socket Mode link"):
        sb.route_next(999)
    with pytest.raises(ValueError, match="Slack redelivers only events"):
        sb.route_next(first.link_id, second.link_id, envelope_type="slash_commands")


def test_the_same_event_on_two_links_at_once(sb: Sandbox, pair: tuple[RawApp, RawApp],
                                             client: WebClient, ids: dict) -> None:
    first, second = pair
    _joined(client, ids, first, second)
    mark = sb.mark()
    sb.route_next(second.link_id, first.link_id, envelope_type="events_api")
    sb.as_user("alice").post("general", "both replicas")
    on_second = second.wait_event("message", text="both replicas")
    on_first = first.wait_event("message", text="both replicas")
    assert on_first == on_second
    original, redelivery = _message_chain(sb, mark)
    assert (original.link_id, redelivery.link_id) == (second.link_id, first.link_id)
    assert (original.retry_attempt, redelivery.retry_attempt) == (0, 1)
    assert redelivery.retry_reason == "timeout"
    assert original.payload["event_id"] == redelivery.payload["event_id"]
    assert original.envelope_id != redelivery.envelope_id
    sb.wait_for(lambda: original.acked_at and redelivery.acked_at)
    # At once: the second copy left before the first was acked.
    assert redelivery.sent_at is not None and redelivery.sent_at <= original.acked_at


def test_duplicate_fault_lands_on_the_other_link(sb: Sandbox, pair: tuple[RawApp, RawApp],
                                                 client: WebClient, ids: dict) -> None:
    first, second = pair
    _joined(client, ids, first, second)
    sb.faults.duplicate_next("events_api")
    mark = sb.mark()
    sb.as_user("alice").post("general", "twice")
    sb.wait_for(lambda: len([e for e in sb.envelopes_since(mark) if e.acked_at]) == 2)
    links = {e.link_id for e in sb.envelopes_since(mark)}
    assert links == {first.link_id, second.link_id}


def test_unacked_event_is_retried_on_the_other_link(
        sb: Sandbox, deaf_and_good: tuple[RawApp, RawApp]) -> None:
    deaf, good = deaf_and_good
    mark = _post_to(sb, deaf.link_id, "retry me")
    good.wait_event("message", text="retry me")
    acked = sb.wait_for(lambda: [e for e in sb.envelopes_since(mark) if e.acked_at])
    chain = _message_chain(sb, mark)
    assert [(e.link_id, e.retry_attempt, e.failure) for e in chain] == [
        (deaf.link_id, 0, "ack_timeout"), (good.link_id, 1, "")]
    assert acked == [chain[1]] and chain[1].ack_link_id == good.link_id
    assert chain[1].retry_reason == "timeout"


def test_event_in_flight_on_a_dying_link_is_retried_elsewhere(
        sb: Sandbox, deaf_and_good: tuple[RawApp, RawApp]) -> None:
    doomed, survivor = deaf_and_good
    mark = _post_to(sb, doomed.link_id, "in flight")
    doomed.wait_event("message", text="in flight")
    sb.faults.drop_connections(link_id=doomed.link_id)
    sb.wait_for(lambda: sb.connections == 1)
    survivor.wait_event("message", text="in flight")
    chain = _message_chain(sb, mark)
    assert [(e.link_id, e.retry_attempt) for e in chain] == [(doomed.link_id, 0),
                                                             (survivor.link_id, 1)]
    sb.wait_for(lambda: chain[1].acked_at)
    assert chain[0].failure == "ack_timeout"


def test_command_in_flight_on_a_dying_link_times_out_for_the_person(
        sb: Sandbox, pair: tuple[RawApp, RawApp]) -> None:
    first, second = pair
    first.responder = lambda f: None
    sb.route_next(first.link_id)
    result = sb.as_user("alice").command("/incident", "lost")
    first.wait(lambda f: f.get("type") == "slash_commands")
    sb.faults.drop_connections(link_id=first.link_id)
    assert result.failed and result.ack is None
    assert result.wait_reply("failed")["text"] == '/incident failed with the error "operation_timeout"'
    assert second.envelopes() == []        # Slack doesn't retry commands


def test_an_ack_may_come_back_on_another_link(sb: Sandbox, pair: tuple[RawApp, RawApp]) -> None:
    """A client that swaps links acks on the new one what it got on the old one."""
    first, second = pair
    first.responder = lambda f: None
    sb.route_next(first.link_id)
    result = sb.as_user("alice").command("/incident", "swap")
    frame = first.wait(lambda f: f.get("type") == "slash_commands")
    second.send({"envelope_id": frame["envelope_id"], "payload": {"text": "Got it"}})
    assert result.ack == {"text": "Got it"} and not result.failed
    assert (result.envelope.link_id, result.envelope.ack_link_id) == (first.link_id,
                                                                      second.link_id)


def test_disconnect_or_drop_one_link_only(sb: Sandbox, pair: tuple[RawApp, RawApp]) -> None:
    first, second = pair
    sb.faults.disconnect("warning", link_id=first.link_id)
    first.wait(lambda f: f.get("type") == "disconnect")
    assert [f for f in second.frames if f.get("type") == "disconnect"] == []
    assert {link["id"]: link["draining"] for link in sb.links} == {first.link_id: True,
                                                                 second.link_id: False}
    results = [sb.as_user("alice").command("/incident", f"d{i}") for i in range(3)]
    assert all(r.ack == {} for r in results)
    assert {r.envelope.link_id for r in results} == {second.link_id}
    sb.faults.drop_connections(link_id=second.link_id)
    sb.wait_for(lambda: [link["id"] for link in sb.links] == [first.link_id])
    with pytest.raises(ValueError, match="no live Socket Mode link"):
        sb.faults.drop_connections(link_id=second.link_id)
    # Only the draining link is left; a fresh link is preferred to it.
    late = RawApp(sb).connect()
    result = sb.as_user("alice").command("/incident", "after")
    assert result.ack == {} and result.envelope.link_id == late.link_id
    late.close()
