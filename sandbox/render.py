"""Terminal text for messages and views, for the REPL and for test assertions
("the user saw 'Incident declared'"): what a person would read, not JSON.

With no :class:`~sandbox.text.Style` the text keeps Slack's markup (``*bold*``, ``:fire:``) with
references made readable, which is what tests match against; with a style it is drawn the way
the Slack client draws it (emphasis, emoji, dates in the reader's zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .state import Workspace
from .richtext import to_mrkdwn
from .text import Style, readable, terminal

DIVIDER = "─" * 24


@dataclass(frozen=True)
class Reader:
    """Who reads and how: the workspace for names, the terminal style, the reader's zone."""
    ws: Workspace | None
    style: Style | None = None
    tz: str | None = None

    def text(self, text: str, *, mrkdwn: bool = True) -> str:
        if self.style is None:   # plain_text is shown as it is: its < > & are no markup
            return readable(text, self.ws) if mrkdwn else text
        return terminal(text, self.ws, self.style, mrkdwn=mrkdwn, tz=self.tz)

    def obj(self, obj: Any) -> str:
        """A text object (``plain_text`` or ``mrkdwn``) or a bare string (mrkdwn)."""
        if isinstance(obj, dict):
            return self.text(str(obj.get("text", "")), mrkdwn=obj.get("type") != "plain_text")
        if isinstance(obj, str):
            return self.text(obj)
        return ""

    def bold(self, text: str) -> str:
        return self.style.bold[0] + text + self.style.bold[1] if self.style else text


def _option_label(option: Any, rd: Reader) -> str:
    return rd.obj(option.get("text")) if isinstance(option, dict) else ""


def render_element(el: dict[str, Any], rd: Reader, value: dict[str, Any] | None = None) -> str:
    """One interactive element; ``value`` is its current view state, if any."""
    kind = el.get("type", "")
    if kind in ("button", "workflow_button"):
        return f"[{rd.obj(el.get('text'))}]"
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
        return "  ".join(f"{mark if o.get('value') in chosen else blank} {_option_label(o, rd)}"
                         for o in el.get("options") or [])
    label = _select_label(el, rd, value)
    return f"[{label} ▾]"


def _chosen_values(value: dict[str, Any] | None, el: dict[str, Any]) -> set[str]:
    if value is None:
        opts = el.get("initial_options") or ([el["initial_option"]] if el.get("initial_option")
                                             else [])
    else:
        opts = value.get("selected_options") or ([value["selected_option"]]
                                                 if value.get("selected_option") else [])
    return {o.get("value") for o in opts if isinstance(o, dict)}


def _select_label(el: dict[str, Any], rd: Reader, value: dict[str, Any] | None) -> str:
    value = value or {}
    for key in ("selected_option", "initial_option"):
        opt = value.get(key) if key.startswith("selected") else el.get(key)
        if isinstance(opt, dict):
            return _option_label(opt, rd)
    for key, fmt in (("selected_user", "<@{}>"), ("selected_conversation", "<#{}>"),
                     ("selected_channel", "<#{}>"), ("initial_user", "<@{}>"),
                     ("initial_conversation", "<#{}>"), ("initial_channel", "<#{}>")):
        ref = value.get(key) if key.startswith("selected") else el.get(key)
        if ref:
            return readable(fmt.format(ref), rd.ws)
    for key in ("selected_date", "selected_time"):
        if value.get(key):
            return str(value[key])
    for key in ("initial_date", "initial_time"):
        if el.get(key):
            return str(el[key])
    if el.get("placeholder"):
        return rd.obj(el["placeholder"])
    return "Select"


def _rich_text(elements: Any, rd: Reader) -> str:
    """What a person typed, drawn as the app's messages are (the elements stand for mrkdwn)."""
    return rd.text(to_mrkdwn(elements if isinstance(elements, list) else []))


