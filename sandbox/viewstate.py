"""Input state of views: initial values, what a person's typed value becomes
in ``view.state.values``, and which required inputs are still empty."""

from __future__ import annotations

import copy
from typing import Any, Iterator

from .blockkit import iter_elements
from .state import Workspace

# Elements whose value is carried in view state (buttons and images are not).
_STATEFUL = {
    "plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input",
    "static_select", "external_select", "radio_buttons", "overflow", "checkboxes",
    "multi_static_select", "multi_external_select", "users_select", "multi_users_select",
    "conversations_select", "multi_conversations_select", "channels_select",
    "multi_channels_select", "datepicker", "timepicker", "datetimepicker",
}


def iter_stateful(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every element that has a state value."""
    for block in blocks:
        for el in iter_elements(block):
            if el.get("type") in _STATEFUL:
                yield block, el


def initial_value(el: dict[str, Any]) -> dict[str, Any]:
    kind = el["type"]
    out: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        out["value"] = el.get("initial_value")
    elif kind == "rich_text_input":
        out["rich_text_value"] = el.get("initial_value")
    elif kind in ("static_select", "external_select", "radio_buttons"):
        out["selected_option"] = copy.deepcopy(el.get("initial_option"))
    elif kind == "overflow":
        out["selected_option"] = None
    elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        out["selected_options"] = copy.deepcopy(el.get("initial_options") or [])
    elif kind == "users_select":
        out["selected_user"] = el.get("initial_user")
    elif kind == "multi_users_select":
        out["selected_users"] = list(el.get("initial_users") or [])
    elif kind == "conversations_select":
        out["selected_conversation"] = el.get("initial_conversation")
    elif kind == "multi_conversations_select":
        out["selected_conversations"] = list(el.get("initial_conversations") or [])
    elif kind == "channels_select":
        out["selected_channel"] = el.get("initial_channel")
    elif kind == "multi_channels_select":
        out["selected_channels"] = list(el.get("initial_channels") or [])
    elif kind == "datepicker":
        out["selected_date"] = el.get("initial_date")
    elif kind == "timepicker":
        out["selected_time"] = el.get("initial_time")
    elif kind == "datetimepicker":
        out["selected_date_time"] = el.get("initial_date_time")
    return out


def initial_state(blocks: list[dict[str, Any]], previous: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """State values for a (new or updated) view. Like Slack, values survive a
    views.update when block_id, action_id and element type are unchanged."""
    previous = previous or {}
    values: dict[str, Any] = {}
    for block, el in iter_stateful(blocks):
        bid, aid = block["block_id"], el["action_id"]
        kept = previous.get(bid, {}).get(aid)
        if kept is not None and kept.get("type") == el["type"]:
            values.setdefault(bid, {})[aid] = copy.deepcopy(kept)
        else:
            values.setdefault(bid, {})[aid] = initial_value(el)
    return values


def _all_options(el: dict[str, Any]) -> list[dict[str, Any]]:
    opts = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        opts.extend(group.get("options") or [])
    return opts


def _option(el: dict[str, Any], value: Any) -> dict[str, Any]:
    for opt in _all_options(el):
        if opt.get("value") == value or (isinstance(opt.get("text"), dict)
                                         and opt["text"].get("text") == value):
            return copy.deepcopy(opt)
    if el["type"].endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    raise ValueError(f"{value!r} is not an option of {el.get('action_id')}")


def _user_id(ws: Workspace, value: Any) -> str:
    user = ws.user(str(value))
    if user is None:
        raise ValueError(f"unknown user {value!r}")
    return user.id


def _channel_id(ws: Workspace, value: Any) -> str:
    chan = ws.channel(str(value))
    if chan is None:
        raise ValueError(f"unknown channel {value!r}")
    return chan.id


def typed_value(el: dict[str, Any], value: Any, ws: Workspace) -> dict[str, Any]:
    """The state object for what a person entered into ``el``."""
    kind = el["type"]
    out: dict[str, Any] = {"type": kind}
    if kind.endswith("_input") and isinstance(value, (list, tuple, set)):
        # A text box holds one string, commas and all; only multi elements hold lists.
        raise ValueError(f"{el.get('action_id')} is a {kind}: its value is one string, not {value!r}")
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        out["value"] = None if value in (None, "") else str(value)
    elif kind == "rich_text_input":
        out["rich_text_value"] = {"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": str(value)}]}]}
    elif kind in ("static_select", "external_select", "radio_buttons", "overflow"):
        out["selected_option"] = None if value is None else _option(el, value)
    elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        out["selected_options"] = [_option(el, v) for v in _as_list(value)]
    elif kind == "users_select":
        out["selected_user"] = None if value is None else _user_id(ws, value)
    elif kind == "multi_users_select":
        out["selected_users"] = [_user_id(ws, v) for v in _as_list(value)]
    elif kind == "conversations_select":
        out["selected_conversation"] = None if value is None else _channel_id(ws, value)
    elif kind == "multi_conversations_select":
        out["selected_conversations"] = [_channel_id(ws, v) for v in _as_list(value)]
    elif kind == "channels_select":
        out["selected_channel"] = None if value is None else _channel_id(ws, value)
    elif kind == "multi_channels_select":
        out["selected_channels"] = [_channel_id(ws, v) for v in _as_list(value)]
    elif kind == "datepicker":
        out["selected_date"] = value
    elif kind == "timepicker":
        out["selected_time"] = value
    elif kind == "datetimepicker":
        out["selected_date_time"] = None if value is None else int(value)
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def is_empty(state: dict[str, Any]) -> bool:
    payload = {k: v for k, v in state.items() if k != "type"}
    return all(v in (None, "", [], {}) for v in payload.values())


def action_payload(el: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """The ``actions[0]`` fields a select/picker action carries (its selection)."""
    return {k: copy.deepcopy(v) for k, v in state.items() if k != "type"}
