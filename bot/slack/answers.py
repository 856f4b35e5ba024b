"""The one way warroom answers people in Slack.

Inside Slack's 3-second window an answer rides on the ack (slash commands) or a form's errors; a slash
command that came in a crowd is answered through its response_url just after (``bot.slack.commands``).
Everything said after the ack (the answer to a button, an error after a form closed, a form that
could not open) is recorded in the outbox like any other effect, so it is paced, retried and
never lost or swallowed.
"""

from __future__ import annotations

import secrets
from typing import Any, Callable

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.effects.replies import ReplyTo
from bot.errors import UserError
from bot.logs import get_logger
from bot.slack.blocks import Rendered
from bot.slack.deps import Deps
from bot.slack.messaging import send_to_response_url
from storage.errors import StorageUnavailable

log = get_logger("warroom.listeners")

Answer = dict[str, Any]


def reply(text: str, blocks: list[Block] | None = None) -> Answer:
    """An ephemeral answer, as the kwargs of ack()."""
    rendered = Rendered.of(text, blocks)
    payload: Answer = {"text": rendered.text, "response_type": "ephemeral"}
    if rendered.blocks:
        payload["blocks"] = rendered.blocks
    return payload


def error_text(deps: Deps, exc: UserError) -> str:
    return deps.texts.mrkdwn("errors", exc.code, **exc.params)


def error_reply(deps: Deps, exc: Exception, where: str) -> Answer:
    """Known problems say what was wrong and how to do it right; bugs get a reference to find the log."""
    if isinstance(exc, UserError):
        return reply(error_text(deps, exc))
    if isinstance(exc, StorageUnavailable):
        return reply(unrecorded_text(deps, exc, where))
    reference = secrets.token_hex(4)
    log.error("listener.crashed", exc_info=exc, where=where, reference=reference)
    return reply(deps.texts.mrkdwn("incident/replies", "crashed", reference=reference))


def unrecorded_text(deps: Deps, exc: StorageUnavailable, where: str) -> str:
    """The database did not take the change (PostgreSQL restarting, a locked or full disk): nothing was
    recorded, and the person is told to try again rather than left with a timeout."""
    log.warning("listener.not_recorded", where=where, reason=str(exc))
    return deps.texts.mrkdwn("errors", "not_recorded")


async def tell_now(deps: Deps, to: ReplyTo, answer: Answer) -> None:
    """Answer straight away, not through the outbox: for when the database is what failed."""
    try:
        if to.response_url and await send_to_response_url(deps.api, to.response_url, answer) == 200:
            return
        if to.channel:
            await deps.api.call("chat.postEphemeral", json=True, channel=to.channel, user=to.user,
                                text=answer["text"], **({"blocks": answer["blocks"]} if answer.get("blocks") else {}))
    except Exception as exc:  # Slack unreachable too: the person saw no confirmation, and nothing was recorded
        log.warning("listener.not_told", reason=f"{type(exc).__name__}: {exc}")


async def answer_failed_click(deps: Deps, ack, to: ReplyTo, exc: Exception, where: str) -> None:
    """A click whose work failed: the person hears why after the ack (through the outbox, or at once
    when the database is what failed)."""
    answer = error_reply(deps, exc, where)
    if isinstance(exc, StorageUnavailable):
        await ack()
        await tell_now(deps, to, answer)
        return
    answer_later(deps, to, answer)
    await ack()


async def answer_failed_form(deps: Deps, ack, to: ReplyTo, exc: Exception, *, field: str, where: str) -> None:
    """A form whose work failed. A refusal shows under its field; when nothing could be recorded the
    form stays open saying so, so what was typed is not lost; a crash closes it and says so."""
    if isinstance(exc, UserError):
        await ack(response_action="errors", errors={exc.field or field: error_text(deps, exc)})
    elif isinstance(exc, StorageUnavailable):
        await ack(response_action="errors", errors={field: unrecorded_text(deps, exc, where)})
    else:
        answer_later(deps, to, error_reply(deps, exc, where))
        await ack()


def channel_of(body: dict[str, Any]) -> str | None:
    """The channel an interaction came from (a message's channel, or the container's)."""
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def reply_to_of(body: dict[str, Any], *, channel: str | None = None, response_url: str | None = None) -> ReplyTo:
    """Where to answer the person behind a command, a click or a form."""
    if "user_id" in body:  # a slash command
        return ReplyTo(body["user_id"], body.get("channel_id"), body.get("response_url"))
    return ReplyTo(body["user"]["id"], channel or channel_of(body), response_url or body.get("response_url"))


def reply_to_form(user: str, metadata: dict[str, Any]) -> ReplyTo:
    """Where to answer someone who submitted a form: where they opened it from (kept in its metadata)."""
    return ReplyTo(user, metadata.get("channel"), metadata.get("response_url"))


def answer_later(deps: Deps, to: ReplyTo, answer: Answer, *, replace_original: bool = False,
                 delay: float = 0.0) -> Any:
    """Record an answer to go out after the ack (joins the caller's transaction when there is one); its
    effect's id. ``delay``: it stands in for an answer sent at once, if that one never goes."""
    context: dict[str, Any] = {"text": answer["text"], "blocks": answer.get("blocks")}
    if replace_original or answer.get("replace_original"):
        context["replace_original"] = True
    with deps.work():
        return deps.effects.reply(to, "answer", context, delay=delay)


async def act_then_ack(deps: Deps, ack, body: dict[str, Any], where: str,
                       work: Callable[[], Answer | None]) -> None:
    """Record first, then ack: Slack never resends an acked click, so it must already be on disk.

    ``work`` is the (fast, synchronous) domain call; it returns what to tell the clicker, if anything.
    The change and the answer commit together; a refusal is answered and changes nothing.
    """
    to = reply_to_of(body)
    try:
        with deps.work():
            answer = work()
            if answer:
                answer_later(deps, to, answer)
    except Exception as exc:
        await answer_failed_click(deps, ack, to, exc, where)
        return
    await ack()


async def open_form(deps: Deps, body: dict[str, Any], view: View, *, where: str) -> None:
    """Open a modal after the ack (its trigger lives 3 s); if Slack refuses, the person hears why."""
    try:
        await deps.api.open_view(body["trigger_id"], view)
    except Exception as exc:
        log.warning("view.not_opened", where=where, reason=str(exc))
        answer_later(deps, reply_to_of(body), error_reply(deps, UserError("form_not_opened"), where))
