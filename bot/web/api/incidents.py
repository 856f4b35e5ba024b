"""/api/v1/incidents: list, read, declare, update, change severity, assign roles, resolve.

Every write is the domain operation the slash command makes (bot/slack/incidents/command.py), so the
channel, its pinned status, topic and announcement follow through the outbox as they do for Slack.
Texts go in and come out as typed: the record keeps free text (updates, summaries, notes) as Slack
mrkdwn, so what a key sends is escaped on the way in and unescaped on the way out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.actor import Actor
from bot.config import Config
from bot.incidents.model import MAX_TEXT, MAX_TITLE, DeclareRequest
from bot.web.api.core import PERSON, TIME, Api, iso, nullable, ref
from bot.web.api.endpoint import Call, Endpoint
from bot.web.api.fields import MAX_ID, Body, Field
from kernel.incidents import OPEN_STATUSES, PLAIN_TEXT_KINDS, Incident, Status
from kernel.text import as_typed, escape_mrkdwn, unescape_mrkdwn
from kernel.tickets import TRACKER_KINDS, Ticket, TicketState

TAG = "incidents"
MAX_PAGE = 200
ID = Field("id", "integer", "The incident's number.", required=True, minimum=1, maximum=MAX_ID)
TIMELINE_KINDS = ("declared, update, severity, role, escalated, resolved, reopened, event (one a person added at "
                  "the time it happened) and the like")

SCHEMAS: dict[str, Any] = {
    "Incident": {
        "type": "object", "description": "An incident as its record holds it.", "additionalProperties": False,
        "required": ["id", "title", "description", "severity", "status", "private", "commander", "declared_by",
                     "declared_at", "last_update_at", "updated_at", "resolved_at", "channel", "summary",
                     "root_cause", "mitigation", "roles"],
        "properties": {
            "id": {"type": "integer", "description": "Its number (people say \"incident 12\")."},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "severity": {"type": "string", "description": "As configured, like SEV2."},
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "private": {"type": "boolean", "description": "Only its people and incident managers see it."},
            "commander": ref("Person"),
            "declared_by": ref("Person"),
            "declared_at": TIME,
            "last_update_at": {**TIME, "description": "When its status was last updated."},
            "updated_at": {**TIME, "description": "When anything of it last changed."},
            "resolved_at": nullable(TIME),
            "channel": {"type": "object", "additionalProperties": False, "required": ["id", "name"],
                        "description": "Its Slack channel (no ID until Slack has made it).",
                        "properties": {"id": nullable({"type": "string"}), "name": {"type": "string"}}},
            "summary": nullable({"type": "string"}, "What happened, given when it was resolved."),
            "root_cause": nullable({"type": "string"}),
            "mitigation": nullable({"type": "string"}),
            "roles": {"type": "array", "description": "Who holds which role, commander first.",
                      "items": {"type": "object", "additionalProperties": False, "required": ["role", "user"],
                                "properties": {"role": {"type": "string"}, "user": ref("Person")}}},
        },
    },
    "TimelineEvent": {
        "type": "object", "additionalProperties": False, "required": ["at", "kind", "actor", "text"],
        "description": "A key event of the incident's timeline.",
        "properties": {"at": TIME, "kind": {"type": "string", "description": f"What happened: {TIMELINE_KINDS}."},
                       "actor": nullable(ref("Person")), "text": {"type": "string"}},
    },
    "FollowUp": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "text", "owner", "created_by", "created_at", "done_at", "ticket"],
        "description": "Work agreed during the incident, and its ticket in the team's tracker when it has one.",
        "properties": {
            "id": {"type": "integer", "description": "Its id in warroom."},
            "text": {"type": "string"}, "owner": nullable(ref("Person")), "created_by": ref("Person"),
            "created_at": TIME, "done_at": nullable(TIME, "When it was marked done (or its ticket closed)."),
            "ticket": nullable({
                "type": "object", "additionalProperties": False, "required": ["tracker", "state", "ref", "url"],
                "properties": {"tracker": {"type": "string", "enum": list(TRACKER_KINDS)},
                               "state": {"type": "string", "enum": [t.value for t in TicketState]},
                               "ref": nullable({"type": "string"}, "As the tracker names it: acme/ops#12, OPS-42."),
                               "url": nullable({"type": "string"})}}),
        },
    },
    "IncidentList": {
        "type": "object", "additionalProperties": False, "required": ["ok", "incidents", "next_before"],
        "properties": {
            "ok": {"const": True},
            "incidents": {"type": "array", "items": ref("Incident"), "description": "Newest first."},
            "next_before": nullable({"type": "integer"}, "Pass as before= for the next page; null on the last."),
        },
    },
    "IncidentAnswer": {
        "type": "object", "additionalProperties": False, "required": ["ok", "incident"],
        "properties": {"ok": {"const": True}, "incident": ref("Incident")},
    },
    "IncidentWithTimeline": {
        "type": "object", "additionalProperties": False, "required": ["ok", "incident", "timeline", "followups"],
        "properties": {"ok": {"const": True}, "incident": ref("Incident"),
                       "timeline": {"type": "array", "items": ref("TimelineEvent"), "description": "Oldest first."},
                       "followups": {"type": "array", "items": ref("FollowUp"), "description": "Oldest first."}},
    },
    "Person": PERSON,
}


# reading --------------------------------------------------------------------------------------------
def list_incidents(api: Api, call: Call) -> dict[str, Any]:
    q = call.query
    found = api.domain.incidents.find_visible(call.actor, state=q["state"], severity=q["severity"],
                                              before=q["before"], limit=q["limit"])
    return {"incidents": [incident_json(api, i) for i in found],
            "next_before": found[-1].id if len(found) == q["limit"] else None}


def get_incident(api: Api, call: Call) -> dict[str, Any]:
    incident = api.domain.incidents.get_for(call.path["id"], call.actor)
    events = api.domain.incident_store.timeline(incident.id, key_only=True)
    return {"incident": incident_json(api, incident),
            "timeline": [{"at": iso(e.at), "kind": e.kind, "actor": api.person(e.actor),
                          "text": e.text if e.kind in PLAIN_TEXT_KINDS else unescape_mrkdwn(e.text)}
                         for e in events],
            "followups": followups_json(api, incident)}


def followups_json(api: Api, incident: Incident) -> list[dict[str, Any]]:
    tickets = api.domain.tickets.store.of_incident(incident.id)
    return [{"id": f.id, "text": unescape_mrkdwn(f.text), "owner": api.person(f.owner),
             "created_by": api.person(f.created_by), "created_at": iso(f.created_at), "done_at": iso(f.done_at),
             "ticket": _ticket_json(tickets.get(f.id))}
            for f in api.domain.incident_store.followups(incident.id)]


def _ticket_json(ticket: Ticket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {"tracker": ticket.tracker, "state": str(ticket.state), "ref": ticket.ref, "url": ticket.url}


# writing --------------------------------------------------------------------------------------------
def declare_incident(api: Api, call: Call) -> dict[str, Any]:
    b = call.body
    incident = api.domain.incidents.declare(DeclareRequest(
        title=b["title"], severity=b["severity"] or "",   # none: the type's, else incident.default_severity
        declared_by=call.actor.user, commander=api.user_ref(b["commander"]) if b["commander"] else None,
        description=escape_mrkdwn(b["description"] or ""), is_private=bool(b["private"]),
        source={"api": call.key.name},
        incident_type=b.get("type")))
    return {"incident": incident_json(api, incident)}


def post_update(api: Api, call: Call) -> dict[str, Any]:
    incident, actor = _acting_on(api, call)
    status = Status(call.body["status"]) if call.body["status"] else None
    updated = api.domain.incidents.post_update(incident, actor, message=escape_mrkdwn(call.body["message"] or ""),
                                               status=status,
                                               to_comms=bool(call.body["comms"]))
    return {"incident": incident_json(api, updated)}


def set_severity(api: Api, call: Call) -> dict[str, Any]:
    incident, actor = _acting_on(api, call)
    return {"incident": incident_json(api, api.domain.incidents.set_severity(incident, actor, call.body["severity"]))}


def assign_role(api: Api, call: Call) -> dict[str, Any]:
    incident, actor = _acting_on(api, call)
    user = api.user_ref(call.body["user"])
    return {"incident": incident_json(api, api.domain.incidents.assign_role(incident, actor, call.body["role"], user))}


def resolve_incident(api: Api, call: Call) -> dict[str, Any]:
    incident, actor = _acting_on(api, call)
    b = call.body
    resolved = api.domain.incidents.resolve(incident, actor, summary=escape_mrkdwn(b["summary"]),
                                            root_cause=escape_mrkdwn(b["root_cause"] or ""),
                                            mitigation=escape_mrkdwn(b["mitigation"] or ""))
    return {"incident": incident_json(api, resolved)}


def _acting_on(api: Api, call: Call) -> tuple[Incident, Actor]:
    """The incident, if the key's person may see it, and that person as its rules see them: in it (they
    declared it, hold a role or joined its channel) or not, as a click in Slack is judged."""
    incident = api.domain.incidents.get_for(call.path["id"], call.actor)
    return incident, replace(call.actor, in_channel=api.domain.incident_store.involves(incident.id, call.actor.user))


def incident_json(api: Api, incident: Incident) -> dict[str, Any]:
    roles = api.domain.incident_store.roles(incident.id)
    ordered = sorted(roles.items(), key=lambda item: item[0] != "commander")
    return {
        "id": incident.id, "title": incident.title, "description": unescape_mrkdwn(incident.description),
        "severity": incident.severity, "status": str(incident.status), "private": incident.is_private,
        "commander": api.person(incident.commander), "declared_by": api.person(incident.declared_by),
        "declared_at": iso(incident.declared_at), "last_update_at": iso(incident.last_update_at),
        "updated_at": iso(incident.updated_at), "resolved_at": iso(incident.resolved_at),
        "channel": {"id": incident.channel_id, "name": incident.channel_name},
        "summary": as_typed(incident.summary), "root_cause": as_typed(incident.root_cause),
        "mitigation": as_typed(incident.mitigation),
        "roles": [{"role": role, "user": api.person(user)} for role, user in ordered],
    }


def endpoints(config: Config) -> list[Endpoint]:
    severities = config.severity_keys
    types = tuple(t.name for t in config.incident_types)
    open_statuses = tuple(s.value for s in OPEN_STATUSES)
    return [
        Endpoint("GET", "/incidents", list_incidents, "List incidents",
                 "Newest first, only those the key's person may see (a private incident only for its people "
                 "and incident managers).", TAG, "IncidentList", query=(
                     Field("state", "string", "open (the default), resolved or all.", enum=("open", "resolved", "all"),
                           default="open"),
                     Field("severity", "string", "Only incidents of this severity.", enum=severities),
                     Field("limit", "integer", f"At most this many (1 to {MAX_PAGE}).", minimum=1, maximum=MAX_PAGE,
                           default=50),
                     Field("before", "integer", "Only incidents numbered below this: next_before of the page "
                                                "before.", minimum=1, maximum=MAX_ID))),
        Endpoint("GET", "/incidents/{id}", get_incident, "Get an incident",
                 "The incident and its key events. A private incident the key's person is not in answers 404, as "
                 "one that does not exist.", TAG, "IncidentWithTimeline", path_fields=(ID,), errors=(404,)),
        Endpoint("POST", "/incidents", declare_incident, "Declare an incident",
                 "As /incident declare: its channel, topic, pinned status and announcement follow in Slack. The "
                 "key's person declares it and is its commander unless commander names someone else.", TAG,
                 "IncidentAnswer", status=201, errors=(409, 429), body=Body(
                     "DeclareIncident", "A new incident.", (
                         Field("title", "string", "What is wrong, in a few words.", required=True, min_length=1,
                               max_length=MAX_TITLE),
                         Field("severity", "string", f"One of the configured severities; default the type's, "
                                                     f"else {config.incident.default_severity}.", enum=severities),
                         Field("description", "string", "More about it.", max_length=MAX_TEXT),
                         Field("private", "boolean", "A private channel, no announcement; seen only by its "
                                                     "people and incident managers.", default=False),
                         Field("commander", "string", "Its commander: a Slack user ID or a name under users in "
                                                      "warroom.yml; default the key's person."),
                         # only where incident_types are configured: the schema lists no type that cannot work
                         *((Field("type", "string", "An incident type (response plan) from warroom.yml: its "
                                  "responders, page, roles, checklist and runbooks; its severity unless severity "
                                  "is given.", enum=types),) if types else ())),
                     example={"title": "Checkout errors", "severity": severities[min(1, len(severities) - 1)]})),
        Endpoint("POST", "/incidents/{id}/updates", post_update, "Post a status update",
                 "As /incident status: the update is posted in the incident's channel, the pinned status and topic "
                 "follow, the reminders start over. With status, the incident's status changes too.", TAG,
                 "IncidentAnswer", path_fields=(ID,), errors=(403, 404, 409), body=Body(
                     "PostUpdate", "A status update (message, status or both).", (
                         Field("message", "string", "What is happening now.", max_length=MAX_TEXT),
                         Field("status", "string", "The incident's new status.", enum=open_statuses,
                               hint="To resolve, POST /api/v1/incidents/{id}/resolve."),
                         Field("comms", "boolean", "Also post it to the comms channel.", default=False)),
                     example={"message": "Rolled back; error rate falling.", "status": "monitoring"})),
        Endpoint("POST", "/incidents/{id}/severity", set_severity, "Change the severity",
                 "As /incident severity: the commander or an incident manager.", TAG, "IncidentAnswer",
                 path_fields=(ID,), errors=(403, 404, 409), body=Body(
                     "SetSeverity", "The new severity.", (
                         Field("severity", "string", "One of the configured severities.", required=True,
                               enum=severities),),
                     example={"severity": severities[0]})),
        Endpoint("POST", "/incidents/{id}/roles", assign_role, "Assign a role",
                 "As /incident role (and /incident commander for the role commander): the commander or an incident "
                 "manager; the person is invited to the channel.", TAG, "IncidentAnswer", path_fields=(ID,),
                 errors=(403, 404, 409), body=Body(
                     "AssignRole", "Who takes which role.", (
                         Field("role", "string", "One of the configured roles (a unique prefix will do): "
                                                 + ", ".join(config.incident.roles) + ".", required=True),
                         Field("user", "string", "A Slack user ID or a name under users in warroom.yml.",
                               required=True)),
                     example={"role": "commander", "user": "U012ABCDEF"})),
        Endpoint("POST", "/incidents/{id}/resolve", resolve_incident, "Resolve an incident",
                 "As /incident resolve: the commander or an incident manager; reminders stop, the wrap-up is "
                 "posted. Resolving a resolved incident answers 409.", TAG, "IncidentAnswer", path_fields=(ID,),
                 errors=(403, 404, 409), body=Body(
                     "ResolveIncident", "How it ended.", (
                         Field("summary", "string", "What happened and how it ended.", required=True, min_length=1,
                               max_length=MAX_TEXT),
                         Field("root_cause", "string", "Why it happened.", max_length=MAX_TEXT),
                         Field("mitigation", "string", "What stopped it.", max_length=MAX_TEXT)),
                     example={"summary": "A bad deploy; rolled back."})),
    ]
