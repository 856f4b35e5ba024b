"""``/incident summary``: ask for an AI-drafted catch-up summary (answered at once; drafted later by the
``ai.summarize`` effect), and the two messages that follow: the summary, marked as drafted by AI, and
the answer to the asker when it could not be drafted."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.slack.answers import reply
from bot.slack.blocks import Rendered, context_line, section, sections
from bot.slack.incidents.render import load
from bot.slack.messages import MessageBuilder, RenderContext, template_post

if TYPE_CHECKING:
    from bot.slack.deps import Deps
    from bot.slack.incidents.command import CommandRequest

TEMPLATE = "incident/ai_summary"
MAX_SECTIONS = 8
PIECE = 2500          # a paragraph longer than this is split at words: a section holds 3,000 characters

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.M)
_BULLET = re.compile(r"^(\s*)[-*]\s+", re.M)


def summary(deps: "Deps", request: "CommandRequest", rest: str) -> dict[str, Any]:
    assert request.incident is not None and deps.summaries is not None
    scope = deps.summaries.request(request.incident, deps.actor(request.user), request.reply_to)
    return reply(deps.texts.mrkdwn(TEMPLATE, "drafting", incident=request.incident, scope=scope))


def as_slack_text(drafted: str) -> str:
    """A model writes Markdown; Slack's mrkdwn bolds with one star and has no headings or list marks.
    (The words themselves are escaped by the template: a drafted ``<!channel>`` notifies nobody.)"""
    text = _HEADING.sub(lambda m: f"**{m.group(1).strip()}**", drafted)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    return _BOLD.sub(lambda m: f"*{m.group(1)}*", text)


def pieces(paragraph: str, limit: int = PIECE) -> list[str]:
    """A paragraph in pieces of at most ``limit`` characters, cut between words (a word longer than
    that, between characters), so no section is cut short without saying so."""
    out: list[str] = []
    current = ""
    for word in paragraph.split(" "):
        while len(word) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out


def ai_summary(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    incident = load(ctx, data["incident"])
    t = ctx.texts
    parts = [piece for part in as_slack_text(data["text"]).split("\n\n") if part.strip()
             for piece in pieces(part.strip())]
    # one item per paragraph, a blank line after each but the last (sections() joins items by line)
    paragraphs = [t.mrkdwn(TEMPLATE, "body", text=part) + ("\n" if n < len(parts) - 1 else "")
                  for n, part in enumerate(parts)]
    blocks = [section(t.mrkdwn(TEMPLATE, "header", incident=incident))]
    blocks += sections(paragraphs, lambda n: t.mrkdwn(TEMPLATE, "more", count=n), max_sections=MAX_SECTIONS)
    blocks.append(context_line(t.mrkdwn(TEMPLATE, "footer", **dict(data, incident=incident))))
    return Rendered.of(t.plain(TEMPLATE, "fallback", incident=incident), blocks)


MESSAGES: dict[str, MessageBuilder] = {
    "incident.ai_summary": ai_summary,
    "incident.ai_summary_failed": template_post(TEMPLATE, "failed",
                                                lambda ctx, data: {"incident": load(ctx, data["incident"])}),
}
