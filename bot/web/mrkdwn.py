"""Slack mrkdwn as a web page shows it: what the record stores (notes, updates, channel messages) and
what templates/errors.j2 says are mrkdwn, written once for Slack; the web shows the same words as
safe HTML instead of keeping a second copy of them.

Everything a person typed is escaped; Slack's own markup becomes names, links and emphasis.
"""

from __future__ import annotations

import re
from typing import Callable

from markupsafe import Markup, escape

# Slack markup: <@U1>, <@U1|alice>, <#C1|name>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>, <url|label>
_MARKUP = re.compile(r"<([^<>\s][^<>]*)>")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
# the shortcodes warroom's own templates use, as the characters Slack would show
EMOJI = {"warning": "⚠️", "no_entry": "⛔", "information_source": "ℹ️", "lock": "🔒", "memo": "📝",
         "link": "🔗", "bust_in_silhouette": "👤", "ballot_box_with_check": "☑️", "white_check_mark": "✅",
         "arrows_counterclockwise": "🔄", "rotating_light": "🚨", "pushpin": "📌", "fire": "🔥"}


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _markup(inner: str, name_of: Callable[[str], str], channel_name: Callable[[str], str | None]) -> str:
    """One ``<…>`` of Slack markup as HTML (already escaped)."""
    target, _, label = inner.partition("|")
    label = _unescape(label)
    if target.startswith("@"):
        return str(escape(name_of(target[1:])))
    if target.startswith("#"):
        name = label or channel_name(target[1:]) or "channel"
        return str(escape("#" + name.lstrip("#")))
    if target.startswith("!"):
        if target.startswith("!date^"):
            return str(escape(label))
        if label:
            return str(escape(label if label.startswith("@") else "@" + label))
        return str(escape("@" + target[1:].split("^")[0]))
    url = _unescape(target)
    if url.startswith(("http://", "https://", "mailto:")):
        return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(label or url)}</a>'
    return str(escape("<" + _unescape(inner) + ">"))


def _format(text: str) -> str:
    """Plain text (already HTML-escaped) with mrkdwn emphasis; `code` is left as written inside."""
    pieces = _CODE.split(text)
    for i in range(0, len(pieces), 2):
        piece = _BOLD.sub(r"<strong>\1</strong>", pieces[i])
        piece = _ITALIC.sub(r"<em>\1</em>", piece)
        piece = _STRIKE.sub(r"<del>\1</del>", piece)
        pieces[i] = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), piece)
    for i in range(1, len(pieces), 2):
        pieces[i] = f"<code>{pieces[i]}</code>"
    return "".join(pieces)


def to_html(text: str | None, name_of: Callable[[str], str],
            channel_name: Callable[[str], str | None] = lambda _: None) -> Markup:
    """Stored or rendered mrkdwn -> HTML safe to put in a page; ``name_of`` names a Slack user ID."""
    if not text:
        return Markup("")
    out: list[str] = []
    last = 0
    for match in _MARKUP.finditer(text):
        out.append(_format(str(escape(_unescape(text[last:match.start()])))))
        out.append(_markup(match.group(1), name_of, channel_name))
        last = match.end()
    out.append(_format(str(escape(_unescape(text[last:])))))
    return Markup("".join(out).replace("\n", "<br>\n"))
