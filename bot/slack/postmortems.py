"""The buttons of ``/incident postmortem``'s question (a person edited the postmortem): replace the
edits with a new draft, or keep them. Recorded, then acked (act_then_ack)."""

from __future__ import annotations

from typing import Any

from bot.slack.answers import act_then_ack, reply
from bot.slack.deps import Deps
from bot.slack.incidents.actions import clicker
from bot.slack.postmortem_uploads import TEXTS, where_shared


def register(app, deps: Deps) -> None:
    @app.action("postmortem_replace")
    async def replace(ack, body) -> None:
        def work() -> dict[str, Any]:
            incident = deps.incidents.get(int(body["actions"][0]["value"]))
            deps.postmortems.replace(incident, clicker(deps, body))
            answer = deps.texts.mrkdwn(TEXTS, "replaced", incident=incident, where=where_shared(deps.config, incident))
            return {**reply(answer), "replace_original": True}
        await act_then_ack(deps, ack, body, "postmortem_replace", work)

    @app.action("postmortem_keep")
    async def keep(ack, body) -> None:
        def work() -> dict[str, Any]:
            incident = deps.incidents.get(int(body["actions"][0]["value"]))
            deps.postmortems.keep(incident, clicker(deps, body))
            return {**reply(deps.texts.mrkdwn(TEXTS, "kept", incident=incident)), "replace_original": True}
        await act_then_ack(deps, ack, body, "postmortem_keep", work)
