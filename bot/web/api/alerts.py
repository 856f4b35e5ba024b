"""/api/v1/alerts: list and read alerts, acknowledge and resolve them, as the buttons on an alert's
message do (bot/slack/alerts/listeners.py): the same domain calls, so the message, the pages and the
escalation follow."""

from __future__ import annotations

from typing import Any

from bot.config import Config
from bot.web.api.core import TIME, Api, iso, nullable, ref
from bot.web.api.endpoint import Call, Endpoint
from bot.web.api.fields import MAX_ID, Body, Field
from kernel.alerts import PRIORITIES, Alert, AlertStatus

TAG = "alerts"
MAX_PAGE = 200
ID = Field("id", "integer", "The alert's number.", required=True, minimum=1, maximum=MAX_ID)
MAX_NOTE = 3000

SCHEMAS: dict[str, Any] = {
    "Alert": {
        "type": "object", "description": "An alert from monitoring or raised in Slack.", "additionalProperties": False,
        "required": ["id", "source", "summary", "details", "priority", "status", "policy", "channel", "labels",
                     "event_count", "created_by", "created_at", "updated_at", "accepted_by", "accepted_at",
                     "resolved_by", "resolved_at", "incident_id"],
        "properties": {
            "id": {"type": "integer"},
            "source": {"type": "string", "description": "The alert source (alert_sources in warroom.yml)."},
            "summary": {"type": "string"},
            "details": {"type": "string"},
            "priority": {"type": "string", "enum": list(PRIORITIES)},
            "status": {"type": "string", "enum": [s.value for s in AlertStatus],
                       "description": "pending (paging), accepted (acknowledged) or resolved."},
            "policy": nullable({"type": "string"}, "The escalation policy paging for it."),
            "channel": {"type": "string", "description": "Where its message is posted."},
            "labels": {"type": "object", "description": "What the monitor sent with it."},
            "event_count": {"type": "integer", "description": "How often the monitor fired it."},
            "created_by": nullable(ref("Person"), "Who raised it in Slack; null for a monitor's."),
            "created_at": TIME,
            "updated_at": TIME,
            "accepted_by": nullable(ref("Person")),
            "accepted_at": nullable(TIME),
            "resolved_by": nullable(ref("Person"), "null when its monitor resolved it."),
            "resolved_at": nullable(TIME),
            "incident_id": nullable({"type": "integer"}, "The incident declared from it."),
        },
    },
    "AlertList": {
        "type": "object", "additionalProperties": False, "required": ["ok", "alerts", "next_before"],
        "properties": {
            "ok": {"const": True},
            "alerts": {"type": "array", "items": ref("Alert"), "description": "Newest first."},
            "next_before": nullable({"type": "integer"}, "Pass as before= for the next page; null on the last."),
        },
    },
    "AlertAnswer": {
        "type": "object", "additionalProperties": False, "required": ["ok", "alert"],
        "properties": {"ok": {"const": True}, "alert": ref("Alert")},
    },
}


def list_alerts(api: Api, call: Call) -> dict[str, Any]:
    q = call.query
    found = api.domain.alert_store.find(state=q["state"], before=q["before"], limit=q["limit"])
    return {"alerts": [alert_json(api, a) for a in found],
            "next_before": found[-1].id if len(found) == q["limit"] else None}


def get_alert(api: Api, call: Call) -> dict[str, Any]:
    return {"alert": alert_json(api, api.domain.alerts.get(call.path["id"]))}


def acknowledge_alert(api: Api, call: Call) -> dict[str, Any]:
    return {"alert": alert_json(api, api.domain.alerts.accept(call.path["id"], call.actor, call.body["note"]))}


def resolve_alert(api: Api, call: Call) -> dict[str, Any]:
    return {"alert": alert_json(api, api.domain.alerts.resolve(call.path["id"], call.actor))}


def alert_json(api: Api, alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id, "source": alert.source, "summary": alert.summary, "details": alert.details,
        "priority": alert.priority, "status": str(alert.status), "policy": alert.policy, "channel": alert.channel,
        "labels": alert.labels, "event_count": alert.event_count, "created_by": api.person(alert.created_by),
        "created_at": iso(alert.created_at), "updated_at": iso(alert.updated_at),
        "accepted_by": api.person(alert.accepted_by), "accepted_at": iso(alert.accepted_at),
        "resolved_by": api.person(alert.resolved_by), "resolved_at": iso(alert.resolved_at),
        "incident_id": alert.incident_id,
    }


def endpoints(config: Config) -> list[Endpoint]:
    who = ("Anyone may when warroom.yml says who_may_answer_alerts: anyone; otherwise the users listed in "
           "warroom.yml, managers and whoever was paged for it.")
    return [
        Endpoint("GET", "/alerts", list_alerts, "List alerts", "Newest first.", TAG, "AlertList", query=(
            Field("state", "string", "open (pending or acknowledged, the default), resolved or all.",
                  enum=("open", "resolved", "all"), default="open"),
            Field("limit", "integer", f"At most this many (1 to {MAX_PAGE}).", minimum=1, maximum=MAX_PAGE,
                  default=50),
            Field("before", "integer", "Only alerts numbered below this: next_before of the page before.",
                  minimum=1, maximum=MAX_ID))),
        Endpoint("GET", "/alerts/{id}", get_alert, "Get an alert", "One alert.", TAG, "AlertAnswer",
                 path_fields=(ID,), errors=(404,)),
        Endpoint("POST", "/alerts/{id}/acknowledge", acknowledge_alert, "Acknowledge an alert",
                 "As its Acknowledge button: paging stops, its message shows who took it. " + who
                 + " One acknowledged or resolved already answers 409.", TAG, "AlertAnswer", path_fields=(ID,),
                 errors=(403, 404, 409), body=Body(
                     "AcknowledgeAlert", "An optional note for the people paged.", (
                         Field("note", "string", "Said to the others paged with it.", max_length=MAX_NOTE),),
                     example={"note": "On it."})),
        Endpoint("POST", "/alerts/{id}/resolve", resolve_alert, "Resolve an alert",
                 "As its Resolve button: paging ends. " + who + " One resolved already answers 409.", TAG,
                 "AlertAnswer", path_fields=(ID,), errors=(403, 404, 409)),
    ]
