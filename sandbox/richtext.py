"""The rich_text block a Slack client attaches to what a person typed, built from the message's
escaped text as the client builds it (people, channels, groups, @here, links and emoji as their own
elements; bold, italic, strike and code as styles on text; ``& < >`` as themselves), and back to
mrkdwn, so that a terminal draws a person's message exactly as it draws the app's.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .text import EMPHASIS, escape_entities

_PIECE = re.compile(r"<(?P<ref>[^<>]+)>|```(?P<block>[^<]+?)```|`(?P<code>[^`\n<]+)`"
                    r"|:(?P<emoji>[a-z0-9_+\-']*[a-z][a-z0-9_+\-']*):", re.S)
_MARKS = {"bold": "*", "italic": "_", "strike": "~"}
_EMPHASIS = tuple((name, EMPHASIS[mark]) for name, mark in _MARKS.items())   # the order they are read in
_ORDER = ("bold", "italic", "strike")      # outermost first; code is written around each element
_HELD = re.compile("\ue000(\\d+)\ue001")
_BROADCASTS = {"here", "channel", "everyone"}


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def rich_text_blocks(escaped: str) -> list[dict[str, Any]]:
    """The blocks of a message a person typed; ``escaped`` is its text as Slack sends it."""
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [
        {"type": "rich_text_section", "elements": elements(escaped)}]}]


def elements(escaped: str) -> list[dict[str, Any]]:
    held: list[dict[str, Any]] = []

    def hold(match: re.Match[str]) -> str:
        if match.group("ref") is not None:
            held.append(_reference(match.group("ref")))
        elif match.group("code") is not None or match.group("block") is not None:
            code = match.group("code") if match.group("code") is not None else match.group("block")
            held.append({"type": "text", "text": unescape(code), "style": {"code": True}})
        else:
            held.append({"type": "emoji", "name": match.group("emoji")})
        return f"\ue000{len(held) - 1}\ue001"

    # people, links, code and emoji are set aside first: emphasis can go around them, not into them
    out: list[dict[str, Any]] = []
    for text, style in _styled(_PIECE.sub(hold, escaped), {}):
        for n, part in enumerate(_HELD.split(text)):
            if n % 2:
                element = dict(held[int(part)])
                if style or element.get("style"):
                    element["style"] = {**style, **element.get("style", {})}
                out.append(element)
            elif part:
                out.append({"type": "text", "text": unescape(part), **({"style": dict(style)} if style else {})})
    return out


def _styled(escaped: str, style: dict[str, bool], marks: int = 0) -> list[tuple[str, dict[str, bool]]]:
    """Text cut where its emphasis starts and ends: bold first, then italic, then strike, each inside
    and outside the others, as the client reads them (``*bold _and italic_*``)."""
    if not escaped:
        return []
    if marks == len(_EMPHASIS):
        return [(escaped, style)]
    name, pattern = _EMPHASIS[marks]
    out: list[tuple[str, dict[str, bool]]] = []
    at = 0
    for match in pattern.finditer(escaped):
        out += _styled(escaped[at:match.start()], style, marks + 1)
        out += _styled(match.group(1), {**style, name: True}, marks + 1)
        at = match.end()
    return out + _styled(escaped[at:], style, marks + 1)


def _reference(body: str) -> dict[str, Any]:
    target, _, label = body.partition("|")
    if target.startswith("@"):
        return {"type": "user", "user_id": target[1:]}
    if target.startswith("#"):
        return {"type": "channel", "channel_id": target[1:]}
    if target.startswith("!subteam^"):
        return {"type": "usergroup", "usergroup_id": target[len("!subteam^"):]}
    if target.startswith("!") and target[1:] in _BROADCASTS:
        return {"type": "broadcast", "range": target[1:]}
    link: dict[str, Any] = {"type": "link", "url": unescape(target)}
    if label:
        link["text"] = unescape(label)
    return link


def to_mrkdwn(items: list[Any]) -> str:
    """Rich text elements back to the mrkdwn they stand for; a style spanning several elements is
    written once around all of them (``*bold <@U1> too*``)."""
    out: list[str] = []
    open_marks: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        style = item.get("style") or {}
        wanted = [name for name in _ORDER if style.get(name)]
        while open_marks and open_marks != wanted[:len(open_marks)]:
            out.append(_MARKS[open_marks.pop()])
        for name in wanted[len(open_marks):]:
            out.append(_MARKS[name])
            open_marks.append(name)
        out.append(_element_mrkdwn(item))
    out.extend(_MARKS[name] for name in reversed(open_marks))
    return "".join(out)


def _element_mrkdwn(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "text":
        text = escape_entities(str(element.get("text", "")))
        if (element.get("style") or {}).get("code"):
            return f"```{text}```" if "\n" in text or "`" in text else f"`{text}`"
        return text
    if kind == "user":
        return f"<@{element.get('user_id')}>"
    if kind == "channel":
        return f"<#{element.get('channel_id')}>"
    if kind == "usergroup":
        return f"<!subteam^{element.get('usergroup_id')}>"
    if kind == "broadcast":
        return f"<!{element.get('range')}>"
    if kind == "link":
        url = str(element.get("url", ""))
        return f"<{url}|{escape_entities(str(element['text']))}>" if element.get("text") else f"<{url}>"
    if kind == "emoji":
        return f":{element.get('name')}:"
    if kind == "rich_text_list":
        return "\n".join("• " + _element_mrkdwn(item) for item in element.get("elements") or [])
    if kind == "rich_text_preformatted":
        return "```" + to_mrkdwn(element.get("elements") or []) + "```"
    if kind == "rich_text_quote":
        return "\n".join("&gt; " + line for line in to_mrkdwn(element.get("elements") or []).split("\n"))
    return to_mrkdwn(element.get("elements") or [])
