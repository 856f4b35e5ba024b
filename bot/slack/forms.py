"""Reading what people submitted in a modal, the way Slack sends it: each element type has one shape.

A text input's value is a string, a select's is one option, checkboxes are a list. Anything else
(a list where a string belongs...) is refused with :class:`FormError` rather than stored: a value of
the wrong shape would otherwise reach the record, the timeline and the wrap-up.
"""

from __future__ import annotations

import json
from typing import Any

from bot.errors import UserError
from bot.slack.blocks import fit

METADATA_LIMIT = 3000


class FormError(UserError):
    """A submitted value that is not what its element sends."""


def metadata_json(data: dict[str, Any]) -> str:
    return fit(json.dumps(data, separators=(",", ":")), METADATA_LIMIT)


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _string(value: Any, field: str, kind: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise FormError("form_value_malformed", field=field, kind=kind, shape=type(value).__name__)


def _option_value(option: Any, field: str, kind: str) -> str | None:
    if option is None:
        return None
    if not isinstance(option, dict):
        raise FormError("form_value_malformed", field=field, kind=kind, shape=type(option).__name__)
    return _string(option.get("value"), field, kind)


def _strings(values: Any, field: str, kind: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise FormError("form_value_malformed", field=field, kind=kind, shape=type(values).__name__)
    return [v for v in (_string(item, field, kind) for item in values) if v is not None]


def values(view: dict[str, Any]) -> dict[str, Any]:
    """``{action_id: value}`` from a submitted view's state, read by element type."""
    out: dict[str, Any] = {}
    for block_id, block in ((view.get("state") or {}).get("values") or {}).items():
        for action_id, state in block.items():
            kind = state.get("type")
            field = block_id
            if kind == "plain_text_input":
                out[action_id] = _string(state.get("value"), field, kind) or ""
            elif kind in ("static_select", "radio_buttons", "external_select"):
                out[action_id] = _option_value(state.get("selected_option"), field, kind)
            elif kind == "users_select":
                out[action_id] = _string(state.get("selected_user"), field, kind)
            elif kind == "multi_users_select":
                out[action_id] = _strings(state.get("selected_users"), field, kind)
            elif kind == "checkboxes":
                options = state.get("selected_options") or []
                if not isinstance(options, list):
                    raise FormError("form_value_malformed", field=field, kind=kind, shape=type(options).__name__)
                out[action_id] = [v for v in (_option_value(o, field, kind) for o in options) if v is not None]
            elif kind in ("conversations_select", "channels_select"):
                out[action_id] = _string(state.get("selected_conversation") or state.get("selected_channel"),
                                         field, kind)
            else:
                raise FormError("form_value_malformed", field=field, kind=str(kind), shape="unknown element")
    return out
