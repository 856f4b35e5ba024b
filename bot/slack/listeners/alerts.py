"""``/il-alert`` and the buttons on alert messages and alert DMs."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.alerts.model import MAX_DETAILS, MAX_SUMMARY, AlertError, AlertEvent, AlertStatus
from bot.alerts.service import AlertService, RaiseOptions
from bot.errors import UserError
from bot.slack import parsing
from bot.slack.listeners.common import Deps, act_then_ack, error_reply, reply
from bot.slack.render import modals
from bot.slack.render.base import fit
from bot.slack.render.incidents import context_line

R = "alerts/replies"


def raise_modal(deps: Deps, options: RaiseOptions, metadata: dict[str, Any]) -> View:
    def plain(text: str, limit: int = 2000) -> PlainTextObject:
        return PlainTextObject(text=fit(text, limit))

    policies = [Option(value=p, text=fit(p, 75)) for p in options.policies[:100]]
    blocks: list = [
        context_line(deps.texts.mrkdwn(R, "modal_context", fixed=options.priority_fixed, source=options.source.name)),
        InputBlock(block_id="summary", label=plain(deps.texts.plain(R, "summary_label")),
                   element=PlainTextInputElement(action_id="summary", max_length=MAX_SUMMARY,
                                                 placeholder=plain(deps.texts.plain(R, "summary_placeholder"), 150))),
        InputBlock(block_id="details", label=plain(deps.texts.plain(R, "details_label")), optional=True,
                   element=PlainTextInputElement(action_id="details", multiline=True, max_length=MAX_DETAILS)),
        InputBlock(block_id="policy", label=plain(deps.texts.plain(R, "policy_label")),
                   element=StaticSelectElement(action_id="policy", options=policies, initial_option=policies[0])),
    ]
    if options.priority_fixed is None:
        priorities = [Option(value="high", text=deps.texts.plain(R, "priority_high")),
                      Option(value="low", text=deps.texts.plain(R, "priority_low"))]
        blocks.append(InputBlock(block_id="priority", label=plain(deps.texts.plain(R, "priority_label")),
                                 element=StaticSelectElement(action_id="priority", options=priorities,
                                                             initial_option=priorities[0])))
    return View(type="modal", callback_id="alert_raise", title=plain(deps.texts.plain(R, "modal_title"), 24),
                submit=plain(deps.texts.plain(R, "modal_submit"), 24), close=plain(deps.texts.plain(R, "cancel"), 24),
                blocks=blocks, private_metadata=json.dumps(metadata))


def _ids(deps: Deps, alerts: AlertService, value: str) -> list[int]:
    """The alerts a "... all" button stands for: a channel digest (batch) or a grouped DM."""
    kind, _, ref = value.partition(":")
    if kind == "batch":
        return [a.id for a in alerts.store.in_batch(int(ref))]
    ids: list[int] = []
    for page in alerts.paging.store.in_group(ref):
        escalation = alerts.paging.store.get(page.escalation_id)
        if escalation and escalation.subject_kind == "alert" and escalation.subject_id not in ids:
            ids.append(escalation.subject_id)
    return ids


def register(app, deps: Deps, alerts: AlertService) -> None:

    @app.command("/il-alert")
    async def il_alert(ack, body, client) -> None:
        user, text = body["user_id"], (body.get("text") or "").strip().lower()
        if text in ("help",):
            await ack(**reply(deps.texts.mrkdwn(R, "help")))
            return
        if text == "list":
            open_alerts = alerts.store.open_alerts(limit=40)
            if not open_alerts:
                await ack(**reply(deps.texts.mrkdwn(R, "list_empty")))
                return
            lines = [deps.texts.mrkdwn(R, "list_item", alert=a) for a in open_alerts]
            await ack(**reply("\n".join([deps.texts.mrkdwn(R, "list_header"), *lines])))
            return
        try:
            options = alerts.raise_options(user, body.get("channel_id", ""), body.get("channel_name", ""))
            view = raise_modal(deps, options, {"channel": body.get("channel_id"),
                                               "channel_name": body.get("channel_name"),
                                               "response_url": body.get("response_url")})
        except Exception as exc:
            await ack(**error_reply(deps, exc, "/il-alert"))
            return
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view("alert_raise")
    async def raise_submitted(ack, body, view) -> None:
        user = body["user"]["id"]
        metadata = modals.read_metadata(view)
        values = modals.values(view)
        try:
            options = alerts.raise_options(user, metadata.get("channel") or "", metadata.get("channel_name") or "")
            summary = (values.get("summary") or "").strip()
            if not summary:
                raise AlertError("empty_summary", field="summary")
            policy = values.get("policy")
            if policy not in options.policies:
                raise AlertError("not_a_policy", field="policy", given=policy)
            priority = options.priority_fixed or values.get("priority") or "high"
            result = alerts.raise_alert(options.source, AlertEvent(summary, values.get("details") or ""),
                                        actor=user, policy=policy, priority=priority)
        except UserError as exc:
            await ack(response_action="errors", errors={exc.field or "summary": deps.texts.mrkdwn("errors", exc.code,
                                                                                             **exc.params)})
            return
        await ack()
        await deps.slack_effects.tell_user(user, metadata.get("channel"),
                                           reply(deps.texts.mrkdwn(R, "raised", alert=result.alert)))

    def answer(block: str, **context: Any):
        return reply(deps.texts.mrkdwn(R, block, **context))

    @app.action("alert_ack")
    async def ack_alert(ack, body, respond) -> None:
        def work():
            alerts.accept(int(body["actions"][0]["value"]), body["user"]["id"])
            return None  # the alert message itself now shows who acknowledged
        await act_then_ack(deps, ack, respond, "alert_ack", work)

    @app.action("alert_resolve")
    async def resolve_alert(ack, body, respond) -> None:
        def work():
            alerts.resolve(int(body["actions"][0]["value"]), body["user"]["id"])
            return None
        await act_then_ack(deps, ack, respond, "alert_resolve", work)

    @app.action("alert_escalate")
    async def escalate_alert(ack, body, respond) -> None:
        def work():
            alerts.escalate(int(body["actions"][0]["value"]), body["user"]["id"])
            return answer("done_escalate")
        await act_then_ack(deps, ack, respond, "alert_escalate", work)

    @app.action("alert_declare")
    async def declare_from_alert(ack, body, client) -> None:
        await ack()
        try:
            alert = alerts.get(int(body["actions"][0]["value"]))
            channel = (body.get("channel") or {}).get("id")
            metadata = {"channel": channel, "response_url": body.get("response_url"), "source": {"alert": alert.id}}
            view = modals.declare_modal(deps.texts, deps.config, user=body["user"]["id"], metadata=metadata,
                                        title=alert.summary[:150], description=parsing.escape(alert.details),
                                        severity="sev2" if alert.priority == "high" else None)
        except Exception as exc:
            await deps.slack_effects.tell_user(body["user"]["id"], (body.get("channel") or {}).get("id"),
                                               error_reply(deps, exc, "alert_declare"))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    def for_all(action: str):
        async def handler(ack, body, respond) -> None:
            def work():
                user = body["user"]["id"]
                ids = _ids(deps, alerts, body["actions"][0]["value"])
                done = 0
                with alerts.work():
                    for alert_id in ids:
                        alert = alerts.store.get(alert_id)
                        if alert is None:
                            continue
                        if action == "ack" and alert.status == AlertStatus.PENDING:
                            alerts.accept(alert_id, user)
                            done += 1
                        elif action == "resolve" and alert.status != AlertStatus.RESOLVED:
                            alerts.resolve(alert_id, user)
                            done += 1
                return answer("done_many", count=done, action=action)
            await act_then_ack(deps, ack, respond, f"alerts_{action}_all", work)
        return handler

    app.action("alerts_ack_all")(for_all("ack"))
    app.action("alerts_resolve_all")(for_all("resolve"))
