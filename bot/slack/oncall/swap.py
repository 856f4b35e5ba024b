"""``/il-oncall swap``: the question in the DM of the person asked (a living surface: its buttons go
once it is answered), and their Accept and Decline."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.oncall.service import OnCallError
from bot.oncall.swaps import Swaps
from bot.slack import parsing
from bot.slack.answers import act_then_ack, reply
from bot.slack.blocks import Rendered, button, section
from bot.slack.deps import Deps
from bot.slack.directory import Directory
from bot.slack.messages import RenderContext
from bot.slack.surfaces import SurfaceView

SWAP = "oncall_swap"


class SwapSurfaces:
    def __init__(self, swaps: Swaps, directory: Directory, render: RenderContext) -> None:
        self.swaps = swaps
        self.directory = directory
        self.render = render

    async def swap(self, key: str) -> SurfaceView:
        swap = self.swaps.get(int(key.split(":")[1]))
        t = self.render.texts
        text = t.mrkdwn(SWAP, "question", swap=vars(swap))
        blocks: list[Block] = [section(text)]
        if swap.state == "pending":
            blocks.append(ActionsBlock(block_id=f"swap_{swap.id}", elements=[
                button(t.plain(SWAP, "accept"), "swap_accept", str(swap.id), "primary"),
                button(t.plain(SWAP, "decline"), "swap_decline", str(swap.id))]))
        return SurfaceView(await self.directory.dm_channel(swap.target), Rendered.of(text, blocks))


def parse_when(words: list[str], now: float, tz: str) -> tuple[float | None, list[str]]:
    """``next`` (or nothing), ``2026-03-10``, ``2026-03-10 14:00``: an instant inside the shift to give,
    in the asker's time zone (a date alone means its noon: inside a day's shift however it is cut)."""
    if not words or words[0].lower() == "next":
        return None, words[1:]
    text, left = words[0], words[1:]
    if left and parsing_clock(left[0]):
        text, left = f"{text} {left[0]}", left[1:]
    try:
        moment = datetime.fromisoformat(text.replace("T", " ") if " " in text or "T" in text else f"{text} 12:00")
    except ValueError:
        raise OnCallError("usage_swap") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    if moment.timestamp() < now - 86400:
        raise OnCallError("swap_in_past")
    return moment.astimezone(timezone.utc).timestamp(), left


def parsing_clock(word: str) -> bool:
    return len(word) in (4, 5) and word.count(":") == 1 and word.replace(":", "").isdigit()


def swap_command(deps: Deps, user: str, rest: str, tz: str) -> dict[str, Any]:
    words = parsing.tokens(rest)
    target = parsing.user_id(words[0]) if words else None
    if target is None:
        raise OnCallError("usage_swap")
    at, left = parse_when(words[1:], deps.clock.time(), tz)
    schedule = parsing.to_plain(" ".join(left)) or None
    if schedule is not None:
        deps.oncall.schedule(schedule)   # a name that is no schedule is said as such
    swap = deps.swaps.ask(user, target, at=at, schedule=schedule)
    return reply(deps.texts.mrkdwn(SWAP, "asked", swap=vars(swap), tz=tz))


def register(app, deps: Deps) -> None:
    def answer(accept: bool):
        async def handler(ack, body) -> None:
            def work() -> dict[str, Any]:
                swap = deps.swaps.answer(int(body["actions"][0]["value"]), deps.actor(body["user"]["id"]),
                                         accept=accept)
                return reply(deps.texts.mrkdwn(SWAP, "done", swap=vars(swap)))
            await act_then_ack(deps, ack, body, "swap_accept" if accept else "swap_decline", work)
        return handler

    app.action("swap_accept")(answer(True))
    app.action("swap_decline")(answer(False))
