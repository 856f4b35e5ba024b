"""Slack mrkdwn as a web page shows it: what the record stores (notes, updates, channel messages) and
what templates/errors.j2 says are mrkdwn, written once for Slack; the web shows the same words as
safe HTML instead of keeping a second copy of them.

Everything a person typed is escaped; Slack's own markup becomes names, links and emphasis.
"""

from __future__ import annotations

import re
from typing import Callable

from markupsafe import Markup

from kernel.text import unescape_mrkdwn

# Slack markup: <@U1>, <@U1|alice>, <#C1|name>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>, <url|label>
_MARKUP = re.compile(r"<([^<>\s][^<>]*)>")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_FORMATTING = re.compile(r"[*_~`:]")
_SET_ASIDE = re.compile("\x00(\\d+)\x00")
# the shortcodes warroom's own templates use, as the characters Slack would show
EMOJI = {"warning": "⚠️", "no_entry": "⛔", "information_source": "ℹ️", "lock": "🔒", "memo": "📝",
         "link": "🔗", "bust_in_silhouette": "👤", "ballot_box_with_check": "☑️", "white_check_mark": "✅",
         "arrows_counterclockwise": "🔄", "rotating_light": "🚨", "pushpin": "📌", "fire": "🔥"}


def _escape(text: str) -> str:
    """HTML-escaped (str methods: markupsafe's escape makes an object per call, and a long timeline has thousands)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")


def _markup(inner: str, name_of: Callable[[str], str], channel_name: Callable[[str], str | None]) -> str:
    """One ``<…>`` of Slack markup as HTML (already escaped)."""
    target, _, label = inner.partition("|")
    label = unescape_mrkdwn(label)
    if target.startswith("@"):
        return _escape(name_of(target[1:]))
    if target.startswith("#"):
        name = label or channel_name(target[1:]) or "channel"
        return _escape("#" + name.lstrip("#"))
    if target.startswith("!"):
        if target.startswith("!date^"):
            return _escape(label)
        if label:
            return _escape(label if label.startswith("@") else "@" + label)
        return _escape("@" + target[1:].split("^")[0])
    url = unescape_mrkdwn(target)
    if url.startswith(("http://", "https://", "mailto:")):
        return f'<a href="{_escape(url)}" rel="noopener noreferrer">{_escape(label or url)}</a>'
    return _escape("<" + unescape_mrkdwn(inner) + ">")


def _wrap(tag: str) -> Callable[[re.Match[str]], str]:
    # a function, not a "\\1" template: re expands a template in Python on every match
    return lambda m: f"<{tag}>{m.group(1)}</{tag}>"


def _format(text: str) -> str:
    """Text (already HTML) with mrkdwn emphasis; `code` is left as written inside."""
    if not _FORMATTING.search(text):
        return text          # most text has none: skip the passes
    pieces = _CODE.split(text) if "`" in text else [text]
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        if "*" in piece:
            piece = _BOLD.sub(_wrap("strong"), piece)
        if "_" in piece:
            piece = _ITALIC.sub(_wrap("em"), piece)
        if "~" in piece:
            piece = _STRIKE.sub(_wrap("del"), piece)
        if ":" in piece:
            piece = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), piece)
        pieces[i] = piece
    for i in range(1, len(pieces), 2):
        pieces[i] = f"<code>{pieces[i]}</code>"
    return "".join(pieces)


def to_html(text: str | None, name_of: Callable[[str], str],
            channel_name: Callable[[str], str | None] = lambda _: None) -> Markup:
    """Stored or rendered mrkdwn -> HTML safe to put in a page; ``name_of`` names a Slack user ID.

    mrkdwn already escapes ``& < >`` as HTML does (``&amp; &lt; &gt;``), so the text between markup is
    HTML as it stands once any stray bracket is escaped; markup is set aside behind placeholders while
    emphasis is applied, so a ``_`` in a link never becomes italics. One pass: a long timeline calls this
    a thousand times.
    """
    if not text:
        return Markup("")
    made: list[str] = []
    if "<" in text or ">" in text:
        if "\x00" in text:
            text = text.replace("\x00", "")

        def set_aside(match: re.Match[str]) -> str:
            made.append(_markup(match.group(1), name_of, channel_name))
            return f"\x00{len(made) - 1}\x00"
        text = _MARKUP.sub(set_aside, text).replace("<", "&lt;").replace(">", "&gt;")
    html = _format(text)
    if made:
        html = _SET_ASIDE.sub(lambda m: made[int(m.group(1))], html)
    return Markup(html.replace("\n", "<br>\n") if "\n" in html else html)
