"""Buttons on pages: Acknowledge (optionally with a note), Escalate, Resolve."""

from __future__ import annotations

from typing import Any, Callable

from bot.errors import UserError
from bot.paging.service import Paging
from bot.slack.listeners.common import Deps, act_then_ack, channel_of, error_reply, reply
from bot.slack.render.paging import note_modal
from bot.slack.render.modals import read_metadata, values

P = "paging/page"


def register(app, deps: Deps, paging: Paging, resolve_subject: Callable[[str, str], None] | None = None) -> None:
    def acknowledge(escalation_id: int, user: str, note: str | None) -> dict[str, Any] | None:
        outcome = paging.acknowledge(escalation_id, user, note)
        if outcome.already:
            return reply(deps.texts.mrkdwn("errors", "page_not_active", escalation=outcome.escalation))
        return None

    @app.action("page_ack")
    async def on_ack(ack, body, respond) -> None:
        await act_then_ack(deps, ack, respond, "page_ack",
                           lambda: acknowledge(int(body["actions"][0]["value"]), body["user"]["id"], None))

    @app.action("page_ack_note")
    async def on_ack_note(ack, body, client) -> None:
        await ack()
        view = note_modal(deps.texts, int(body["actions"][0]["value"]), channel_of(body))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view("page_ack_note")
    async def on_ack_note_submitted(ack, body, view) -> None:
        metadata = read_metadata(view)
        user = body["user"]["id"]
        try:
            answer = acknowledge(int(metadata["escalation"]), user, values(view).get("note") or None)
        except Exception as exc:  # the form closes either way; the person hears what happened
            answer = error_reply(deps, exc, "page_ack_note")
        await ack()
        if answer:
            await deps.slack_effects.tell_user(user, metadata.get("channel"), answer)

    @app.action("page_escalate")
    async def on_escalate(ack, body, respond) -> None:
        def work() -> dict[str, Any]:
            escalation_id, level, round_ = (int(x) for x in body["actions"][0]["value"].split(":"))
            paging.escalate_now(escalation_id, body["user"]["id"], seen=(level, round_))
            return reply(deps.texts.mrkdwn(P, "escalated_reply"))
        await act_then_ack(deps, ack, respond, "page_escalate", work)

    @app.action("page_resolve")
    async def on_resolve(ack, body, respond) -> None:
        def work() -> None:
            escalation = paging.get(int(body["actions"][0]["value"]))
            if resolve_subject is None:
                raise UserError("cannot_resolve_here")
            resolve_subject(escalation.subject, body["user"]["id"])
        await act_then_ack(deps, ack, respond, "page_resolve", work)

