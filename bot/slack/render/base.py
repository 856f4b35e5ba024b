"""Turning state into Slack messages: a registry of named message builders and shared helpers.

Builders read current state through :class:`RenderContext`, take every sentence from templates
and build blocks with ``slack_sdk.models`` so Slack's limits are checked before any call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.clock import Clock
from bot.config import Config
from bot.text import Texts
from storage.incidents import IncidentStore

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
TEXT_LIMIT = 40_000


@dataclass
class Rendered:
    text: str                                  # notification / fallback text
    blocks: list[dict[str, Any]] | None = None

    @classmethod
    def of(cls, text: str, blocks: list[Block] | None = None) -> "Rendered":
        dicts = [b.to_dict() for b in blocks[:MAX_BLOCKS]] if blocks else None  # to_dict() validates
        return cls(fit(text, TEXT_LIMIT), dicts)


@dataclass
class RenderContext:
    texts: Texts
    config: Config
    clock: Clock
    incidents: IncidentStore
    alerts: Any = None        # storage.alerts.AlertStore
    paging: Any = None        # storage.paging.PagingStore
    # other features add lines to an incident's pinned status (an alert it was declared from...)
    status_extras: list[Callable[[Any], list[Block]]] = field(default_factory=list)


MessageBuilder = Callable[[RenderContext, dict[str, Any]], Rendered]
MESSAGES: dict[str, MessageBuilder] = {}


def message(name: str) -> Callable[[MessageBuilder], MessageBuilder]:
    def register(builder: MessageBuilder) -> MessageBuilder:
        MESSAGES[name] = builder
        return builder
    return register


def render_message(ctx: RenderContext, name: str, context: dict[str, Any]) -> Rendered:
    builder = MESSAGES.get(name)
    if builder is None:
        raise KeyError(f"no message builder named {name!r}")
    return builder(ctx, context)


def template_post(template: str, block: str, load: Callable[[RenderContext, dict[str, Any]], dict[str, Any]] | None = None
                  ) -> MessageBuilder:
    """A builder for a post that is one template block in one section (changes, notices)."""
    def build(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
        context = dict(data, **(load(ctx, data) if load else {}))
        text = ctx.texts.mrkdwn(template, block, **context)
        return Rendered.of(text, [SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION_LIMIT)))])
    return build


def fit(text: str, limit: int) -> str:
    """Keep within a Slack limit, saying so rather than failing the whole message."""
    if len(text) <= limit:
        return text
    return text[: limit - 2].rstrip() + " …"
