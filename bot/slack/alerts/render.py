"""Alert messages: one alert with its buttons, a digest when a storm shares a message, and the
grouped DM of a person's unanswered pages."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.effects.errors import Permanent
from bot.slack.blocks import Rendered, button, context_line, header, section
from bot.slack.messages import MessageBuilder, RenderContext, template_post
from bot.slack.paging.render import page_message
from kernel.alerts import Alert, AlertStatus
from kernel.paging import EscalationState, PageGroup

ALERT = "alerts/alert"
DIGEST_LINES = 10


def load_alert(ctx: RenderContext, alert_id: int) -> Alert:
    alert = ctx.alerts.get(int(alert_id))
    if alert is None:
        raise Permanent(f"alert {alert_id} does not exist")
    return alert


def describe_alert(ctx: RenderContext, alert_id: int) -> dict[str, Any]:
    alert = load_alert(ctx, alert_id)
    return {"kind": "alert", "id": alert.id, "title": alert.summary, "priority": alert.priority,
            "details": alert.details[:500], "source": alert.source, "status": str(alert.status),
            "resolved_by": alert.resolved_by, "resolved_at": alert.resolved_at}


def _paging_state(ctx: RenderContext, alert: Alert) -> dict[str, Any]:
    paging = ctx.paging
    escalations = paging.for_subject(f"alert:{alert.id}")
    if not escalations:
        return {"paged": [], "level": 0, "round": 0, "unanswered": False, "can_escalate": False}
    latest = escalations[-1]
    current = [p.user for p in paging.pages(latest.id) if (p.level, p.round) == (latest.level, latest.round)]
    return {"paged": current, "level": latest.level, "round": latest.round,
            "unanswered": latest.state == EscalationState.EXHAUSTED,
            "can_escalate": latest.state == EscalationState.ACTIVE and latest.has_next_level}


def alert_message(ctx: RenderContext, alert: Alert) -> Rendered:
    t = ctx.texts
    state = _paging_state(ctx, alert)
    incident = ctx.incidents.get(alert.incident_id) if alert.incident_id else None
    data = dict(alert=alert, incident=incident, **state)
    body = t.mrkdwn(ALERT, "title", **data)
    details = t.mrkdwn(ALERT, "details", **data)
    blocks: list[Block] = [section(body + ("\n" + details if details else "")),
                           section(t.mrkdwn(ALERT, "state", **data)), context_line(t.mrkdwn(ALERT, "context", **data))]
    if incident:
        blocks.append(section(t.mrkdwn(ALERT, "incident", **data)))
    buttons = []
    value = str(alert.id)
    if alert.status == AlertStatus.PENDING:
        buttons.append(button(t.plain(ALERT, "ack"), "alert_ack", value, "primary"))
    if alert.status != AlertStatus.RESOLVED:
        buttons.append(button(t.plain(ALERT, "resolve"), "alert_resolve", value))
        if alert.status == AlertStatus.PENDING and state["can_escalate"]:
            buttons.append(button(t.plain(ALERT, "escalate"), "alert_escalate",
                                  f"{alert.id}:{state['level']}:{state['round']}"))
        if incident is None:
            buttons.append(button(t.plain(ALERT, "declare"), "alert_declare", value, "danger"))
    if buttons:
        blocks.append(ActionsBlock(block_id=f"alert_actions_{alert.id}", elements=buttons))
    return Rendered.of(t.plain(ALERT, "fallback", alert=alert), blocks)


def digest_message(ctx: RenderContext, batch_id: int, alerts: list[Alert]) -> Rendered:
    t = ctx.texts
    shown = alerts[:DIGEST_LINES]
    lines = "\n".join(t.mrkdwn(ALERT, "digest_line", alert=a) for a in shown)
    counts = {s: sum(1 for a in alerts if a.status == s) for s in AlertStatus}
    blocks: list[Block] = [section(t.mrkdwn(ALERT, "digest_title", alerts=alerts,
                                            sources=sorted({a.source for a in alerts}))), section(lines)]
    if len(alerts) > len(shown):
        blocks.append(context_line(t.mrkdwn(ALERT, "digest_more", more=len(alerts) - len(shown))))
    blocks.append(context_line(t.mrkdwn(ALERT, "digest_counts", pending=counts[AlertStatus.PENDING],
                                        accepted=counts[AlertStatus.ACCEPTED], resolved=counts[AlertStatus.RESOLVED])))
    if counts[AlertStatus.PENDING] or counts[AlertStatus.ACCEPTED]:
        value = f"batch:{batch_id}"
        elements = []
        if counts[AlertStatus.PENDING]:
            elements.append(button(t.plain(ALERT, "ack_all"), "alerts_ack_all", value, "primary"))
        elements.append(button(t.plain(ALERT, "resolve_all"), "alerts_resolve_all", value))
        blocks.append(ActionsBlock(block_id=f"digest_actions_{batch_id}", elements=elements))
    return Rendered.of(t.plain(ALERT, "digest_fallback", alerts=alerts), blocks)


def batch_message(ctx: RenderContext, batch_id: int, alerts: list[Alert]) -> Rendered | None:
    if not alerts:
        return None
    if len(alerts) == 1:
        return alert_message(ctx, alerts[0])
    return digest_message(ctx, batch_id, alerts)


def dm_group_message(ctx: RenderContext, group: str, pages: PageGroup, next_at: float | None) -> Rendered:
    if pages.one_escalation:  # one alert (paged again on a repeat)
        escalation = ctx.paging.get(pages.last.escalation_id)
        assert escalation is not None
        return page_message(ctx, escalation, pages.last, next_at)
    t = ctx.texts
    ids, total, pending = ctx.paging.group_alerts(group, DIGEST_LINES)
    shown = ctx.alerts.get_many(ids)
    source = shown[0].source if shown else ""
    blocks: list[Block] = [header(t.plain("alerts/dm", "header", count=total, pending=pending, source=source)),
                           section("\n".join(t.mrkdwn("alerts/dm", "line", alert=a) for a in shown))]
    if total > len(shown):
        blocks.append(context_line(t.mrkdwn("alerts/dm", "more", more=total - len(shown))))
    if pending:
        blocks.append(ActionsBlock(block_id="dm_group_actions", elements=[
            button(t.plain(ALERT, "ack_all"), "alerts_ack_all", f"group:{group}", "primary"),
            button(t.plain(ALERT, "resolve_all"), "alerts_resolve_all", f"group:{group}")]))
    return Rendered.of(t.plain("alerts/dm", "fallback", pending=pending, source=source), blocks)


def _with_alert(ctx: RenderContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"alert": load_alert(ctx, data["alert"])}


MESSAGES: dict[str, MessageBuilder] = {
    "alerts.unanswered": template_post("alerts/posts", "unanswered", _with_alert),
    "alerts.nobody_on_call": template_post("alerts/posts", "nobody_on_call", _with_alert),
    "alerts.source_full": template_post("alerts/posts", "source_full"),
    "alerts.silenced": template_post("alerts/posts", "silenced"),
    "alerts.unsilenced": template_post("alerts/posts", "unsilenced"),
}


def alert_lines(ctx: RenderContext, incident) -> list[Block]:
    """On an incident's pinned status: the alerts it was declared from."""
    linked = ctx.alerts.for_incident(incident.id) if ctx.alerts else []
    return [context_line(ctx.texts.mrkdwn(ALERT, "linked", alert=a)) for a in linked[:5]]
