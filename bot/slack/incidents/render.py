"""Incident messages and surfaces, rendered from current state."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.effects.errors import NotReady, Permanent
from bot.slack.blocks import (
    FIELD_LIMIT,
    SECTION_LIMIT,
    Rendered,
    button,
    context_line,
    fit,
    fit_items,
    header,
    section,
    sections,
)
from bot.slack.messages import MessageBuilder, RenderContext, template_post
from bot.text import Mrkdwn
from kernel.incidents import Incident

TOPIC_LIMIT = 250


def load(ctx: RenderContext, incident_id: int) -> Incident:
    incident = ctx.incidents.get(int(incident_id))
    if incident is None:
        raise Permanent(f"incident {incident_id} does not exist")
    return incident


def next_update_due(ctx: RenderContext, incident: Incident) -> float | None:
    severity = ctx.config.severity(incident.severity)
    if not incident.is_open or severity is None or severity.pulse is None:
        return None
    due = incident.last_update_at + severity.pulse.total_seconds()
    return max(due, incident.snoozed_until or 0.0)


# --- surfaces --------------------------------------------------------------------------------

def status_summary(ctx: RenderContext, incident: Incident) -> Rendered:
    t = ctx.texts
    roles = [(r, u) for r, u in ctx.incidents.roles(incident.id).items() if r != "commander"]
    links = ctx.incidents.links(incident.id)
    plan = ctx.config.incident_type(incident.incident_type) if incident.incident_type else None
    open_roles = [r.role for r in plan.roles if r.role not in dict(roles) and r.role != "commander"] if plan else []
    data: dict[str, Any] = dict(incident=incident, roles=roles, links=links, open_roles=open_roles,
                                next_due=next_update_due(ctx, incident))
    fields = [MarkdownTextObject(text=fit(f.strip(), FIELD_LIMIT))
              for f in t.mrkdwn("incident/status", "fields", **data).split("---") if f.strip()]
    blocks = [header(t.plain("incident/status", "header", **data)), SectionBlock(fields=fields[:10])]
    if roles:
        blocks.append(section(_listing(t, "roles", [t.mrkdwn("incident/status", "role_item", role=r, user=u)
                                                     for r, u in roles])))
    for part in ("description", "resolution"):
        text = t.mrkdwn("incident/status", part, **data)
        if text:
            blocks.append(section(text))
    if links:
        blocks.append(section(_listing(t, "links", [t.mrkdwn("incident/status", "link_item", item=link)
                                                     for link in links])))
    for extra in ctx.status_extras:  # other features (linked alerts) add their lines
        blocks.extend(extra(incident))
    if incident.is_open:
        value = str(incident.id)
        blocks.append(ActionsBlock(block_id="status_actions", elements=[
            button(t.plain("incident/buttons", "post_update"), "incident_update_open", value, "primary"),
            button(t.plain("incident/buttons", "severity"), "incident_severity_open", value),
            button(t.plain("incident/buttons", "resolve"), "incident_resolve_open", value, "danger"),
        ]))
    blocks.append(context_line(t.mrkdwn("incident/status", "footer", **data)))
    return Rendered.of(t.plain("incident/status", "fallback", **data), blocks)


def _listing(t, part: str, items: list[str]) -> str:
    """``*Roles*: a · b · …and 12 more roles``, within one section."""
    room = SECTION_LIMIT - len(t.mrkdwn("incident/status", part, joined=""))
    joined = fit_items(items, room, lambda n: t.mrkdwn("incident/status", f"more_{part}", count=n), separator=" · ")
    return t.mrkdwn("incident/status", part, joined=Mrkdwn(joined))


def topic_text(ctx: RenderContext, incident: Incident, commander_name: str) -> str:
    """Topics do not render mentions, so the commander is shown by name (resolved by the caller).

    Slack refuses topics over 250 characters; the title gives way first, then anything else.
    """
    def render(title: str) -> str:
        return ctx.texts.plain("incident/topic", "topic", incident=incident, commander_name=commander_name, title=title)

    room = TOPIC_LIMIT - (len(render("\x00")) - 1)
    title = incident.title if len(incident.title) <= room else incident.title[: max(room - 1, 0)].rstrip() + "…"
    return fit(render(title), TOPIC_LIMIT)


def announcement(ctx: RenderContext, incident: Incident) -> Rendered:
    t = ctx.texts
    blocks = [section(t.mrkdwn("incident/announcement", "body", incident=incident)),
              context_line(t.mrkdwn("incident/announcement", "details", incident=incident))]
    if incident.is_open:
        blocks.append(ActionsBlock(block_id="announcement_actions", elements=[
            button(t.plain("incident/announcement", "join", incident=incident), "incident_join", str(incident.id),
                   "primary")]))
    return Rendered.of(t.plain("incident/announcement", "fallback", incident=incident), blocks)


def require_channel(incident: Incident) -> str:
    if not incident.channel_id:
        raise NotReady(f"incident {incident.id} has no channel yet")
    return incident.channel_id


# --- posts -----------------------------------------------------------------------------------

def declared(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    incident = load(ctx, data["incident"])
    require_channel(incident)
    return Rendered.of(ctx.texts.mrkdwn("incident/declared", "text", incident=incident, user=data.get("user")))




def update(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    incident = load(ctx, data["incident"])
    t = ctx.texts
    body = t.mrkdwn("incident/update", "text", **data)
    next_line = t.mrkdwn("incident/update", "next", next_due=next_update_due(ctx, incident))
    blocks = [section(body)] + ([context_line(next_line)] if next_line else [])
    return Rendered.of(body, blocks)






def pulse(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    incident = load(ctx, data["incident"])
    t = ctx.texts
    snooze = max(float(data.get("interval") or 1800), 900.0)
    text = t.mrkdwn("incident/pulse", "text", incident=incident, silent_for=data["silent_for"])
    value = str(incident.id)
    blocks = [
        section(text),
        ActionsBlock(block_id="pulse_actions", elements=[
            button(t.plain("incident/pulse", "post_update"), "pulse_post_update", value, "primary"),
            button(t.plain("incident/pulse", "no_change"), "pulse_no_change", f"{incident.id}:{data.get('at', 0)}"),
            button(t.plain("incident/pulse", "snooze", snooze=snooze), "pulse_snooze", f"{incident.id}:{int(snooze)}"),
        ]),
    ]
    return Rendered.of(text, blocks)


WRAPUP_EVENT_SECTIONS = 20      # of the 50 blocks a message may have
WRAPUP_FOLLOWUP_SECTIONS = 10


def wrapup(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    incident = load(ctx, data["incident"])
    t = ctx.texts
    w = "incident/wrapup"
    events = [t.mrkdwn(w, "event_item", event=e, line=t.mrkdwn("incident/timeline_line", event=e))
              for e in ctx.incidents.timeline(incident.id, key_only=True)]
    followups = [t.mrkdwn(w, "followup_item", followup=f)
                 for f in ctx.incidents.followups(incident.id, open_only=True)]
    blocks: list = [
        header(t.plain(w, "header", incident=incident)),
        section(t.mrkdwn(w, "summary", incident=incident)),
        section(t.mrkdwn(w, "cause", incident=incident)),
        DividerBlock(),
        section(t.mrkdwn(w, "timeline")),
    ]
    blocks += sections(events, lambda n: t.mrkdwn(w, "more_events", count=n, incident=incident),
                       max_sections=WRAPUP_EVENT_SECTIONS) or [section(t.mrkdwn(w, "no_events"))]
    blocks.append(section(t.mrkdwn(w, "followups")))
    blocks += sections(followups, lambda n: t.mrkdwn(w, "more_followups", count=n),
                       max_sections=WRAPUP_FOLLOWUP_SECTIONS) or [section(t.mrkdwn(w, "no_followups"))]
    return Rendered.of(t.plain(w, "fallback", incident=incident), blocks)


def _with_incident(ctx: RenderContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"incident": load(ctx, data["incident"])}


def _postmortem(ctx: RenderContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"incident": load(ctx, data["incident"]),
            "open_followups": len(ctx.incidents.followups(int(data["incident"]), open_only=True))}


MESSAGES: dict[str, MessageBuilder] = {
    "incident.declared": declared,
    "incident.setup_failed": template_post("incident/declared", "setup_failed", _with_incident),
    "incident.update": update,
    "incident.comms_update": template_post("incident/comms_update", "text", _with_incident),
    "incident.role_assigned": template_post("incident/changes", "role"),
    "incident.note": template_post("incident/changes", "note"),
    "incident.link_added": template_post("incident/changes", "link"),
    "incident.followup_added": template_post("incident/changes", "followup"),
    "incident.severity_changed": template_post("incident/changes", "severity",
                                               lambda ctx, d: {"old": d["from"], "new": d["to"]}),
    "incident.invite_failed": template_post("incident/changes", "invite_failed"),
    "incident.reopened": template_post("incident/changes", "reopened"),
    "incident.made_public": template_post("incident/status_page", "made_public"),
    "incident.taken_off_page": template_post("incident/status_page", "taken_off_page"),
    "incident.pulse": pulse,
    "incident.wrapup": wrapup,
    "incident.postmortem_summary": template_post("incident/postmortem_summary", "text", _postmortem),
}
