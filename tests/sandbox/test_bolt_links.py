"""Two unmodified Bolt apps on one Slack app at the same time, as replicas: the
sync App (builtin client) and the AsyncApp (aiohttp client), each with its own
Socket Mode link. Each envelope is handled once, by one of them."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from sandbox import Sandbox

from .bolt_apps import AsyncBolt, SyncBolt


class Replicas:
    def __init__(self, sb: Sandbox, sync: SyncBolt, sync_link: int, async_: AsyncBolt,
                 async_link: int) -> None:
        self.sb, self.sync, self.sync_link = sb, sync, sync_link
        self.async_, self.async_link = async_, async_link

    def received(self, key: str, value: str) -> dict[int, int]:
        """How many requests with body[key] == value each replica's link got."""
        return {self.sync_link: sum(b.get(key) == value for b in self.sync.received),
                self.async_link: sum(b.get(key) == value for b in self.async_.received)}


def _react_when_seen(app: AsyncApp) -> None:
    """Only the async replica listens to reactions, like a newer version of the app:
    the sync one has no listener, so Bolt sends no ack for them."""

    @app.event("reaction_added")
    async def seen(event: dict, client: AsyncWebClient) -> None:
        await client.chat_postMessage(channel=event["item"]["channel"],
                                      text=f"Seen :{event['reaction']}:")


@pytest.fixture
def replicas() -> Iterator[Replicas]:
    sb = Sandbox(ack_timeout=3.0).start()    # Slack's window; Bolt's listener timeout is 3 s too
    sb.seed_demo()
    sb.settings.event_retry_delays = (0.05, 0.05, 0.05)
    WebClient(token=sb.bot_token, base_url=sb.api_url).conversations_join(
        channel=sb.channel("general")["id"])
    sync, async_ = SyncBolt(sb), AsyncBolt(sb, setup=_react_when_seen)
    sync.start()
    sb.wait_for(lambda: sb.connections == 1, timeout=10, message="sync App did not connect")
    sync_link = sb.links[0]["id"]
    async_.start()
    sb.wait_for(lambda: sb.connections == 2, timeout=10, message="AsyncApp did not connect")
    async_link = next(link["id"] for link in sb.links if link["id"] != sync_link)
    yield Replicas(sb, sync, sync_link, async_, async_link)
    sb.stop()          # server first: the builtin client's own close() waits out a 3 s recv
    sync.stop()
    async_.stop()


def _commands(sb: Sandbox, prefix: str, count: int) -> list[Any]:
    results = [sb.as_user("alice").command("/incident", f"{prefix} {i}") for i in range(count)]
    for i, result in enumerate(results):
        assert result.ack == {"text": "Working on it"} and not result.failed
        result.wait_reply(f"Declared: {prefix} {i}")
    return results


def test_each_command_handled_once_spread_over_both(replicas: Replicas) -> None:
    sb = replicas.sb
    results = _commands(sb, "spread", 8)
    links = [r.envelope.link_id for r in results]
    assert links.count(replicas.sync_link) == links.count(replicas.async_link) == 4
    for i, result in enumerate(results):
        assert replicas.received("text", f"spread {i}") == {
            link: int(link == result.envelope.link_id)
            for link in (replicas.sync_link, replicas.async_link)}
        assert [r["source"] for r in result.replies].count("response_url") == 1
        assert result.envelope.ack_link_id == result.envelope.link_id


def test_an_event_one_replica_leaves_unacked_is_retried_on_the_other(replicas: Replicas) -> None:
    sb = replicas.sb
    ts = sb.as_user("bob").post("general", "watch this")
    sb.route_next(replicas.sync_link, envelope_type="events_api")
    mark = sb.mark()
    sb.as_user("carol").react("general", ts, "eyes")
    sb.wait_for(lambda: any(m["text"] == "Seen :eyes:" for m in sb.messages("general")),
                timeout=10, message="no replica handled the reaction")
    chain = [e for e in sb.envelopes_since(mark) if e.payload_type == "reaction_added"]
    assert [(e.link_id, e.retry_attempt, e.failure) for e in chain] == [
        (replicas.sync_link, 0, "ack_timeout"), (replicas.async_link, 1, "")]
    assert chain[1].retry_reason == "timeout" and chain[1].acked_at
    assert [m["text"] for m in sb.messages("general")].count("Seen :eyes:") == 1


def test_a_killed_link_leaves_everything_to_the_other(replicas: Replicas) -> None:
    sb = replicas.sb
    # The sync replica's client must stay down, or it would reconnect with a new link.
    replicas.sync.handler.client.auto_reconnect_enabled = False
    sb.faults.drop_connections(link_id=replicas.sync_link)
    sb.wait_for(lambda: [link["id"] for link in sb.links] == [replicas.async_link])
    results = _commands(sb, "survivor", 4)
    assert {r.envelope.link_id for r in results} == {replicas.async_link}
    for i in range(4):
        assert replicas.received("text", f"survivor {i}") == {replicas.sync_link: 0,
                                                            replicas.async_link: 1}
    ts = sb.as_user("bob").post("general", "help, checkout is down")
    sb.wait_for(lambda: sb.messages("general", thread_ts=ts)[1:], timeout=10)
    assert [m["text"] for m in sb.messages("general", thread_ts=ts)[1:]] == ["On it"]
