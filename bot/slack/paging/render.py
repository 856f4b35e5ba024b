"""Pages (the DM asking someone to answer) and what paging posts about incidents."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.effects.errors import Permanent
from bot.slack.blocks import Rendered, button, context_line, header, section
from bot.slack.forms import metadata_json
from bot.slack.messages import MessageBuilder, RenderContext, template_post
from kernel.paging import Escalation, EscalationState, Page

PAGE = "paging/page"


def describe_incident(ctx: RenderContext, incident_id: int) -> dict[str, Any]:
    incident = ctx.incidents.get(incident_id)
    if incident is None:
        raise Permanent(f"incident {incident_id} does not exist")
    return {"kind": "incident", "id": incident.id, "title": incident.title, "severity": incident.severity,
            "channel_id": incident.channel_id, "channel_name": incident.channel_name, "status": str(incident.status),
            "resolved_at": incident.resolved_at}


def describe(ctx: RenderContext, escalation: Escalation) -> dict[str, Any]:
    describer = ctx.page_subjects.get(escalation.subject_kind)
    if describer is None:
        raise Permanent(f"no page renderer for {escalation.subject_kind}")
    return describer(ctx, escalation.subject_id)


def _moved_on_at(ctx: RenderContext, escalation: Escalation, page: Page) -> float | None:
    """When the escalation went past this page's level, if it has: that page must no longer promise
    "the next level is paged at …"."""
    current = (escalation.level, escalation.round)
    if escalation.state != EscalationState.ACTIVE or (page.level, page.round) == current:
        return None
    sent = [p.sent_at for p in ctx.paging.pages(escalation.id) if (p.level, p.round) == current]
    return min(sent) if sent else None


def page_message(ctx: RenderContext, escalation: Escalation, page: Page, next_at: float | None) -> Rendered:
    t = ctx.texts
    about = describe(ctx, escalation)
    data = dict(escalation=escalation, page=page, subject=about, next_at=next_at,
                moved_on_at=_moved_on_at(ctx, escalation, page))
    blocks: list = [header(t.plain(PAGE, "header", **data)), section(t.mrkdwn(PAGE, "subject", **data)),
                    context_line(t.mrkdwn(PAGE, "why", **data)), section(t.mrkdwn(PAGE, "state", **data))]
    if escalation.can_acknowledge and about.get("status") != "resolved":
        value = str(escalation.id)
        buttons = [button(t.plain(PAGE, "ack"), "page_ack", value, "primary"),
                   button(t.plain(PAGE, "ack_note"), "page_ack_note", value)]
        if escalation.state == EscalationState.ACTIVE and escalation.has_next_level:
            buttons.append(button(t.plain(PAGE, "escalate"), "page_escalate",
                                  f"{escalation.id}:{escalation.level}:{escalation.round}"))
        if about["kind"] == "alert":
            buttons.append(button(t.plain(PAGE, "resolve"), "page_resolve", value, "danger"))
        blocks.append(ActionsBlock(block_id="page_actions", elements=buttons))
    return Rendered.of(t.plain(PAGE, "fallback", **data), blocks)


def confirm_group(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    t = ctx.texts
    # what earlier versions recorded: one group, nobody else
    data = {"people": 0, "already": 0, **data, "groups": data.get("groups") or [data.get("group")]}
    text = t.mrkdwn(PAGE, "confirm_group", **data)
    value = f"{data['escalation']}:{data['level']}:{data['round']}"
    return Rendered.of(text, [section(text), ActionsBlock(block_id="confirm_group", elements=[
        button(t.plain(PAGE, "confirm_group_button", **data), "page_group_confirm", value, "danger")])])


MESSAGES: dict[str, MessageBuilder] = {
    "paging.confirm_group": confirm_group,
    "paging.incident_paged": template_post("paging/incident", "paged"),
    "paging.incident_acknowledged": template_post("paging/incident", "acknowledged"),
    "paging.incident_exhausted": template_post("paging/incident", "exhausted"),
    "paging.incident_nobody_on_call": template_post("paging/incident", "nobody_on_call"),
}


def note_modal(t, escalation_id: int, channel: str | None) -> View:
    """Acknowledge with a note ("on it, ETA 10 min")."""
    element = PlainTextInputElement(action_id="note", max_length=500,
                                    placeholder=PlainTextObject(text=t.plain(PAGE, "note_placeholder")))
    return View(type="modal", callback_id="page_ack_note",
                title=PlainTextObject(text=t.plain(PAGE, "note_title")),
                submit=PlainTextObject(text=t.plain(PAGE, "ack")),
                blocks=[InputBlock(block_id="note", label=PlainTextObject(text=t.plain(PAGE, "note_label")),
                                   element=element, optional=True)],
                private_metadata=metadata_json({"escalation": escalation_id, "channel": channel}))
