"""Incident modal submissions: read the values, call the domain, close or show field errors."""

from __future__ import annotations

from typing import Any, Callable

from bot.effects.replies import ReplyTo
from bot.errors import UserError
from bot.incidents.model import DeclareRequest
from kernel.incidents import Status
from bot.slack import parsing
from bot.slack.listeners.common import Deps, error_reply, error_text
from bot.slack.render.base import Rendered
from bot.slack.render.modals import read_metadata, values

def register(app, deps: Deps) -> None:
    def submission(callback_id: str, default_field: str):
        def decorate(handler: Callable[[dict[str, Any], dict[str, Any], str], None]):
            @app.view(callback_id)
            async def listener(ack, body, view) -> None:
                user = body["user"]["id"]
                metadata = read_metadata(view)
                try:
                    handler(values(view), metadata, user)
                except UserError as exc:
                    await ack(response_action="errors", errors={exc.field or default_field: error_text(deps, exc)})
                    return
                except Exception as exc:
                    await ack()
                    payload = error_reply(deps, exc, callback_id)
                    await deps.slack_effects.tell(
                        ReplyTo(user, metadata.get("channel"), metadata.get("response_url")),
                        Rendered(payload["text"], payload.get("blocks")))
                    return
                await ack()
            return listener
        return decorate

    def reply_to(metadata: dict[str, Any], user: str) -> ReplyTo:
        return ReplyTo(user, metadata.get("channel"), metadata.get("response_url"))

    @submission("incident_declare", "title")
    def declare(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        deps.incidents.declare(DeclareRequest(
            title=v.get("title", ""), severity=v.get("severity") or deps.config.incident.default_severity,
            declared_by=user, commander=v.get("commander") or user,
            description=parsing.plain_to_mrkdwn(v.get("description", "")), is_private="private" in (v.get("private") or []),
            declared_in=metadata.get("channel"), reply_to=reply_to(metadata, user), source=metadata.get("source") or {},
        ))

    @submission("incident_update", "message")
    def update(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        status = Status(v["status"]) if v.get("status") else None
        deps.incidents.post_update(incident, deps.actor(user), message=parsing.plain_to_mrkdwn(v.get("message", "")),
                                   status=status, to_comms="comms" in (v.get("comms") or []))

    @submission("incident_resolve", "summary")
    def resolve(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.incidents.resolve(incident, deps.actor(user), summary=parsing.plain_to_mrkdwn(v.get("summary", "")),
                               root_cause=parsing.plain_to_mrkdwn(v.get("root_cause", "")),
                               mitigation=parsing.plain_to_mrkdwn(v.get("mitigation", "")))

    @submission("incident_severity", "severity")
    def severity(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.incidents.set_severity(incident, deps.actor(user), v.get("severity") or "")

    @submission("incident_note", "note")
    def note(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.incidents.add_note(incident, deps.actor(user), parsing.plain_to_mrkdwn(v.get("note", "")))

    @submission("incident_followup", "followup")
    def followup(v: dict[str, Any], metadata: dict[str, Any], user: str) -> None:
        incident = deps.incidents.get(int(metadata["incident"]))
        deps.incidents.add_followup(incident, deps.actor(user), parsing.plain_to_mrkdwn(v.get("followup", "")),
                                    v.get("owner"))
