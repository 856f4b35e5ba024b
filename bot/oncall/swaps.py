"""Shift swaps: ``/il-oncall swap @person <when>`` asks the other person, who accepts or declines.

Decided where the issue is silent: the shift given is the requester's shift at ``<when>`` (or their
next one); in return the requester takes the other person's first shift in the same schedule after
it, when they have one in the next 60 days (a swap); otherwise it is a cover. Accepting records the
overrides (the acceptance is the other person's consent, so no manager is needed); declining changes
nothing. Only the person asked may answer, once.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.oncall.schedule import shifts_for_user
from bot.oncall.service import HORIZON, MyShift, OnCallError, OnCallService
from bot.work import Work
from storage.swaps import Swap, SwapStore


def surface(swap_id: int) -> str:
    return f"swap:{swap_id}"


class Swaps:
    def __init__(self, config: Config, oncall: OnCallService, store: SwapStore, effects: Effects, work: Work,
                 clock: Clock) -> None:
        self.config = config
        self.oncall = oncall
        self.store = store
        self.effects = effects
        self.work = work
        self.clock = clock

    def get(self, swap_id: int) -> Swap:
        swap = self.store.get(swap_id)
        if swap is None:
            raise OnCallError("no_such_swap")
        return swap

    def ask(self, requester: str, target: str, *, at: float | None, schedule: str | None) -> Swap:
        """``at``: an instant inside the shift to give (None: the next one, or the one under way)."""
        if target == requester:
            raise OnCallError("swap_with_yourself")
        now = self.clock.time()
        mine = [m for m in self.oncall.mine(requester, days=HORIZON.days - 1)
                if (schedule is None or m.schedule.name.lower() == schedule.lower())
                and (at is None or m.shift.start.timestamp() <= at < m.shift.end.timestamp())]
        if not mine:
            raise OnCallError("swap_no_shift", schedule=schedule, when=at)
        if at is None:
            first = min(m.shift.start for m in mine)
            mine = [m for m in mine if m.shift.start == first]
        if len({m.schedule.name for m in mine}) > 1:
            raise OnCallError("swap_which_schedule", schedules=sorted({m.schedule.name for m in mine}))
        chosen = mine[0]
        give = (max(chosen.shift.start.timestamp(), now), chosen.shift.end.timestamp())
        take = self._their_next(chosen, target, after=give[1])
        with self.work():
            swap = self.store.add(schedule=chosen.schedule.name, requester=requester, target=target, give=give,
                                  take=take, at=now)
            self.effects.sync(surface(swap.id), immediate=True)
        return swap

    def _their_next(self, mine: MyShift, target: str, *, after: float) -> tuple[float, float] | None:
        start = datetime.fromtimestamp(after, tz=timezone.utc)
        overrides = self.oncall.overrides.for_schedule(mine.schedule.name, ending_after=after)
        theirs = shifts_for_user(mine.schedule, overrides, target, start, start + HORIZON)
        return (theirs[0].start.timestamp(), theirs[0].end.timestamp()) if theirs else None

    def answer(self, swap_id: int, by: Actor, *, accept: bool) -> Swap:
        with self.work():
            swap = self.get(swap_id)
            if by.user != swap.target:
                raise OnCallError("swap_not_yours", swap=vars(swap))
            if swap.state != "pending":
                raise OnCallError("swap_decided", swap=vars(swap))
            now = self.clock.time()
            if accept and swap.give_end <= now:
                raise OnCallError("swap_expired", swap=vars(swap))
            if not self.store.decide(swap.id, "accepted" if accept else "declined", now):
                raise OnCallError("swap_decided", swap=vars(self.get(swap_id)))
            if accept:
                schedule = self.oncall.schedule(swap.schedule)
                self.oncall.record_override(schedule, swap.target, max(swap.give_start, now), swap.give_end,
                                            by=swap.target)
                if swap.take_start is not None and swap.take_end is not None and swap.take_end > now:
                    self.oncall.record_override(schedule, swap.requester, max(swap.take_start, now), swap.take_end,
                                                by=swap.target)
            self.effects.sync(surface(swap.id), immediate=True)
            decided = self.get(swap_id)
            self.effects.post(f"dm:{swap.requester}", "oncall.swap_answered", {"swap": vars(decided)})
        return decided
