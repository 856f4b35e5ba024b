"""The App Home tab: open incidents at a glance and a button to declare."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock
from slack_sdk.models.views import View

from bot.slack.answers import open_form
from bot.slack.blocks import button, context_line, header, section
from bot.slack.deps import Deps
from bot.slack.incidents import modals
from bot.slack.oncall.listeners import home_blocks

HOME = "home"
MAX_HOME_BLOCKS = 100


def home_view(deps: Deps, user: str) -> View:
    t = deps.texts
    blocks: list[Block] = [
        header(t.plain(HOME, "header")),
        section(t.mrkdwn(HOME, "intro")),
        ActionsBlock(block_id="home_actions", elements=[button(t.plain(HOME, "declare"), "home_declare", "declare",
                                                                "primary")]),
        DividerBlock(),
        section(t.mrkdwn(HOME, "open_header")),
    ]
    incidents = deps.incidents.visible(deps.actor(user), limit=30)
    blocks += [section(t.mrkdwn(HOME, "incident", incident=i)) for i in incidents] or [section(t.mrkdwn(HOME, "none_open"))]
    on_call = home_blocks(deps, user)
    if on_call:
        blocks += [DividerBlock(), *on_call]
    blocks.append(context_line(t.mrkdwn(HOME, "updated", now=deps.clock.time())))
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


def register(app, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        await deps.api.publish_home(event["user"], home_view(deps, event["user"]))

    @app.action("home_declare")
    async def declare_from_home(ack, body) -> None:
        await ack()
        view = modals.declare_modal(deps.texts, deps.config, user=body["user"]["id"], metadata={})
        await open_form(deps, body, view, where="home_declare")
