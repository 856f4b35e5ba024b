"""Terminal text for messages and views, for the REPL and for test assertions
("the user saw 'Incident declared'"): what a person would read, not JSON."""

from __future__ import annotations

from typing import Any

from .state import Workspace
from .text import readable

DIVIDER = "─" * 24


def _text(obj: Any, ws: Workspace | None) -> str:
    if isinstance(obj, dict):
        return readable(str(obj.get("text", "")), ws)
    if isinstance(obj, str):
        return readable(obj, ws)
    return ""


def _option_label(option: Any, ws: Workspace | None) -> str:
    return _text(option.get("text"), ws) if isinstance(option, dict) else ""


def render_element(el: dict[str, Any], ws: Workspace | None, value: dict[str, Any] | None = None
                   ) -> str:
    """One interactive element; ``value`` is its current view state, if any."""
    kind = el.get("type", "")
    if kind in ("button", "workflow_button"):
        return f"[{_text(el.get('text'), ws)}]"
    if kind == "overflow":
        return "[⋯]"
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input",
                "rich_text_input"):
        current = (value or {}).get("value") or el.get("initial_value") or ""
        return f"[{current or '_' * 10}]"
    if kind in ("radio_buttons", "checkboxes"):
        chosen = _chosen_values(value, el)
        mark = "(•)" if kind == "radio_buttons" else "[x]"
        blank = "( )" if kind == "radio_buttons" else "[ ]"
        return "  ".join(f"{mark if o.get('value') in chosen else blank} {_option_label(o, ws)}"
                         for o in el.get("options") or [])
    label = _select_label(el, ws, value)
    return f"[{label} ▾]"


def _chosen_values(value: dict[str, Any] | None, el: dict[str, Any]) -> set[str]:
    if value is None:
        opts = el.get("initial_options") or ([el["initial_option"]] if el.get("initial_option")
                                             else [])
    else:
        opts = value.get("selected_options") or ([value["selected_option"]]
                                                 if value.get("selected_option") else [])
    return {o.get("value") for o in opts if isinstance(o, dict)}


def _select_label(el: dict[str, Any], ws: Workspace | None, value: dict[str, Any] | None) -> str:
    value = value or {}
    for key in ("selected_option", "initial_option"):
        opt = value.get(key) if key.startswith("selected") else el.get(key)
        if isinstance(opt, dict):
            return _option_label(opt, ws)
    for key, fmt in (("selected_user", "<@{}>"), ("selected_conversation", "<#{}>"),
                     ("selected_channel", "<#{}>"), ("initial_user", "<@{}>"),
                     ("initial_conversation", "<#{}>"), ("initial_channel", "<#{}>")):
        ref = value.get(key) if key.startswith("selected") else el.get(key)
        if ref:
            return readable(fmt.format(ref), ws)
    for key in ("selected_date", "selected_time"):
        if value.get(key):
            return str(value[key])
    for key in ("initial_date", "initial_time"):
        if el.get(key):
            return str(el[key])
    if el.get("placeholder"):
        return _text(el["placeholder"], ws)
    return "Select"


def _rich_text(el: Any, ws: Workspace | None) -> str:
    if isinstance(el, list):
        return "".join(_rich_text(e, ws) for e in el)
    if not isinstance(el, dict):
        return ""
    kind = el.get("type")
    if kind == "text":
        return str(el.get("text", ""))
    if kind == "link":
        return str(el.get("text") or el.get("url", ""))
    if kind == "user":
        return readable(f"<@{el.get('user_id')}>", ws)
    if kind == "channel":
        return readable(f"<#{el.get('channel_id')}>", ws)
    if kind == "emoji":
        return f":{el.get('name')}:"
    if kind in ("rich_text_list",):
        return "\n".join("• " + _rich_text(e, ws) for e in el.get("elements") or [])
    return _rich_text(el.get("elements") or [], ws)


def render_blocks(blocks: list[dict[str, Any]], ws: Workspace | None,
                  state: dict[str, Any] | None = None) -> list[str]:
    lines: list[str] = []
    values = (state or {}).get("values", {})
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text(block.get('text'), ws)} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"], ws))
            for field in block.get("fields") or []:
                # "*Severity*\nSEV2" reads as one indented item, not two lines.
                lines.append("  " + " ".join(_text(field, ws).splitlines()))
            if isinstance(block.get("accessory"), dict):
                acc = block["accessory"]
                cur = values.get(block.get("block_id"), {}).get(acc.get("action_id"))
                lines.append("  " + render_element(acc, ws, cur))
        elif kind == "divider":
            lines.append(DIVIDER)
        elif kind == "context":
            parts = [_text(e, ws) if e.get("type") != "image" else f"[{e.get('alt_text', '')}]"
                     for e in block.get("elements") or [] if isinstance(e, dict)]
            lines.append(" · ".join(parts))
        elif kind == "actions":
            els = block.get("elements") or []
            bv = values.get(block.get("block_id"), {})
            lines.append(" ".join(render_element(e, ws, bv.get(e.get("action_id")))
                                  for e in els))
        elif kind == "input":
            el = block.get("element") or {}
            cur = values.get(block.get("block_id"), {}).get(el.get("action_id"))
            label = _text(block.get("label"), ws)
            suffix = " (optional)" if block.get("optional") else ""
            lines.append(f"{label}{suffix}: {render_element(el, ws, cur)}")
            if block.get("hint"):
                lines.append(f"  {_text(block['hint'], ws)}")
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines.append(_rich_text(block.get("elements") or [], ws))
        elif kind == "markdown":
            lines.append(readable(str(block.get("text", "")), ws))
        elif kind in ("file", "video", "call"):
            lines.append(f"[{kind}]")
    return lines


def render(obj: dict[str, Any] | None, ws: Workspace | None = None) -> str:
    """A message, ephemeral record or view as a person reads it."""
    if not obj:
        return ""
    if obj.get("type") in ("modal", "home") and "blocks" in obj:
        return _render_view(obj, ws)
    lines: list[str] = []
    if obj.get("blocks"):
        lines.extend(render_blocks(obj["blocks"], ws))
    elif obj.get("text"):
        lines.append(readable(str(obj["text"]), ws))
    for att in obj.get("attachments") or []:
        body = render_blocks(att.get("blocks") or [], ws) if att.get("blocks") else \
            [readable(str(att.get("text") or att.get("fallback") or ""), ws)]
        lines.extend("| " + line for line in body)
    return "\n".join(lines)


def _render_view(view: dict[str, Any], ws: Workspace | None) -> str:
    lines: list[str] = []
    if view.get("type") == "modal":
        lines.append(f"[{_text(view.get('title'), ws)}]")
    else:
        lines.append("[Home]")
    lines.extend(render_blocks(view.get("blocks") or [], ws, view.get("state")))
    buttons = []
    if view.get("type") == "modal":
        buttons.append(f"[{_text(view.get('close'), ws) or 'Cancel'}]")
        if view.get("submit"):
            buttons.append(f"[{_text(view.get('submit'), ws)}]")
        lines.append(" ".join(buttons))
    return "\n".join(lines)
