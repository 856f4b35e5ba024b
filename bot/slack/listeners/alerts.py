"""``/il-alert`` and the buttons on alert messages and alert DMs."""

from __future__ import annotations

from typing import Any


from bot.alerts.model import AlertEvent
from bot.alerts.service import AlertService
from bot.errors import UserError
from bot.slack.render.alert_forms import raise_modal
from bot.slack.listeners.common import Deps, act_then_ack, channel_of, error_reply, error_text, reply
from bot.slack.render import modals

R = "alerts/replies"


def _ids(alerts: AlertService, value: str) -> list[int]:
    """The alerts a "... all" button stands for: a channel digest (batch) or a grouped DM."""
    kind, _, ref = value.partition(":")
    return alerts.in_batch(int(ref)) if kind == "batch" else alerts.in_dm_group(ref)


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
            view = raise_modal(deps.texts, options, {"channel": body.get("channel_id"),
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
            result = alerts.raise_alert(options.source, AlertEvent(values.get("summary") or "", values.get("details") or ""),
                                        actor=user, policy=values.get("policy"),
                                        priority=options.priority_fixed or values.get("priority") or "high",
                                        allowed_policies=options.policies)
        except UserError as exc:
            await ack(response_action="errors", errors={exc.field or "summary": error_text(deps, exc)})
            return
        except Exception as exc:  # never leave a form hanging: close it and say what happened
            await ack()
            await deps.slack_effects.tell_user(user, metadata.get("channel"), error_reply(deps, exc, "alert_raise"))
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
            alert_id, level, round_ = (int(x) for x in body["actions"][0]["value"].split(":"))
            alerts.escalate(alert_id, body["user"]["id"], seen=(level, round_))
            return answer("done_escalate")
        await act_then_ack(deps, ack, respond, "alert_escalate", work)

    @app.action("alert_declare")
    async def declare_from_alert(ack, body, client) -> None:
        await ack()
        try:
            alert = alerts.get(int(body["actions"][0]["value"]))
            metadata = {"channel": channel_of(body), "response_url": body.get("response_url"), "source": {"alert": alert.id}}
            view = modals.declare_modal(deps.texts, deps.config, user=body["user"]["id"], metadata=metadata,
                                        title=alert.summary[:150], description=alert.details,
                                        severity="sev2" if alert.priority == "high" else None)
        except Exception as exc:
            await deps.slack_effects.tell_user(body["user"]["id"], channel_of(body),
                                               error_reply(deps, exc, "alert_declare"))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    def for_all(action: str):
        async def handler(ack, body, respond) -> None:
            def work():
                ids = _ids(alerts, body["actions"][0]["value"])
                many = alerts.accept_many if action == "ack" else alerts.resolve_many
                return answer("done_many", count=many(ids, body["user"]["id"]), action=action)
            await act_then_ack(deps, ack, respond, f"alerts_{action}_all", work)
        return handler

    app.action("alerts_ack_all")(for_all("ack"))
    app.action("alerts_resolve_all")(for_all("resolve"))