def _field(field: Any, rd: Reader) -> str:
    # "*Severity*\nSEV2" reads as one indented item, not two lines.
    return "  " + (": " if rd.style else " ").join(rd.obj(field).splitlines())


def render_blocks(blocks: list[dict[str, Any]], rd: Reader,
                  state: dict[str, Any] | None = None) -> list[str]:
    lines: list[str] = []
    values = (state or {}).get("values", {})
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = rd.obj(block.get("text"))
            lines.append(rd.bold(title) if rd.style and rd.style.bold[0] else f"== {title} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(rd.obj(block["text"]))
            lines.extend(_field(field, rd) for field in block.get("fields") or [])
            if isinstance(block.get("accessory"), dict):
                acc = block["accessory"]
                cur = values.get(block.get("block_id"), {}).get(acc.get("action_id"))
                lines.append("  " + render_element(acc, rd, cur))
        elif kind == "divider":
            lines.append(DIVIDER)
        elif kind == "context":
            parts = [rd.obj(e) if e.get("type") != "image" else f"[{e.get('alt_text', '')}]"
                     for e in block.get("elements") or [] if isinstance(e, dict)]
            lines.append(" · ".join(parts))
        elif kind == "actions":
            els = block.get("elements") or []
            bv = values.get(block.get("block_id"), {})
            lines.append(" ".join(render_element(e, rd, bv.get(e.get("action_id")))
                                  for e in els))
        elif kind == "input":
            el = block.get("element") or {}
            cur = values.get(block.get("block_id"), {}).get(el.get("action_id"))
            label = rd.obj(block.get("label"))
            suffix = " (optional)" if block.get("optional") else ""
            lines.append(f"{label}{suffix}: {render_element(el, rd, cur)}")
            if block.get("hint"):
                lines.append(f"  {rd.obj(block['hint'])}")
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines.append(_rich_text(block.get("elements") or [], rd))
        elif kind == "markdown":
            lines.append(rd.text(str(block.get("text", ""))))
        elif kind in ("file", "video", "call"):
            lines.append(f"[{kind}]")
    return lines


def render(obj: dict[str, Any] | None, ws: Workspace | None = None, style: Style | None = None,
           tz: str | None = None) -> str:
    """A message, ephemeral record or view as a person reads it (in zone ``tz``, drawn in
    ``style``; with no style Slack's markup stays as written)."""
    if not obj:
        return ""
    rd = Reader(ws, style, tz)
    if obj.get("type") in ("modal", "home") and "blocks" in obj:
        return _render_view(obj, rd)
    lines: list[str] = []
    if obj.get("blocks"):
        lines.extend(render_blocks(obj["blocks"], rd))
    elif obj.get("text"):
        lines.append(rd.text(str(obj["text"]), mrkdwn=obj.get("mrkdwn", True) is not False))
    for att in obj.get("attachments") or []:
        body = render_blocks(att.get("blocks") or [], rd) if att.get("blocks") else \
            [rd.text(str(att.get("text") or att.get("fallback") or ""))]
        lines.extend("| " + line for line in body)
    for shared in obj.get("files") or []:   # a file shared with the message (files.completeUploadExternal)
        lines.append(f"[file: {shared.get('title') or shared.get('name')} ({shared.get('name')}, "
                     f"{shared.get('size', 0):,} bytes)]")
    return "\n".join(lines)


def _render_view(view: dict[str, Any], rd: Reader) -> str:
    lines: list[str] = []
    if view.get("type") == "modal":
        lines.append(f"[{rd.obj(view.get('title'))}]")
    else:
        lines.append("[Home]")
    lines.extend(render_blocks(view.get("blocks") or [], rd, view.get("state")))
    buttons = []
    if view.get("type") == "modal":
        buttons.append(f"[{rd.obj(view.get('close')) or 'Cancel'}]")
        if view.get("submit"):
            buttons.append(f"[{rd.obj(view.get('submit'))}]")
        lines.append(" ".join(buttons))
    return "\n".join(lines)
