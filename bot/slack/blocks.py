"""Block Kit pieces every feature uses, built with slack_sdk.models so Slack's limits are checked
before a call; text that would not fit is cut with a visible "…" rather than failing the message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

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
        dicts = [b.to_dict() for b in blocks[:MAX_BLOCKS]] if blocks else None  # to_dict() validates
        return cls(fit(text, TEXT_LIMIT), dicts)


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
