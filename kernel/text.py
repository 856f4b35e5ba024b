"""Rules for text from people and monitors that every layer applies the same way."""

from __future__ import annotations

import re

# What a person cannot see but a program matches on or a terminal acts on, removed wherever text
# comes in (before a subcommand, a role or a schedule name is matched) and again wherever it goes out:
# - bidirectional controls (LRE/RLE/PDF/LRO/RLO, the isolates, the marks): a title with a right-to-left
#   override can display as something else entirely ("exe.gnp" for "png.exe");
# - zero-width characters (space, joiners, word joiner, BOM): "\u200b\u200b" is a title nobody sees;
# - C0 and C1 control characters (NUL, escape sequences) but tab and newline, which text keeps.
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                        "\u200b-\u200d\u2060\ufeff"
                        "\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def escape_mrkdwn(text: str) -> str:
    """Text as Slack's mrkdwn carries it: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_mrkdwn(text: str) -> str:
    """Slack's escapes undone: the text as people typed it (for what leaves for machines: webhooks)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def as_typed(text: str | None) -> str | None:
    """:func:`unescape_mrkdwn` for a text that may be missing (a summary not written yet)."""
    return unescape_mrkdwn(text) if text else text
