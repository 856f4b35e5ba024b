"""Named messages: what the domain asks to post ("incident.update") rendered from current state.

Each feature lists its builders in a module-level ``MESSAGES`` dict; ``bot.slack.catalogue`` puts
them together in one place. Builders read state through :class:`RenderContext` and take every
sentence from templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from slack_sdk.models.blocks import Block

from bot.clock import Clock
from bot.config import Config
from bot.slack.blocks import Rendered, one_section
from bot.text import Texts
from storage.alerts import AlertStore
from storage.incidents import IncidentStore
from storage.paging import PagingStore
from storage.timers import TimerStore


@dataclass
class RenderContext:
    texts: Texts
    config: Config
    clock: Clock
    incidents: IncidentStore
    alerts: AlertStore
    paging: PagingStore
    timers: TimerStore
    # other features add lines to an incident's pinned status (the alerts it was declared from...)
    status_extras: list[Callable[[Any], list[Block]]] = field(default_factory=list)
    # what a page says about its subject, by kind ("incident", "alert"): set by the catalogue
    page_subjects: dict[str, Callable[["RenderContext", int], dict[str, Any]]] = field(default_factory=dict)


MessageBuilder = Callable[[RenderContext, dict[str, Any]], Rendered]
Loader = Callable[[RenderContext, dict[str, Any]], dict[str, Any]]


def template_post(template: str, block: str, load: Loader | None = None) -> MessageBuilder:
    """A builder for a post that is one template block in one section (changes, notices)."""
    def build(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
        context = dict(data, **(load(ctx, data) if load else {}))
        return one_section(ctx.texts.mrkdwn(template, block, **context))
    return build


def already_rendered(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    """An answer a listener rendered itself (its text and blocks travel in the effect)."""
    return Rendered(data["text"], data.get("blocks"))


def render_message(ctx: RenderContext, messages: dict[str, MessageBuilder], name: str,
                   context: dict[str, Any]) -> Rendered:
    builder = messages.get(name)
    if builder is None:
        raise KeyError(f"no message builder named {name!r}")
    return builder(ctx, context)
