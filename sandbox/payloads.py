"""Interactive and slash-command payloads, shaped field by field like Slack's
(slack-platform.md §2). Builders only; the person's side decides when."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Core


def _action_ts() -> str:
    return f"{time.time():.6f}"


def user_ref(core: "Core", user_id: str) -> dict[str, Any]:
    user = core.ws.users[user_id]
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": core.ws.team_id}


def team_ref(core: "Core") -> dict[str, Any]:
    return {"id": core.ws.team_id, "domain": core.ws.team_domain}


def _common(core: "Core", kind: str, user_id: str) -> dict[str, Any]:
    return {"type": kind, "user": user_ref(core, user_id), "api_app_id": core.ws.app_id,
            "token": core.verification_token, "team": team_ref(core), "enterprise": None,
            "is_enterprise_install": False}


def slash_command(core: "Core", *, user_id: str, channel_id: str, command: str, text: str,
                  response_url: str, trigger_id: str) -> dict[str, Any]:
    ws = core.ws
    chan = ws.channels[channel_id]
    return {
        "token": core.verification_token, "team_id": ws.team_id, "team_domain": ws.team_domain,
        "channel_id": channel_id,
        "channel_name": "directmessage" if chan.is_im else chan.name,
        "user_id": user_id, "user_name": ws.users[user_id].name, "command": command,
        "text": text, "api_app_id": ws.app_id, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id,
    }


def block_actions(core: "Core", *, user_id: str, actions: list[dict[str, Any]],
                  container: dict[str, Any], trigger_id: str,
                  channel_id: str | None = None, message: dict[str, Any] | None = None,
                  view: dict[str, Any] | None = None, response_url: str | None = None
                  ) -> dict[str, Any]:
    payload = _common(core, "block_actions", user_id)
    payload.update(container=container, trigger_id=trigger_id, actions=actions)
    if channel_id is not None:
        payload["channel"] = core.channel_ref(channel_id)
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
        payload["state"] = view.get("state", {"values": {}})
    else:
        payload["state"] = {"values": {}}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def button_action(block: dict[str, Any], el: dict[str, Any]) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "button", "action_id": el.get("action_id"),
                              "block_id": block.get("block_id"), "text": el.get("text"),
                              "action_ts": _action_ts()}
    if "value" in el:
        action["value"] = el["value"]
    if "style" in el:
        action["style"] = el["style"]
    if "url" in el:
        action["url"] = el["url"]
    return action


def select_action(block: dict[str, Any], el: dict[str, Any], selection: dict[str, Any]
                  ) -> dict[str, Any]:
    action = {"type": el.get("type"), "action_id": el.get("action_id"),
              "block_id": block.get("block_id"), "action_ts": _action_ts(), **selection}
    if "placeholder" in el:
        action["placeholder"] = el["placeholder"]
    return action


def view_submission(core: "Core", *, user_id: str, view: dict[str, Any], trigger_id: str
                    ) -> dict[str, Any]:
    payload = _common(core, "view_submission", user_id)
    payload.update(trigger_id=trigger_id, view=view, response_urls=[])
    return payload


def view_closed(core: "Core", *, user_id: str, view: dict[str, Any], is_cleared: bool
                ) -> dict[str, Any]:
    payload = _common(core, "view_closed", user_id)
    payload.update(view=view, is_cleared=is_cleared)
    return payload


def shortcut(core: "Core", *, user_id: str, callback_id: str, trigger_id: str) -> dict[str, Any]:
    payload = _common(core, "shortcut", user_id)
    payload.update(callback_id=callback_id, trigger_id=trigger_id, action_ts=_action_ts())
    return payload


def message_action(core: "Core", *, user_id: str, callback_id: str, channel_id: str,
                   message: dict[str, Any], trigger_id: str, response_url: str
                   ) -> dict[str, Any]:
    payload = _common(core, "message_action", user_id)
    payload.update(callback_id=callback_id, trigger_id=trigger_id, action_ts=_action_ts(),
                   message_ts=message["ts"], message=message,
                   channel=core.channel_ref(channel_id), response_url=response_url)
    return payload
