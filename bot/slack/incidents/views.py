"""Incident modal submissions: read the values, call the domain, close or show field errors."""

from __future__ import annotations

from typing import Any, Callable

from bot.incidents.model import DeclareRequest
from bot.slack import parsing
from bot.slack.answers import answer_failed_form, reply_to_form
from bot.slack.deps import Deps
from bot.slack.forms import read_metadata, values
from kernel.incidents import Status

FormHandler = Callable[[dict[str, Any], dict[str, Any], str], None]


def submission(app, deps: Deps, callback_id: str, default_field: str):
    """Register ``handler(values, metadata, user)`` for a modal: a refusal shows under its field, a
    crash closes the form and says so (see :func:`answer_failed_form`); what the handler records
    commits before the ack."""
    def decorate(handler: FormHandler) -> FormHandler:
        @app.view(callback_id)
        async def listener(ack, body, view) -> None:
            user = body["user"]["id"]
            metadata = read_metadata(view)
            try:
                with deps.work():
                    handler(values(view), metadata, user)
            except Exception as exc:  # a FormError names its field
                await answer_failed_form(deps, ack, reply_to_form(user, metadata), exc, field=default_field,
                                         where=callback_id)
                return
            await ack()
        return handler
    return decorate


def register(app, deps: Deps) -> None:
    @submission(app, deps, "incident_declare", "title")
    def declare(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        deps.incidents.declare(DeclareRequest(
            title=v.get("title", ""), severity=v.get("severity") or "", incident_type=v.get("type") or None,
            declared_by=user, commander=v.get("commander") or None,   # none chosen: the plan's, else the declarer
            description=parsing.plain_to_mrkdwn(v.get("description", "")), is_private="private" in (v.get("private") or []),
            declared_in=metadata.get("channel"), reply_to=reply_to_form(user, metadata), source=metadata.get("source") or {},
        ))

    @submission(app, deps, "incident_update", "message")
    def update(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        status = Status(v["status"]) if v.get("status") else None
        deps.incidents.post_update(incident, deps.actor(user), message=parsing.plain_to_mrkdwn(v.get("message", "")),
                                   status=status, to_comms="comms" in (v.get("comms") or []),
                                   to_public="public" in (v.get("public") or []), public_text=v.get("message", ""))

    @submission(app, deps, "incident_resolve", "summary")
    def resolve(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.incidents.resolve(incident, deps.actor(user), summary=parsing.plain_to_mrkdwn(v.get("summary", "")),
                               root_cause=parsing.plain_to_mrkdwn(v.get("root_cause", "")),
                               mitigation=parsing.plain_to_mrkdwn(v.get("mitigation", "")))

    @submission(app, deps, "incident_severity", "severity")
    def severity(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.incidents.set_severity(incident, deps.actor(user), v.get("severity") or "")

    @submission(app, deps, "incident_note", "note")
    def note(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.record.add_note(incident, deps.actor(user), parsing.plain_to_mrkdwn(v.get("note", "")))

    @submission(app, deps, "incident_followup", "followup")
    def followup(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.record.add_followup(incident, deps.actor(user), parsing.plain_to_mrkdwn(v.get("followup", "")),
                                 v.get("owner"))
