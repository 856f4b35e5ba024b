"""Block Kit pieces every feature uses, built with slack_sdk.models so Slack's limits are checked
before a call; text that would not fit is cut with a visible "…" rather than failing the message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.text import Plain, escape_mrkdwn

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
TEXT_LIMIT = 40_000


@dataclass
class Rendered:
    text: str                                  # notification / fallback text
    blocks: list[dict[str, Any]] | None = None

    @classmethod
    def of(cls, text: str, blocks: list[Block] | None = None) -> "Rendered":
        """``text`` is what notifications show and Slack parses as mrkdwn: plain text (a fallback from a
        plain template) is escaped here, so a title saying <!here> cannot notify a channel."""
        dicts = [b.to_dict() for b in blocks[:MAX_BLOCKS]] if blocks else None  # to_dict() validates
        safe = escape_mrkdwn(text) if isinstance(text, Plain) else text
        return cls(fit(safe, TEXT_LIMIT), dicts)


def fit(text: str, limit: int) -> str:
    """Keep within a Slack limit, saying so rather than failing the whole message."""
    if len(text) <= limit:
        return text
    return text[: limit - 2].rstrip() + " …"


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION_LIMIT)))


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=fit(text, HEADER_LIMIT), emoji=True))


def context_line(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit(text, FIELD_LIMIT))])


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=PlainTextObject(text=fit(text, BUTTON_LIMIT), emoji=True), action_id=action_id,
                         value=value, style=style)


def one_section(text: str) -> Rendered:
    """A post that is one section of mrkdwn (changes, notices, answers)."""
    return Rendered.of(text, [section(text)])


def fit_items(items: list[str], limit: int, more: Callable[[int], str], *, separator: str = "\n") -> str:
    """As many items as fit in ``limit`` characters, then ``more(n)`` for the n left out: a long list is
    said to be long, never cut off silently in the middle of an item."""
    shown: list[str] = []
    used = 0
    for index, item in enumerate(items):
        tail = more(len(items) - index - 1) if index < len(items) - 1 else ""
        cost = len(item) + (len(separator) if shown else 0)
        reserve = len(separator) + len(tail) if tail else 0
        if used + cost + reserve > limit:
            rest = len(items) - index
            shown.append(more(rest))
            return separator.join(shown)
        shown.append(item)
        used += cost
    return separator.join(shown)


def sections(items: list[str], more: Callable[[int], str], *, max_sections: int) -> list[SectionBlock]:
    """A long list over several sections (each within Slack's 3,000 characters), at most
    ``max_sections`` of them; what still does not fit is counted in the last line."""
    blocks: list[SectionBlock] = []
    remaining = list(items)
    while remaining and len(blocks) < max_sections:
        last = len(blocks) == max_sections - 1
        chunk: list[str] = []
        used = 0
        for item in remaining:
            cost = len(item) + (1 if chunk else 0)
            if chunk and used + cost > SECTION_LIMIT - (80 if last else 0):
                break
            chunk.append(fit(item, SECTION_LIMIT - 80))
            used += cost
        remaining = remaining[len(chunk):]
        if last and remaining:
            chunk.append(more(len(remaining)))
            remaining = []
        blocks.append(section("\n".join(chunk)))
    return blocks
