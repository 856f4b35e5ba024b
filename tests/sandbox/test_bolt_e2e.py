"""Unmodified Bolt apps (sync builtin client and async aiohttp client) driven
end to end through the sandbox."""

from __future__ import annotations

from typing import Iterator

import pytest
from slack_sdk import WebClient

from sandbox import Sandbox

from .bolt_apps import AsyncBolt, SyncBolt


@pytest.fixture(scope="module", params=["sync", "async"])
def bolt(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    # One sandbox + app per client kind for the module: the builtin client
    # needs ~3 s to close (its receive timeout), too slow to pay per test.
    sb = Sandbox(ack_timeout=3.0).start()   # Slack's window; Bolt's listener timeout is 3 s too
    sb.seed_demo()
    runner = AsyncBolt(sb) if request.param == "async" else SyncBolt(sb)
    runner.start()
    sb.wait_for(lambda: sb.connections >= 1, message="Bolt did not connect")
    yield sb
    sb.stop()         # server first: the builtin client's own close() waits out a 3 s recv
    runner.stop()


def test_slash_command_ack_respond_and_ephemeral(bolt: Sandbox) -> None:
    result = bolt.as_user("alice").command("/incident", "declare Checkout errors sev2",
                                           channel="incidents")
    assert result.ack == {"text": "Working on it"} and not result.failed
    result.wait_reply("Declared: declare Checkout errors sev2")
    result.wait_reply("Only you can see this")
    # AsyncApp may send the ack after its follow-up calls (slack-platform.md §0.9).
    assert sorted(r["source"] for r in result.replies) == ["ack", "ephemeral", "response_url"]
    assert bolt.ephemerals("bob") == []


def test_button_click_replaces_original(bolt: Sandbox) -> None:
    alice = bolt.as_user("alice")
    alice.command("/incident", "page").ack
    dm = bolt.wait_for(lambda: bolt.dm_channel("alice"))
    bolt.wait_for(lambda: bolt.messages(dm))
    result = alice.click("Acknowledge", channel="dm")
    assert result.ack == {}
    bolt.wait_for(lambda: bolt.messages(dm)[-1]["text"].startswith("Acknowledged by"))
    assert bolt.render(bolt.messages(dm)[-1]) == "Acknowledged by @alice"


def test_modal_errors_then_success(bolt: Sandbox) -> None:
    alice = bolt.as_user("alice")
    WebClient(token=bolt.bot_token, base_url=bolt.api_url).conversations_join(
        channel=bolt.channel("incidents")["id"])
    alice.command("/incident", "modal")
    bolt.wait_for(alice.view, message="modal never opened")
    rejected = alice.submit_view({"title": "no"})
    assert rejected.errors == {"title_b": "Title is too short"}
    assert alice.view() is not None
    accepted = alice.submit_view({"title": "Checkout errors"})
    assert accepted.errors is None and not accepted.failed and alice.view() is None
    bolt.wait_for(lambda: any(m["text"] == "Incident declared: Checkout errors"
                              for m in bolt.messages("incidents")))


def test_message_event_reaction_and_thread_reply(bolt: Sandbox) -> None:
    WebClient(token=bolt.bot_token, base_url=bolt.api_url).conversations_join(
        channel=bolt.channel("general")["id"])
    ts = bolt.as_user("bob").post("general", "can someone help?")
    bolt.wait_for(lambda: bolt.message("general", ts).get("reactions"))
    thread = bolt.wait_for(lambda: bolt.messages("general", thread_ts=ts)[1:])
    assert thread[0]["text"] == "On it" and thread[0]["bot_id"] == bolt.bot_id
    assert bolt.message("general", ts)["reactions"][0]["name"] == "eyes"


def test_disconnect_then_reconnect_and_still_served(bolt: Sandbox) -> None:
    mark = bolt.mark()
    old = max(link["id"] for link in bolt.links)
    bolt.faults.disconnect("refresh_requested")
    bolt.wait_for(lambda: any(c.method == "apps.connections.open" and c.ok
                              for c in bolt.calls_since(mark)), message="no reconnect")
    # Served only by the new link once the client has dropped the old one.
    bolt.wait_for(lambda: bolt.links and all(link["id"] > old for link in bolt.links),
                  message="old link still open")
    result = bolt.as_user("alice").command("/incident", "declare after reconnect")
    assert result.ack == {"text": "Working on it"}
    result.wait_reply("Declared: declare after reconnect")


def test_websocket_client_adapter_smoke() -> None:
    """The websocket-client adapter too (it opens two connections' worth of tickets).
    Not put through disconnects: its replacement session can sit up to 10 s in a
    select() on the closed socket (a websocket-client race), which would only slow
    the suite without testing the sandbox."""
    sb = Sandbox(ack_timeout=3.0).start()
    sb.seed_demo()
    runner = SyncBolt(sb, websocket_client=True)
    runner.start()
    try:
        sb.wait_for(lambda: sb.connections >= 1)
        result = sb.as_user("alice").command("/incident", "declare via websocket-client")
        assert result.ack == {"text": "Working on it"}
        result.wait_reply("Declared: declare via websocket-client")
    finally:
        # Server first: a close initiated by this client's own close() hits the race above.
        sb.stop()
        runner.stop()
