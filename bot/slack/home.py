"""The App Home tab: open incidents at a glance and a button to declare."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock
from slack_sdk.models.views import View

from bot.effects.errors import NotReady, Permanent, RetryLater
from bot.logs import get_logger
from bot.slack.answers import open_form
from bot.slack.blocks import button, context_line, header, section
from bot.slack.deps import Deps
from bot.slack.incidents import modals
from bot.slack.oncall.listeners import home_blocks

log = get_logger("warroom.home")

HOME = "home"
MAX_HOME_BLOCKS = 100
HOME_INCIDENTS = 30          # listed on the tab; the rest are counted
RETRY_DEFAULT = 5.0          # seconds before the one retry when Slack gave no Retry-After
RETRY_LIMIT = 60.0           # a longer wait is not worth it: the next time the tab is opened will do


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
    incidents = deps.incidents.visible(deps.actor(user), limit=1000)
    blocks += [section(t.mrkdwn(HOME, "incident", incident=i)) for i in incidents[:HOME_INCIDENTS]] \
        or [section(t.mrkdwn(HOME, "none_open"))]
    if len(incidents) > HOME_INCIDENTS:
        blocks.append(context_line(t.mrkdwn(HOME, "more", count=len(incidents) - HOME_INCIDENTS)))
    on_call = home_blocks(deps, user)
    if on_call:
        blocks += [DividerBlock(), *on_call]
    blocks.append(context_line(t.mrkdwn(HOME, "updated", now=deps.clock.time())))
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


async def publish(deps: Deps, user: str) -> None:
    """views.publish, after the event was acked. A rate limit or an outage is logged once and tried
    once more a little later, with the tab rendered afresh; should that fail too, the next time the
    person opens the tab brings it up to date."""
    try:
        await deps.api.publish_home(user, home_view(deps, user))
        return
    except RetryLater as exc:
        delay = min(exc.delay or RETRY_DEFAULT, RETRY_LIMIT)
        log.warning("home.not_published", user=user, reason=exc.reason, retry_in=delay)
    except (NotReady, Permanent) as exc:
        log.warning("home.not_published", user=user, reason=str(exc))
        return
    await asyncio.sleep(delay)
    try:
        await deps.api.publish_home(user, home_view(deps, user))
    except (RetryLater, NotReady, Permanent) as exc:
        log.warning("home.not_published", user=user, reason=str(exc), retry_in="next time the tab is opened")


def register(app, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        await publish(deps, event["user"])

    @app.action("home_declare")
    async def declare_from_home(ack, body) -> None:
        await ack()
        view = modals.declare_modal(deps.texts, deps.config, user=body["user"]["id"], metadata={})
        await open_form(deps, body, view, where="home_declare")
