"""``/il-alert`` and the buttons on alert messages and alert DMs."""

from __future__ import annotations

from typing import Any

from bot.alerts.model import AlertError, AlertEvent
from bot.durations import DurationError, DurationTooLong, parse_duration
from bot.alerts.service import AlertService
from bot.slack import parsing
from bot.slack.alerts.forms import raise_modal
from bot.slack.answers import (
    act_then_ack,
    answer_failed_form,
    answer_later,
    channel_of,
    error_reply,
    open_form,
    reply,
    reply_to_form,
)
from bot.slack.commands import CommandResult, OpenModal
from bot.slack.deps import Deps
from bot.slack.forms import read_metadata, values
from bot.slack.incidents import modals

REPLIES = "alerts/replies"
LIST_LIMIT = 40


def _ids(alerts: AlertService, value: str) -> list[int]:
    """The alerts a "... all" button stands for: a channel digest (batch) or a grouped DM."""
    kind, _, ref = value.partition(":")
    return alerts.in_batch(int(ref)) if kind == "batch" else alerts.in_dm_group(ref)


def answer(deps: Deps, block: str, **context: Any) -> dict[str, Any]:
    return reply(deps.texts.mrkdwn(REPLIES, block, **context))


def list_answer(deps: Deps) -> dict[str, Any]:
    open_alerts = deps.alerts.store.open_alerts(limit=LIST_LIMIT)
    if not open_alerts:
        return answer(deps, "list_empty")
    lines = [deps.texts.mrkdwn(REPLIES, "list_item", alert=a) for a in open_alerts]
    total = deps.alerts.store.count_open()
    if total > len(open_alerts):
        lines.append(deps.texts.mrkdwn(REPLIES, "list_more", count=total - len(open_alerts)))
    return reply("\n".join([deps.texts.mrkdwn(REPLIES, "list_header"), *lines]))


def silence_answer(deps: Deps, user: str, rest: str) -> dict[str, Any]:
    words = parsing.tokens(parsing.to_plain(rest))
    if len(words) != 2:
        raise AlertError("usage_silence")
    source, length = words
    if length in ("off", "end", "stop"):
        ended = deps.silences.unsilence(source, deps.actor(user))
        return answer(deps, "unsilence_done", source=source, ended=ended)
    try:
        delta = parse_duration(length)
    except DurationTooLong as exc:
        delta = exc.at_least   # the domain refuses it in its own words (at most 7 days)
    except DurationError:
        raise AlertError("usage_silence") from None
    assert delta is not None
    silence = deps.silences.silence(source, delta, deps.actor(user))
    return answer(deps, "silence_done", source=silence.source, end=silence.end)


def silences_answer(deps: Deps) -> dict[str, Any]:
    silences, windows = deps.silences.in_force()
    lines = [deps.texts.mrkdwn(REPLIES, "silence_line", silence=s) for s in silences]
    lines += [deps.texts.mrkdwn(REPLIES, "maintenance_line", source=name) for name in windows]
    if not lines:
        return answer(deps, "silences_none")
    return reply("\n".join([deps.texts.mrkdwn(REPLIES, "silences_header"), *lines]))


def command(deps: Deps, body: dict[str, Any]) -> CommandResult:
    """``/il-alert …``: help, the open alerts, silences, or the form to raise an alert."""
    user, text = body["user_id"], parsing.typed(body.get("text")).lower()
    if text == "help":
        return answer(deps, "help")
    word, rest = parsing.split_subcommand(text)
    if word == "silence":
        return silence_answer(deps, user, rest)
    if word == "silences":
        return silences_answer(deps)
    if text == "list":
        return list_answer(deps)
    options = deps.alerts.raise_options(user, body.get("channel_id", ""), body.get("channel_name", ""))
    return OpenModal(raise_modal(deps.texts, options, {"channel": body.get("channel_id"),
                                                     "channel_name": body.get("channel_name"),
                                                     "response_url": body.get("response_url")}))


def register(app, deps: Deps) -> None:
    @app.view("alert_raise")
    async def raise_submitted(ack, body, view) -> None:
        user = body["user"]["id"]
        metadata = read_metadata(view)
        to = reply_to_form(user, metadata)
        try:
            form = values(view)
            options = deps.alerts.raise_options(user, metadata.get("channel") or "", metadata.get("channel_name") or "")
            with deps.work():
                result = deps.alerts.raise_alert(
                    options.source, AlertEvent(form.get("summary") or "", form.get("details") or ""),
                    actor=user, policy=form.get("policy"),
                    priority=options.priority_fixed or form.get("priority") or "high",
                    allowed_policies=options.policies)
                answer_later(deps, to, answer(deps, "raised", alert=result.alert))
        except Exception as exc:
            await answer_failed_form(deps, ack, to, exc, field="summary", where="alert_raise")
            return
        await ack()

    @app.action("alert_ack")
    async def ack_alert(ack, body) -> None:
        def work() -> None:
            deps.alerts.accept(int(body["actions"][0]["value"]), deps.actor(body["user"]["id"]))
            return None  # the alert message itself now shows who acknowledged
        await act_then_ack(deps, ack, body, "alert_ack", work)

    @app.action("alert_resolve")
    async def resolve_alert(ack, body) -> None:
        def work() -> None:
            deps.alerts.resolve(int(body["actions"][0]["value"]), deps.actor(body["user"]["id"]))
            return None
        await act_then_ack(deps, ack, body, "alert_resolve", work)

    @app.action("alert_escalate")
    async def escalate_alert(ack, body) -> None:
        def work() -> dict[str, Any]:
            alert_id, level, round_ = (int(x) for x in body["actions"][0]["value"].split(":"))
            deps.alerts.escalate(alert_id, deps.actor(body["user"]["id"]), seen=(level, round_))
            return answer(deps, "done_escalate")
        await act_then_ack(deps, ack, body, "alert_escalate", work)

    @app.action("alert_declare")
    async def declare_from_alert(ack, body) -> None:
        await ack()
        try:
            alert = deps.alerts.get(int(body["actions"][0]["value"]))
            metadata = {"channel": channel_of(body), "response_url": body.get("response_url"),
                        "source": {"alert": alert.id}}
            view = modals.declare_modal(deps.texts, deps.config, user=body["user"]["id"], metadata=metadata,
                                        title=alert.summary[:150], description=alert.details,
                                        severity="sev2" if alert.priority == "high" else None)
        except Exception as exc:
            answer_later(deps, reply_to_form(body["user"]["id"], {"channel": channel_of(body)}),
                         error_reply(deps, exc, "alert_declare"))
            return
        await open_form(deps, body, view, where="alert_declare")

    def for_all(action: str):
        async def handler(ack, body) -> None:
            def work() -> dict[str, Any]:
                ids = _ids(deps.alerts, body["actions"][0]["value"])
                many = deps.alerts.accept_many if action == "ack" else deps.alerts.resolve_many
                done, refused = many(ids, deps.actor(body["user"]["id"]))
                return answer(deps, "done_many", count=done, refused=refused, action=action)
            await act_then_ack(deps, ack, body, f"alerts_{action}_all", work)
        return handler

    app.action("alerts_ack_all")(for_all("ack"))
    app.action("alerts_resolve_all")(for_all("resolve"))
