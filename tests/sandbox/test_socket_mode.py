"""Socket Mode protocol with a bare client: hello, pings, acks, timeouts,
retries, queueing, spreading and connection faults."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import websocket
from slack_sdk import WebClient

from sandbox import Sandbox

from .helpers import RawApp


def test_hello_and_connection_count(sb: Sandbox, raw_app: RawApp) -> None:
    hello = raw_app.frames[0]
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"]["app_id"] == sb.app_id
    assert hello["debug_info"]["approximate_connection_time"] > 0
    assert sb.connections == 1
    second = RawApp(sb).connect()
    assert second.frames[0]["num_connections"] == 2
    second.close()
    sb.wait_for(lambda: sb.connections == 1)


def test_ping_gets_pong_with_same_payload(sb: Sandbox) -> None:
    url = WebClient(token=sb.app_token, base_url=sb.api_url).apps_connections_open(
        app_token=sb.app_token)["url"]
    ws = websocket.create_connection(url, timeout=5)
    assert json.loads(ws.recv())["type"] == "hello"
    ws.ping("sdk-ping-pong:12345")
    opcode, frame = ws.recv_data_frame(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_PONG and frame.data == b"sdk-ping-pong:12345"
    ws.close()


def test_unknown_or_reused_ticket_is_refused(sb: Sandbox) -> None:
    url = WebClient(token=sb.app_token, base_url=sb.api_url).apps_connections_open(
        app_token=sb.app_token)["url"]
    websocket.create_connection(url, timeout=5).close()
    try:
        websocket.create_connection(url, timeout=5)
        raise AssertionError("a used ticket must not connect")
    except websocket.WebSocketBadStatusException as err:
        assert err.status_code == 401


def test_acks_with_and_without_payload(sb: Sandbox) -> None:
    answers = iter([True, {"text": "Working on it"}])
    app = RawApp(sb, responder=lambda f: next(answers)).connect()
    alice = sb.as_user("alice")
    first = alice.command("/incident", "a")
    assert first.ack == {} and not first.failed and first.replies == []
    second = alice.command("/incident", "b")
    assert second.ack == {"text": "Working on it"}
    assert second.replies[0]["source"] == "ack" and second.text == "Working on it"
    env = second.envelope
    assert env.acked_at and env.ack_latency is not None and 0 <= env.ack_latency < 1
    app.close()


def test_command_envelope_payload(sb: Sandbox, raw_app: RawApp, ids: dict) -> None:
    result = sb.as_user("alice").command("/incident", "declare Checkout errors sev2",
                                         channel="incidents")
    frame = raw_app.wait(lambda f: f.get("envelope_id") == result.envelope.envelope_id)
    assert frame["type"] == "slash_commands" and frame["accepts_response_payload"] is True
    payload = frame["payload"]
    assert payload["command"] == "/incident" and payload["text"] == "declare Checkout errors sev2"
    assert payload["user_id"] == ids["alice"] and payload["user_name"] == "alice"
    assert payload["channel_id"] == ids["incidents"] and payload["channel_name"] == "incidents"
    assert payload["team_id"] == sb.team_id and payload["team_domain"] == "warroom-sandbox"
    assert payload["api_app_id"] == sb.app_id and payload["is_enterprise_install"] == "false"
    assert payload["response_url"].startswith(sb.url + "/respond/")
    assert payload["trigger_id"] and payload["token"]


def test_command_ack_timeout_shows_operation_timeout(sb: Sandbox) -> None:
    app = RawApp(sb, responder=lambda f: None).connect()
    result = sb.as_user("alice").command("/incident", "declare x")
    assert result.failed and result.ack is None
    error = result.wait_reply("failed")
    assert error["source"] == "error"
    assert error["text"] == '/incident failed with the error "operation_timeout"'
    assert result.envelope.failure == "ack_timeout"
    assert sb.ephemerals("alice", "general")[-1]["source"] == "error"
    app.close()


def test_command_without_connection_fails(sb: Sandbox) -> None:
    result = sb.as_user("alice").command("/incident", "x")
    assert result.failed
    assert result.wait_reply()["text"] == '/incident failed with the error "dispatch_failed"'


def test_event_retries_then_gives_up(sb: Sandbox, client: WebClient, ids: dict) -> None:
    sb.ack_timeout = 0.2
    app = RawApp(sb, responder=lambda f: f["type"] != "events_api").connect()
    client.conversations_join(channel=ids["general"])
    mark = sb.mark()
    sb.as_user("alice").post("general", "unacked")
    sb.wait_for(lambda: len([e for e in sb.envelopes_since(mark)
                             if e.failed and e.payload_type == "message"]) == 4, timeout=10)
    deliveries = [f for f in app.envelopes("events_api")
                  if f["payload"]["event"].get("text") == "unacked"]
    assert [d["retry_attempt"] for d in deliveries] == [0, 1, 2, 3]
    assert [d["retry_reason"] for d in deliveries] == ["", "timeout", "timeout", "timeout"]
    assert len({d["payload"]["event_id"] for d in deliveries}) == 1
    assert len({d["envelope_id"] for d in deliveries}) == 4
    # a redelivery is planned only while retry_attempt < the number of delays: none after the third
    assert deliveries[-1]["retry_attempt"] == len(sb.settings.event_retry_delays)
    app.close()


def test_events_wait_for_a_connection(sb: Sandbox, client: WebClient, ids: dict) -> None:
    client.conversations_join(channel=ids["general"])
    sb.as_user("alice").post("general", "while offline")
    app = RawApp(sb).connect()
    event = app.wait_event("message", text="while offline")
    assert event["user"] == ids["alice"]
    app.close()


def test_envelopes_spread_across_connections(sb: Sandbox, client: WebClient, ids: dict) -> None:
    first, second = RawApp(sb).connect(), RawApp(sb).connect()
    client.conversations_join(channel=ids["general"])
    alice = sb.as_user("alice")
    for i in range(6):
        alice.post("general", f"m{i}")
    sb.wait_for(lambda: len(first.events("message")) + len(second.events("message")) == 6)
    assert first.events("message") and second.events("message")
    first.close()
    second.close()


def test_duplicate_next_event(sb: Sandbox, raw_app: RawApp, client: WebClient, ids: dict) -> None:
    client.conversations_join(channel=ids["general"])
    raw_app.wait_event("member_joined_channel")     # so the duplicate hits the next event
    sb.faults.duplicate_next("events_api")
    sb.as_user("alice").post("general", "twice")
    sb.wait_for(lambda: len([e for e in raw_app.events("message")
                             if e.get("text") == "twice"]) == 2)
    frames = [f for f in raw_app.envelopes("events_api")
              if f["payload"]["event"].get("text") == "twice"]
    assert [f["retry_attempt"] for f in frames] == [0, 1]
    assert frames[1]["retry_reason"] == "timeout"
    assert frames[0]["payload"]["event_id"] == frames[1]["payload"]["event_id"]
    sb.as_user("alice").post("general", "once")
    raw_app.wait_event("message", text="once")
    # Slack redelivers only what was not acked in time: once the ack is in, nothing more can come
    once = sb.wait_for(lambda: [e for e in sb.envelopes if e.payload_type == "message"
                                and e.payload["event"].get("text") == "once" and e.acked_at is not None])
    assert len(once) == 1 and not once[0].failed
    assert len([e for e in raw_app.events("message") if e.get("text") == "once"]) == 1


def test_disconnect_message(sb: Sandbox, raw_app: RawApp) -> None:
    sb.faults.disconnect("warning")
    frame = raw_app.wait(lambda f: f.get("type") == "disconnect")
    assert frame["reason"] == "warning" and frame["debug_info"]["host"]


def test_drop_connections(sb: Sandbox, raw_app: RawApp) -> None:
    assert sb.connections == 1
    sb.faults.drop_connections()
    sb.wait_for(lambda: sb.connections == 0)
    result = sb.as_user("alice").command("/incident", "x")
    assert result.failed


def test_http_errors_for_bad_paths(sb: Sandbox) -> None:
    try:
        urllib.request.urlopen(sb.url + "/link/?ticket=nope", timeout=5)
        raise AssertionError("expected 401")
    except urllib.error.HTTPError as err:
        assert err.code in (400, 401)


def test_queued_events_expire(sb: Sandbox, client: WebClient, ids: dict) -> None:
    sb.settings.event_queue_ttl = 0.05
    client.conversations_join(channel=ids["general"])
    mark = sb.mark()
    sb.as_user("alice").post("general", "nobody listening")
    env = sb.wait_for(lambda: [e for e in sb.envelopes_since(mark) if e.failed])[0]
    assert env.failure == "no_connection"


def test_after_disconnect_envelopes_wait_for_the_new_link(sb: Sandbox, raw_app: RawApp,
                                                          client: WebClient, ids: dict) -> None:
    client.conversations_join(channel=ids["general"])
    raw_app.wait_event("member_joined_channel")
    sb.faults.disconnect("refresh_requested")
    raw_app.wait(lambda f: f.get("type") == "disconnect")
    sb.as_user("alice").post("general", "during the switch")
    during = [e for e in sb.envelopes if e.payload_type == "message"]
    assert during and all(e.link_id is None for e in during), "held for the new link, sent on none"
    assert not raw_app.events("message")
    fresh = RawApp(sb).connect()
    fresh.wait_event("message", text="during the switch")
    fresh.close()
