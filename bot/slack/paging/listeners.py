"""Buttons on pages: Acknowledge (optionally with a note), Escalate, Resolve."""

from __future__ import annotations

from typing import Any

from bot.slack.answers import (
    act_then_ack,
    answer_failed_form,
    answer_later,
    channel_of,
    open_form,
    reply,
    reply_to_form,
)
from bot.slack.deps import Deps
from bot.slack.forms import read_metadata, values
from bot.slack.paging.render import note_modal

PAGE = "paging/page"


def register(app, deps: Deps) -> None:
    def acknowledge(escalation_id: int, user: str, note: str | None) -> dict[str, Any] | None:
        outcome = deps.paging.acknowledge(escalation_id, user, note)
        if outcome.already:
            return reply(deps.texts.mrkdwn("errors", "page_not_active", escalation=outcome.escalation))
        return None

    @app.action("page_ack")
    async def on_ack(ack, body) -> None:
        await act_then_ack(deps, ack, body, "page_ack",
                           lambda: acknowledge(int(body["actions"][0]["value"]), body["user"]["id"], None))

    @app.action("page_ack_note")
    async def on_ack_note(ack, body) -> None:
        await ack()
        view = note_modal(deps.texts, int(body["actions"][0]["value"]), channel_of(body))
        await open_form(deps, body, view, where="page_ack_note")

    @app.view("page_ack_note")
    async def on_ack_note_submitted(ack, body, view) -> None:
        metadata = read_metadata(view)
        user = body["user"]["id"]
        to = reply_to_form(user, metadata)
        try:
            with deps.work():
                answer = acknowledge(int(metadata["escalation"]), user, values(view).get("note") or None)
                if answer:
                    answer_later(deps, to, answer)
        except Exception as exc:
            await answer_failed_form(deps, ack, to, exc, field="note", where="page_ack_note")
            return
        await ack()

    @app.action("page_escalate")
    async def on_escalate(ack, body) -> None:
        def work() -> dict[str, Any]:
            escalation_id, level, round_ = (int(x) for x in body["actions"][0]["value"].split(":"))
            deps.paging.escalate_now(escalation_id, body["user"]["id"], seen=(level, round_))
            return reply(deps.texts.mrkdwn(PAGE, "escalated_reply"))
        await act_then_ack(deps, ack, body, "page_escalate", work)

    @app.action("page_group_confirm")
    async def on_group_confirm(ack, body) -> None:
        def work() -> dict[str, Any]:
            parts = body["actions"][0]["value"].split(":")   # escalation:level:round (or :group: in the middle)
            escalation_id, level, round_ = parts[0], parts[-2], parts[-1]
            deps.paging.confirm_group(int(escalation_id), level=int(level), round=int(round_), by=body["user"]["id"])
            return dict(reply(deps.texts.mrkdwn(PAGE, "confirmed_group")), replace_original=True)
        await act_then_ack(deps, ack, body, "page_group_confirm", work)

    @app.action("page_resolve")
    async def on_resolve(ack, body) -> None:
        def work() -> None:
            escalation = deps.paging.get(int(body["actions"][0]["value"]))
            deps.alerts.resolve_subject(escalation.subject, deps.actor(body["user"]["id"]))
        await act_then_ack(deps, ack, body, "page_resolve", work)
