"""views.* and trigger_id rules."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient

from sandbox import Sandbox

from .helpers import RawApp
from .test_webapi_conversations import error_of


def modal(title: str = "Declare incident", *, blocks: list | None = None, **extra) -> dict:
    view = {"type": "modal", "callback_id": "declare",
            "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": "Declare"},
            "blocks": blocks if blocks is not None else [
                {"type": "input", "block_id": "title_b", "label": {"type": "plain_text",
                                                                  "text": "Title"},
                 "element": {"type": "plain_text_input", "action_id": "title"}}]}
    view.update(extra)
    return view


def new_trigger(sb: Sandbox, raw_app: RawApp, user: str = "alice") -> str:
    result = sb.as_user(user).command("/incident", "declare")
    assert result.envelope is not None
    env_id = result.envelope.envelope_id
    frame = raw_app.wait(lambda f: f.get("envelope_id") == env_id)
    return frame["payload"]["trigger_id"]


def test_open_shape_and_state(sb: Sandbox, client: WebClient, raw_app: RawApp) -> None:
    view = client.views_open(trigger_id=new_trigger(sb, raw_app), view=modal())["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert view["previous_view_id"] is None and view["app_id"] == sb.app_id
    assert view["bot_id"] == sb.bot_id and view["team_id"] == sb.team_id
    assert view["state"] == {"values": {"title_b": {"title": {"type": "plain_text_input",
                                                               "value": None}}}}
    assert [v["id"] for v in sb.views("alice")] == [view["id"]]
    assert sb.views("bob") == []


def test_trigger_single_use_expiry_and_invalid(sb: Sandbox, client: WebClient,
                                               raw_app: RawApp) -> None:
    trigger = new_trigger(sb, raw_app)
    client.views_open(trigger_id=trigger, view=modal())
    assert error_of(client.views_open, trigger_id=trigger, view=modal()) == "exchanged_trigger_id"
    sb.trigger_ttl = 0.05
    stale = new_trigger(sb, raw_app)
    time.sleep(0.1)
    assert error_of(client.views_open, trigger_id=stale, view=modal()) == "expired_trigger_id"
    assert error_of(client.views_open, trigger_id="123.456.abcdef", view=modal()) \
        == "invalid_trigger_id"


@pytest.mark.parametrize("view, pointer", [
    (modal("A title that is far too long"), "/view/title/text"),
    (modal(submit=None), "/view/submit"),
    (modal(private_metadata="m" * 3001), "/view/private_metadata"),
    (modal(blocks=[{"type": "divider"}] * 101), "/view/blocks"),
    (modal(close={"type": "plain_text", "text": "c" * 25}), "/view/close/text"),
])
def test_open_invalid_arguments(sb: Sandbox, client: WebClient, raw_app: RawApp, view: dict,
                                pointer: str) -> None:
    from slack_sdk.errors import SlackApiError
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=new_trigger(sb, raw_app), view=view)
    body = err.value.response.data
    assert body["error"] == "invalid_arguments"
    assert any(pointer in m for m in body["response_metadata"]["messages"])


def test_view_too_large(sb: Sandbox, client: WebClient, raw_app: RawApp) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2999}}] * 90
    assert error_of(client.views_open, trigger_id=new_trigger(sb, raw_app),
                    view=modal(blocks=blocks)) == "view_too_large"


def test_push_limit(sb: Sandbox, client: WebClient, raw_app: RawApp) -> None:
    root = client.views_open(trigger_id=new_trigger(sb, raw_app), view=modal())["view"]
    second = client.views_push(trigger_id=new_trigger(sb, raw_app), view=modal("Two"))["view"]
    assert second["previous_view_id"] == root["id"] and second["root_view_id"] == root["id"]
    client.views_push(trigger_id=new_trigger(sb, raw_app), view=modal("Three"))
    assert error_of(client.views_push, trigger_id=new_trigger(sb, raw_app),
                    view=modal("Four")) == "push_limit_reached"
    assert len(sb.views("alice")) == 3


def test_update_by_id_external_id_and_hash(sb: Sandbox, client: WebClient,
                                           raw_app: RawApp) -> None:
    view = client.views_open(trigger_id=new_trigger(sb, raw_app),
                             view=modal(external_id="inc-1-declare"))["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"],
                                  view=modal("Updated", external_id="inc-1-declare"))["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    assert updated["title"]["text"] == "Updated"
    assert error_of(client.views_update, view_id=view["id"], hash=view["hash"],
                    view=modal("Stale")) == "hash_conflict"
    by_ext = client.views_update(external_id="inc-1-declare", view=modal("By ext"))["view"]
    assert by_ext["id"] == view["id"]
    assert error_of(client.views_update, view_id="V_NONE", view=modal()) == "not_found"


def test_update_keeps_entered_values(sb: Sandbox, client: WebClient, raw_app: RawApp) -> None:
    view = client.views_open(trigger_id=new_trigger(sb, raw_app), view=modal())["view"]
    alice = sb.as_user("alice")
    alice.select("title", "Checkout down", in_view=True)
    client.views_update(view_id=view["id"], view=modal("Again"))
    assert alice.view()["state"]["values"]["title_b"]["title"]["value"] == "Checkout down"


def test_publish_home(sb: Sandbox, client: WebClient, ids: dict) -> None:
    home = {"type": "home", "blocks": [{"type": "section",
                                        "text": {"type": "mrkdwn", "text": "*On call:* bob"}}]}
    first = client.views_publish(user_id=ids["alice"], view=home)["view"]
    assert first["type"] == "home" and sb.home("alice")["id"] == first["id"]
    second = client.views_publish(user_id=ids["alice"], view=home, hash=first["hash"])["view"]
    assert second["id"] == first["id"]
    assert error_of(client.views_publish, user_id=ids["alice"], view=home,
                    hash=first["hash"]) == "hash_conflict"
    assert error_of(client.views_publish, user_id="U_NOBODY", view=home) == "user_not_found"
    assert error_of(client.views_publish, user_id=ids["alice"], view=modal()) \
        == "invalid_arguments"
    assert sb.home("bob") is None
    assert "On call:* bob" in sb.render(sb.home("alice"))
