"""Buttons on incident messages and the message shortcuts: record, ack, answer."""

from __future__ import annotations

import re
from typing import Any

from bot.actor import Actor
from bot.incidents.model import IncidentError
from bot.incidents.rules import CHANGE_SEVERITY, RESOLVE, require_responder
from bot.logs import get_logger
from bot.slack import parsing
from bot.slack.answers import (
    act_then_ack,
    answer_failed_click,
    channel_of,
    open_form,
    reply,
    reply_to_of,
)
from bot.slack.blocks import one_section
from bot.slack.deps import Deps
from bot.slack.incidents import modals
from bot.slack.incidents.command import followups_page
from kernel.incidents import Incident

log = get_logger("warroom.listeners")

REPLIES = "incident/replies"
OPENERS = {
    "incident_update_open": lambda d, i, m: modals.update_modal(d.texts, d.config, i, m),
    "incident_severity_open": lambda d, i, m: modals.severity_modal(d.texts, d.config, i, m),
    "incident_resolve_open": lambda d, i, m: modals.resolve_modal(d.texts, i, m),
    "incident_note_open": lambda d, i, m: modals.note_modal(d.texts, i, m),
    "incident_followup_open": lambda d, i, m: modals.followup_modal(d.texts, i, m),
    "pulse_post_update": lambda d, i, m: modals.update_modal(d.texts, d.config, i, m),
}
# forms whose change only the commander and incident managers may make: checked before they open
COMMANDER_FORMS = {"incident_severity_open": CHANGE_SEVERITY, "incident_resolve_open": RESOLVE}


def _action(body: dict[str, Any]) -> dict[str, Any]:
    return body["actions"][0]


def _incident_from(deps: Deps, value: str) -> Incident:
    return deps.incidents.get(int(value.split(":")[0]))


def _where(body: dict[str, Any]) -> dict[str, Any]:
    return {"channel": channel_of(body), "response_url": body.get("response_url")}


def clicker(deps: Deps, body: dict[str, Any]) -> Actor:
    """The person who clicked a button on an incident's message, with whether they are in its channel.
    Read from memory only: nothing may call Slack before the ack. Unknown (the cache is cold after a
    restart, and now loading) counts as a slash command typed in the channel does: allowed."""
    user = body["user"]["id"]
    try:
        incident = _incident_from(deps, _action(body)["value"])
    except Exception as exc:  # the incident is gone: the action itself will say
        log.warning("incident.membership_unknown", reason=str(exc))
        return deps.actor(user)
    in_channel = deps.directory.cached_membership(incident.channel_id, user) if incident.channel_id else None
    return deps.actor(user, in_channel=in_channel)


def register(app, deps: Deps) -> None:
    @app.action(re.compile(r"^(incident_(update|severity|resolve|note|followup)_open|pulse_post_update)$"))
    async def open_modal(ack, body) -> None:
        action = _action(body)
        actor = clicker(deps, body)
        try:
            incident = _incident_from(deps, action["value"])
            if not incident.is_open:
                raise IncidentError("incident_resolved", incident=incident)
            require_responder(incident, actor)
            if action["action_id"] in COMMANDER_FORMS:
                deps.incidents.require_commander_or_manager(incident, actor, COMMANDER_FORMS[action["action_id"]])
            view = OPENERS[action["action_id"]](deps, incident, _where(body))
        except Exception as exc:
            await answer_failed_click(deps, ack, reply_to_of(body), exc, action["action_id"])
            return
        await ack()
        await open_form(deps, body, view, where=action["action_id"])

    @app.action("incident_join")
    async def join(ack, body) -> None:
        def work() -> dict[str, Any]:
            incident = _incident_from(deps, _action(body)["value"])
            deps.incidents.join(incident, deps.actor(body["user"]["id"]))
            return reply(deps.texts.mrkdwn(REPLIES, "joined", incident=incident))
        await act_then_ack(deps, ack, body, "incident_join", work)

    @app.action("pulse_no_change")
    async def no_change(ack, body) -> None:
        actor = clicker(deps, body)

        def work() -> dict[str, Any]:
            incident_id, reminded_at = _action(body)["value"].split(":")
            incident = deps.incidents.get(int(incident_id))
            deps.incidents.no_change(incident, actor, reminded_at=float(reminded_at))
            return _done(deps, "done_no_change", actor=actor.user)
        await act_then_ack(deps, ack, body, "pulse_no_change", work)

    @app.action("pulse_snooze")
    async def snooze(ack, body) -> None:
        actor = clicker(deps, body)

        def work() -> dict[str, Any]:
            incident_id, seconds = _action(body)["value"].split(":")
            incident = deps.incidents.get(int(incident_id))
            until = deps.incidents.snooze_pulse(incident, actor, float(seconds))
            return _done(deps, "done_snooze", actor=actor.user, until=until)
        await act_then_ack(deps, ack, body, "pulse_snooze", work)

    @app.action("followup_done")
    async def followup_done(ack, body) -> None:
        actor = clicker(deps, body)

        def work() -> dict[str, Any]:
            incident_id, followup_id = _action(body)["value"].split(":")
            incident = deps.incidents.get(int(incident_id))
            deps.record.complete_followup(incident, actor, int(followup_id))
            return reply(deps.texts.mrkdwn(REPLIES, "followup_done"))
        await act_then_ack(deps, ack, body, "followup_done", work)

    @app.action("followup_ticket")
    async def followup_ticket(ack, body) -> None:
        actor = clicker(deps, body)

        def work() -> dict[str, Any]:
            incident_id, followup_id = _action(body)["value"].split(":")
            incident = deps.incidents.get(int(incident_id))
            deps.record.tickets.request(incident, actor, int(followup_id))
            return reply(deps.texts.mrkdwn(REPLIES, "ticket_requested"))
        await act_then_ack(deps, ack, body, "followup_ticket", work)

    @app.action("followups_page")
    async def followups_more(ack, body) -> None:
        def work() -> dict[str, Any]:
            incident_id, offset = _action(body)["value"].split(":")
            return followups_page(deps, deps.incidents.get(int(incident_id)), int(offset))
        await act_then_ack(deps, ack, body, "followups_page", work)

    @app.shortcut("declare_incident_from_message")
    async def declare_from_message(ack, body) -> None:
        await ack()
        message = body.get("message") or {}
        name_of = deps.directory.cached_name
        text = parsing.to_plain(message.get("text") or "", name_of=name_of)
        title = text.split("\n", 1)[0][:150]
        metadata = {"channel": channel_of(body), "response_url": body.get("response_url"),
                    "source": {"channel": channel_of(body), "ts": message.get("ts"), "author": message.get("user")}}
        view = modals.declare_modal(deps.texts, deps.config, user=body["user"]["id"], metadata=metadata,
                                    title=title, description=parsing.to_plain(message.get("text") or "", keep_lines=True,
                                                                              name_of=name_of),
                                    author=message.get("user"))
        await open_form(deps, body, view, where="declare_incident_from_message")

    @app.shortcut("declare_incident")
    async def declare_shortcut(ack, body) -> None:
        await ack()
        view = modals.declare_modal(deps.texts, deps.config, user=body["user"]["id"], metadata={})
        await open_form(deps, body, view, where="declare_incident")


def _done(deps: Deps, block: str, **context: Any) -> dict[str, Any]:
    """The reminder, replaced by what was done about it (so nobody clicks it twice)."""
    rendered = one_section(deps.texts.mrkdwn("incident/pulse", block, **context))
    return {"text": rendered.text, "blocks": rendered.blocks, "replace_original": True}
