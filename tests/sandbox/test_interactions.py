"""The person's interactive side against a bare client: clicks, selects,
modal submission with every response_action, shortcuts and response_urls."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient

from sandbox import Sandbox

from .helpers import RawApp
from .test_webapi_views import modal

BUTTONS = [{"type": "section", "text": {"type": "mrkdwn", "text": "Paged: checkout"}},
           {"type": "actions", "block_id": "page", "elements": [
               {"type": "button", "action_id": "ack", "value": "inc-7", "style": "primary",
                "text": {"type": "plain_text", "text": "Acknowledge"}},
               {"type": "static_select", "action_id": "sev", "options": [
                   {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                   {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"}]},
               {"type": "users_select", "action_id": "who"}]}]


def post_json(url: str, body: dict) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def interactive(app: RawApp, kind: str) -> dict[str, Any]:
    return app.wait(lambda f: f.get("type") == "interactive"
                    and f["payload"]["type"] == kind)["payload"]


def test_click_button_on_channel_message(sb: Sandbox, raw_app: RawApp, client: WebClient,
                                         joined: dict) -> None:
    ts = client.chat_postMessage(channel=joined["general"], text="paged", blocks=BUTTONS)["ts"]
    result = sb.as_user("bob").click("Acknowledge", channel="general")
    payload = interactive(raw_app, "block_actions")
    assert result.ack == {} and not result.failed
    action = payload["actions"][0]
    assert action["action_id"] == "ack" and action["block_id"] == "page"
    assert action["value"] == "inc-7" and action["type"] == "button"
    assert action["text"]["text"] == "Acknowledge" and action["style"] == "primary"
    assert payload["container"] == {"type": "message", "message_ts": ts,
                                    "channel_id": joined["general"], "is_ephemeral": False}
    assert payload["message"]["ts"] == ts and payload["channel"]["name"] == "general"
    assert payload["user"]["id"] == joined["bob"] and payload["user"]["username"] == "bob"
    assert payload["response_url"].startswith(sb.url) and payload["trigger_id"]
    assert payload["team"]["id"] == sb.team_id
    # by action_id and explicit ts too
    sb.as_user("bob").click("ack", channel="general", ts=ts)
    with pytest.raises(LookupError):
        sb.as_user("bob").click("Nope", channel="general")


def test_replace_and_delete_original_via_response_url(sb: Sandbox, raw_app: RawApp,
                                                      client: WebClient, joined: dict) -> None:
    ts = client.chat_postMessage(channel=joined["general"], text="paged", blocks=BUTTONS)["ts"]
    sb.as_user("bob").click("Acknowledge", channel="general")
    url = interactive(raw_app, "block_actions")["response_url"]
    assert post_json(url, {"text": "Acked by bob", "replace_original": True}) == (200, "ok")
    assert sb.message("general", ts)["text"] == "Acked by bob"
    assert post_json(url, {"text": "just for you"}) == (200, "ok")
    assert sb.ephemerals("bob", "general")[-1]["text"] == "just for you"
    assert post_json(url, {"delete_original": True}) == (200, "ok")
    assert sb.message("general", ts) is None


def test_click_on_ephemeral(sb: Sandbox, raw_app: RawApp, client: WebClient,
                            joined: dict) -> None:
    client.chat_postEphemeral(channel=joined["general"], user=joined["alice"], text="choose",
                              blocks=BUTTONS)
    eph = sb.ephemerals("alice", "general")[-1]
    result = sb.as_user("alice").click("Acknowledge", message=eph)
    payload = interactive(raw_app, "block_actions")
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    assert payload["container"]["message_ts"] == eph["ts"]
    post_json(payload["response_url"], {"text": "Done", "replace_original": True})
    seen = sb.ephemerals("alice", "general")
    assert seen[-2]["replaced"] and seen[-1]["text"] == "Done"
    assert result.wait_reply("Done")["source"] == "response_url"


def test_click_in_dm(sb: Sandbox, raw_app: RawApp, client: WebClient, joined: dict) -> None:
    dm = client.chat_postMessage(channel=joined["carol"], text="page", blocks=BUTTONS)["channel"]
    sb.as_user("carol").click("Acknowledge", channel="dm")
    assert interactive(raw_app, "block_actions")["container"]["channel_id"] == dm


def test_select_in_message(sb: Sandbox, raw_app: RawApp, client: WebClient, joined: dict) -> None:
    client.chat_postMessage(channel=joined["general"], text="paged", blocks=BUTTONS)
    sb.as_user("bob").select("sev", "sev2", channel="general")
    action = interactive(raw_app, "block_actions")["actions"][0]
    assert action["type"] == "static_select"
    assert action["selected_option"] == {"text": {"type": "plain_text", "text": "SEV2"},
                                         "value": "sev2"}
    sb.as_user("bob").select("who", "dave", channel="general")
    sb.wait_for(lambda: len(raw_app.envelopes("interactive")) == 2)
    assert raw_app.envelopes("interactive")[1]["payload"]["actions"][0]["selected_user"] \
        == joined["dave"]
    with pytest.raises(ValueError):
        sb.as_user("bob").select("sev", "sev9", channel="general")


FORM = [
    {"type": "input", "block_id": "title_b", "label": {"type": "plain_text", "text": "Title"},
     "element": {"type": "plain_text_input", "action_id": "title"}},
    {"type": "input", "block_id": "sev_b", "label": {"type": "plain_text", "text": "Severity"},
     "element": {"type": "static_select", "action_id": "sev", "initial_option": {
         "text": {"type": "plain_text", "text": "SEV3"}, "value": "sev3"}, "options": [
         {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
         {"text": {"type": "plain_text", "text": "SEV3"}, "value": "sev3"}]}},
    {"type": "input", "block_id": "cmd_b", "optional": True,
     "label": {"type": "plain_text", "text": "Commander"},
     "element": {"type": "users_select", "action_id": "commander"}},
    {"type": "input", "block_id": "team_b", "optional": True,
     "label": {"type": "plain_text", "text": "Team"},
     "element": {"type": "multi_users_select", "action_id": "team"}},
    {"type": "input", "block_id": "chan_b", "optional": True,
     "label": {"type": "plain_text", "text": "Channel"},
     "element": {"type": "conversations_select", "action_id": "chan"}},
    {"type": "input", "block_id": "opts_b", "optional": True,
     "label": {"type": "plain_text", "text": "Options"},
     "element": {"type": "checkboxes", "action_id": "opts", "options": [
         {"text": {"type": "plain_text", "text": "Page"}, "value": "page"},
         {"text": {"type": "plain_text", "text": "Announce"}, "value": "announce"}]}},
    {"type": "input", "block_id": "when_b", "optional": True,
     "label": {"type": "plain_text", "text": "When"},
     "element": {"type": "datepicker", "action_id": "day"}},
    {"type": "input", "block_id": "time_b", "optional": True,
     "label": {"type": "plain_text", "text": "At"},
     "element": {"type": "timepicker", "action_id": "at"}},
]


class ModalApp:
    """Opens the FORM modal on /incident and answers submissions from a script."""

    def __init__(self, sb: Sandbox, acks: list[Any]) -> None:
        self.sb, self.acks = sb, acks
        self.client = WebClient(token=sb.bot_token, base_url=sb.api_url)
        self.app = RawApp(sb, responder=self.respond).connect()

    def respond(self, frame: dict) -> Any:
        payload = frame["payload"]
        if frame["type"] == "slash_commands":
            self.client.views_open(trigger_id=payload["trigger_id"],
                                   view=modal(blocks=FORM, notify_on_close=True))
            return True
        if payload.get("type") == "view_submission":
            return self.acks.pop(0)
        return True


def test_modal_errors_then_success(sb: Sandbox, joined: dict) -> None:
    acks = [{"response_action": "errors", "errors": {"title_b": "Too vague"}}, True]
    app = ModalApp(sb, acks)
    alice = sb.as_user("alice")
    alice.command("/incident", "declare")
    sb.wait_for(alice.view)
    assert "[Declare incident]" in sb.render(alice.view())
    with pytest.raises(ValueError, match="Title"):
        alice.submit_view()           # required input left empty: the client refuses
    with pytest.raises(ValueError, match="its value is one string"):
        alice.submit_view({"title": ["Broken", " badly"]})   # a text box cannot hold a list
    first = alice.submit_view({"title": "Broken"})
    assert first.errors == {"title_b": "Too vague"} and alice.view() is not None
    values = {"title": "Checkout errors", "sev_b.sev": "sev2", "commander": "bob",
              "team": ["carol", "dave"], "chan": "incidents", "opts": ["page"],
              "day": "2024-05-01", "at": "13:30"}
    second = alice.submit_view(values)
    assert second.errors is None and second.ack == {} and alice.view() is None
    submitted = [f["payload"] for f in app.app.envelopes("interactive")
                 if f["payload"]["type"] == "view_submission"][-1]
    state = submitted["view"]["state"]["values"]
    assert state["title_b"]["title"] == {"type": "plain_text_input", "value": "Checkout errors"}
    assert state["sev_b"]["sev"]["selected_option"]["value"] == "sev2"
    assert state["cmd_b"]["commander"]["selected_user"] == joined["bob"]
    assert state["team_b"]["team"]["selected_users"] == [joined["carol"], joined["dave"]]
    assert state["chan_b"]["chan"]["selected_conversation"] == joined["incidents"]
    assert [o["value"] for o in state["opts_b"]["opts"]["selected_options"]] == ["page"]
    assert state["when_b"]["day"]["selected_date"] == "2024-05-01"
    assert state["time_b"]["at"]["selected_time"] == "13:30"
    assert submitted["view"]["callback_id"] == "declare" and submitted["trigger_id"]
    assert submitted["user"]["id"] == joined["alice"]
    app.app.close()


def test_initial_values_kept_when_unspecified(sb: Sandbox) -> None:
    app = ModalApp(sb, [True])
    alice = sb.as_user("alice")
    alice.command("/incident", "declare")
    sb.wait_for(alice.view)
    alice.submit_view({"title": "x"})
    submitted = [f["payload"] for f in app.app.envelopes("interactive")][-1]
    assert submitted["view"]["state"]["values"]["sev_b"]["sev"]["selected_option"]["value"] \
        == "sev3"
    app.app.close()


def test_response_actions_update_push_clear(sb: Sandbox) -> None:
    acks = [{"response_action": "update", "view": modal("Step 2")},
            {"response_action": "push", "view": modal("Step 3")},
            {"response_action": "clear"}]
    app = ModalApp(sb, acks)
    alice = sb.as_user("alice")
    alice.command("/incident", "declare")
    sb.wait_for(alice.view)
    first_id = alice.view()["id"]
    alice.submit_view({"title": "x"})
    assert alice.view()["title"]["text"] == "Step 2" and alice.view()["id"] == first_id
    alice.submit_view({"title": "y"})
    assert [v["title"]["text"] for v in sb.views("alice")] == ["Step 2", "Step 3"]
    alice.submit_view({"title": "z"})
    assert sb.views("alice") == []
    app.app.close()


def test_close_view_notifies(sb: Sandbox) -> None:
    app = ModalApp(sb, [])
    alice = sb.as_user("alice")
    alice.command("/incident", "declare")
    sb.wait_for(alice.view)
    result = alice.close_view()
    assert result is not None and alice.view() is None
    closed = interactive(app.app, "view_closed")
    assert closed["is_cleared"] is False and closed["view"]["callback_id"] == "declare"
    app.app.close()


def test_submission_ack_timeout_keeps_view(sb: Sandbox) -> None:
    app = ModalApp(sb, [None])
    alice = sb.as_user("alice")
    alice.command("/incident", "declare")
    sb.wait_for(alice.view)
    result = alice.submit_view({"title": "x"})
    assert result.failed and alice.view() is not None
    app.app.close()


def test_buttons_in_view_and_home(sb: Sandbox, raw_app: RawApp, client: WebClient,
                                  joined: dict) -> None:
    client.views_publish(user_id=joined["alice"], view={"type": "home", "blocks": BUTTONS})
    sb.as_user("alice").click("Acknowledge", in_home=True)
    payload = interactive(raw_app, "block_actions")
    assert payload["container"]["type"] == "view" and payload["view"]["type"] == "home"
    assert "response_url" not in payload


def test_shortcuts(msb: Sandbox) -> None:
    app = RawApp(msb).connect()
    client = WebClient(token=msb.bot_token, base_url=msb.api_url)
    general = msb.channel("general")["id"]
    client.conversations_join(channel=general)
    alice = msb.as_user("alice")
    alice.shortcut("declare_incident")
    sc = interactive(app, "shortcut")
    assert sc["callback_id"] == "declare_incident" and sc["trigger_id"]
    with pytest.raises(ValueError):
        alice.shortcut("unknown_shortcut")
    ts = alice.post("general", "checkout is slow")
    result = alice.message_shortcut("from_message", "general", ts)
    action = interactive(app, "message_action")
    assert action["message"]["ts"] == ts and action["message_ts"] == ts
    assert action["channel"]["id"] == general and action["response_url"]
    post_json(action["response_url"], {"text": "Declared from message"})
    assert result.wait_reply("Declared")["source"] == "response_url"
    app.close()


def test_command_replies_and_response_url_limits(sb: Sandbox, client: WebClient,
                                                 joined: dict) -> None:
    seen: list[dict] = []

    def responder(frame: dict) -> Any:
        if frame["type"] != "slash_commands":
            return True
        seen.append(frame["payload"])
        return {"text": "Working on it"}

    app = RawApp(sb, responder=responder).connect()
    result = sb.as_user("alice").command("/incident", "status")
    assert result.ack == {"text": "Working on it"}
    url = seen[0]["response_url"]
    client.chat_postEphemeral(channel=joined["general"], user=joined["alice"], text="eph reply")
    for n in range(4):
        assert post_json(url, {"text": f"update {n}"}) == (200, "ok")
    assert post_json(url, {"text": "public", "response_type": "in_channel"}) == (200, "ok")
    assert post_json(url, {"text": "one too many"}) == (404, "used_url")
    assert [r["source"] for r in result.replies] == \
        ["ack", "ephemeral"] + ["response_url"] * 5
    assert result.text.splitlines()[-1] == "public"
    assert sb.messages("general")[-1]["text"] == "public"
    assert sb.messages("general")[-1]["bot_id"] == sb.bot_id
    assert post_json(sb.url + "/respond/nope", {"text": "x"})[0] == 404
    app.close()


def test_response_url_expiry(sb: Sandbox) -> None:
    seen: list[dict] = []
    app = RawApp(sb, responder=lambda f: seen.append(f["payload"]) or True).connect()
    sb.settings.response_url_ttl = 0.0
    sb.as_user("alice").command("/incident", "status").ack
    assert post_json(seen[0]["response_url"], {"text": "late"}) == (404, "expired_url")
    app.close()


def test_external_select_suggestions(sb: Sandbox, client: WebClient, joined: dict) -> None:
    options = {"options": [{"text": {"type": "plain_text", "text": "checkout-api"},
                            "value": "svc-1"}]}
    app = RawApp(sb, responder=lambda f: options if f["payload"].get("type")
                 == "block_suggestion" else True).connect()
    blocks = [{"type": "actions", "block_id": "svc", "elements": [
        {"type": "external_select", "action_id": "service", "min_query_length": 2,
         "placeholder": {"type": "plain_text", "text": "Service"}}]}]
    client.chat_postMessage(channel=joined["general"], text="pick", blocks=blocks)
    result = sb.as_user("alice").suggest("service", "chec", channel="general")
    assert result.ack == options
    payload = interactive(app, "block_suggestion")
    assert payload["value"] == "chec" and payload["action_id"] == "service"
    assert payload["block_id"] == "svc" and payload["container"]["type"] == "message"
    app.close()
