"""``/il-oncall``: who is on call, the next shifts, my shifts, and taking the pager."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.oncall.service import HORIZON, OnCallError, OnCallService, WhichSchedule
from bot.slack import parsing
from bot.slack.answers import act_then_ack, reply
from bot.slack.blocks import button, section
from bot.slack.deps import Deps
from bot.slack.oncall.swap import register as register_swaps
from bot.slack.oncall.swap import swap_command
from bot.slack.oncall.until import parse_until

ONCALL = "oncall"


def now_blocks(deps: Deps, oncall: OnCallService, tz: str) -> tuple[str, list[Block]]:
    if not deps.config.schedules:
        text = deps.texts.mrkdwn(ONCALL, "none")
        return text, [section(text)]
    horizon_end = deps.clock.time() + HORIZON.total_seconds() - 60
    lines = [deps.texts.mrkdwn(ONCALL, "now_line", schedule=s, shift=oncall.current(s), tz=tz, horizon_end=horizon_end,
                               horizon_days=HORIZON.days) for s in deps.config.schedules]
    text = deps.texts.mrkdwn(ONCALL, "now_header") + "\n" + "\n".join(lines)
    return text, [section(text)]


def schedule_blocks(deps: Deps, oncall: OnCallService, name: str, tz: str) -> tuple[str, list[Block]]:
    schedule = oncall.schedule(name)
    shifts = oncall.upcoming(schedule, 6)
    lines = [deps.texts.mrkdwn(ONCALL, "shift_line", shift=s, tz=tz, loop_first=i == 0) for i, s in enumerate(shifts)]
    text = deps.texts.mrkdwn(ONCALL, "schedule_header", schedule=schedule) + "\n" + "\n".join(lines)
    return text, [section(text)]


def mine_blocks(deps: Deps, oncall: OnCallService, user: str, tz: str, days: int = 28) -> tuple[str, list[Block]]:
    shifts = oncall.mine(user, days)
    if not shifts:
        text = deps.texts.mrkdwn(ONCALL, "mine_none", days=days)
    else:
        text = deps.texts.mrkdwn(ONCALL, "mine_header", days=days) + "\n" + "\n".join(
            deps.texts.mrkdwn(ONCALL, "mine_line", mine=mine, tz=tz, horizon_days=HORIZON.days) for mine in shifts[:30])
    return text, [section(text)]


def test_page(deps: Deps, user: str) -> dict[str, Any]:
    """/il-oncall test: a test page to yourself on every way you have; each result comes as a DM."""
    assert deps.notifier is not None
    methods = deps.notifier.plan_test(user)
    if not methods:
        return reply(deps.texts.mrkdwn("notify/test", "none"))
    return reply(deps.texts.mrkdwn("notify/test", "started", methods=methods))


def override(deps: Deps, user: str, rest: str) -> dict[str, Any]:
    words = parsing.tokens(rest)
    target = parsing.user_id(words[0]) if words else None
    if target is None:
        raise OnCallError("usage_override")
    tz = deps.timezone_of(user)
    end, left = parse_until(words[1:], deps.clock.time(), tz)
    try:
        schedule = deps.oncall.choose_schedule(parsing.to_plain(" ".join(left)) or None)
    except WhichSchedule as ask:  # several schedules and none named: ask, with a button per schedule
        question = deps.texts.mrkdwn(ONCALL, "which_schedule", user=target)
        buttons = [button(s.name, f"override_pick_{i}", json.dumps({"s": s.name, "u": target, "e": end}))
                   for i, s in enumerate(ask.schedules[:25])]
        return reply(question, [section(question), ActionsBlock(block_id="override_pick", elements=buttons)])
    deps.oncall.override(schedule, target, until=end, by=deps.actor(user))
    return reply(deps.texts.mrkdwn(ONCALL, "override_done", user=target, schedule=schedule.name, end=end, tz=tz))


def command(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    """``/il-oncall …``: what to tell the person."""
    user, text = body["user_id"], parsing.typed(body.get("text"))
    word, rest = parsing.split_subcommand(text)
    tz = deps.timezone_of(user)
    oncall = deps.oncall
    if word == "":
        return reply(*now_blocks(deps, oncall, tz))
    if word == "help":
        return reply(deps.texts.mrkdwn(ONCALL, "help"))
    if word == "me":
        if rest:
            raise OnCallError("me_takes_nothing", given=parsing.to_plain(rest))
        return reply(*mine_blocks(deps, oncall, user, tz))
    if word == "test":
        if rest:
            raise OnCallError("test_takes_nothing", given=parsing.to_plain(rest))
        return test_page(deps, user)
    if word == "override":
        with deps.work():
            return override(deps, user, rest)
    if word == "swap":
        return swap_command(deps, user, rest, tz)
    return reply(*schedule_blocks(deps, oncall, parsing.to_plain(text), tz))


def register(app, deps: Deps) -> None:
    @app.action(re.compile(r"^override_pick_\d+$"))
    async def pick(ack, body) -> None:
        def work() -> dict[str, Any]:
            choice = json.loads(body["actions"][0]["value"])
            schedule = deps.oncall.schedule(choice["s"])
            deps.oncall.override(schedule, choice["u"], until=float(choice["e"]), by=deps.actor(body["user"]["id"]))
            done = reply(deps.texts.mrkdwn(ONCALL, "override_done", user=choice["u"], schedule=schedule.name,
                                           end=float(choice["e"]), tz=deps.timezone_of(body["user"]["id"])))
            return dict(done, replace_original=True)
        await act_then_ack(deps, ack, body, "override_pick", work)

    register_swaps(app, deps)


def home_blocks(deps: Deps, user: str) -> list[Block]:
    """Who is on call now, for the Home tab."""
    if not deps.config.schedules:
        return []
    return now_blocks(deps, deps.oncall, deps.timezone_of(user))[1]
