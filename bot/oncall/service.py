"""Who is on call: schedules from config, overrides from the database, the pure engine in between."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from datetime import datetime, timedelta, timezone

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.errors import UserError
from bot.oncall.schedule import (
    DEFAULT_HORIZON,
    current_shift,
    next_shifts,
    on_call_user,
    shifts_for_user,
    timeline,
)
from bot.work import Work
from kernel.schedules import Override, Schedule, Shift
from storage.oncall import OverrideStore

MAX_OVERRIDE = timedelta(days=31)
HORIZON = DEFAULT_HORIZON


class OnCallError(UserError):
    """An on-call request that cannot be done as asked (see :class:`bot.errors.UserError`)."""


@dataclass(frozen=True)
class MyShift:
    schedule: Schedule
    shift: Shift
    ongoing: bool        # under way now: shift.start is when it began
    since_unknown: bool  # under way for longer than we look back: shift.start is only how far we looked
    open_ended: bool     # no handoff found as far as we look: shift.end is only how far we looked


class WhichSchedule(OnCallError):
    """Several schedules and none named: the person must choose one."""

    def __init__(self, schedules: tuple[Schedule, ...]) -> None:
        super().__init__("which_schedule", schedules=[s.name for s in schedules])
        self.schedules = schedules


class OnCallService:
    def __init__(self, config: Config, overrides: OverrideStore, effects: Effects, work: Work, clock: Clock) -> None:
        self.config = config
        self.overrides = overrides
        self.effects = effects
        self.work = work
        self.clock = clock
        # Overrides per schedule, read again only when the schedule's newest override changed: another
        # replica (PostgreSQL) or the web side may have added one. Overrides are only ever added.
        self._overrides_cache: dict[str, tuple] = {}
        # called in the transaction that changed who is on call in a schedule (the shift routine looks again)
        self.changed: list[Callable[[Schedule], None]] = []

    def schedule(self, name: str) -> Schedule:
        schedule = self.config.schedule(name)
        if schedule is None:
            raise OnCallError("no_such_schedule", given=name, schedules=[s.name for s in self.config.schedules])
        return schedule

    def choose_schedule(self, name: str | None) -> Schedule:
        """The schedule someone means: the one named, or the only one there is. With several and none
        named, :class:`WhichSchedule` carries the choices so the adapter can ask."""
        if name:
            return self.schedule(name)
        if not self.config.schedules:
            raise OnCallError("no_schedules")
        if len(self.config.schedules) == 1:
            return self.config.schedules[0]
        raise WhichSchedule(self.config.schedules)

    def _overrides(self, schedule: Schedule, after: float):
        """Overrides that matter from ``after - HORIZON`` on (ended ones can be ignored)."""
        cached = self._overrides_cache.get(schedule.name)
        since = after - HORIZON.total_seconds()
        newest = self.overrides.newest_id(schedule.name)
        if cached is None or cached[0] > since or cached[2] != newest:
            # load a day earlier than asked, so lookups a little further back reuse it too
            cached = (since - 86400.0, self.overrides.for_schedule(schedule.name, ending_after=since - 86400.0), newest)
            self._overrides_cache[schedule.name] = cached
        return cached[1]

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), tz=timezone.utc)

    # lookups -----------------------------------------------------------------------------------
    def on_call(self, name: str, at: float) -> str | None:
        """The person to page for ``schedule:<name>`` at ``at`` (used by escalation policies)."""
        schedule = self.config.schedule(name)
        if schedule is None:
            return None
        moment = datetime.fromtimestamp(at, tz=timezone.utc)
        return on_call_user(schedule, self._overrides(schedule, at), moment)

    def current_fresh(self, schedule: Schedule, at: float | None = None) -> Shift:
        """The shift under way, with overrides read from the database rather than this process's cache:
        for timers and effects, which may run on another replica than the one an override was made on."""
        at = self.clock.time() if at is None else at
        moment = datetime.fromtimestamp(at, tz=timezone.utc)
        overrides = self.overrides.for_schedule(schedule.name, ending_after=at - HORIZON.total_seconds())
        return current_shift(schedule, overrides, moment, HORIZON)

    def current(self, schedule: Schedule) -> Shift:
        at = self.now()
        return current_shift(schedule, self._overrides(schedule, at.timestamp()), at, HORIZON)

    def shifts(self, schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
        """Who holds the pager through [start, end): every layer and override resolved, runs in order,
        clipped to the window, ``user`` None where nobody is (a calendar's final row)."""
        return timeline(schedule, self._overrides(schedule, start.timestamp()), start, end)

    def layer_shifts(self, schedule: Schedule, index: int, start: datetime, end: datetime) -> list[Shift]:
        """Layer ``index`` of ``schedule`` alone, as if nothing were above it and no override set."""
        alone = Schedule(schedule.name, schedule.timezone, (schedule.layers[index],))
        return timeline(alone, (), start, end)

    def overrides_during(self, schedule: Schedule, start: datetime, end: datetime) -> list[Override]:
        """The overrides that overlap [start, end), oldest first."""
        return [o for o in self._overrides(schedule, start.timestamp()) if o.start < end and o.end > start]

    def upcoming(self, schedule: Schedule, count: int = 6) -> list[Shift]:
        at = self.now()
        return next_shifts(schedule, self._overrides(schedule, at.timestamp()), at, count)

    def mine(self, user: str, days: int = 28) -> list[MyShift]:
        """``user``'s shifts that overlap the next ``days``, with their real edges: a shift already under
        way shows when it began, one that runs past the window when it ends (looked up to HORIZON
        further), so neither "now" nor the window's end is shown as a handoff."""
        at = self.now()
        window_end = at + timedelta(days=days)
        found: list[MyShift] = []
        for schedule in self.config.schedules:
            overrides = self._overrides(schedule, at.timestamp() - HORIZON.total_seconds())
            for shift in shifts_for_user(schedule, overrides, user, at - HORIZON, window_end + HORIZON):
                if shift.end <= at or shift.start >= window_end:
                    continue
                found.append(MyShift(schedule, shift, ongoing=shift.start <= at,
                                     since_unknown=shift.start <= at - HORIZON,
                                     open_ended=shift.end >= window_end + HORIZON))
        return sorted(found, key=lambda mine: mine.shift.start)

    # taking the pager --------------------------------------------------------------------------
    def override(self, schedule: Schedule, user: str, *, until: float, by: Actor, start: float | None = None) -> int:
        """``user`` takes the pager until ``until``, from now or from a later ``start``. A listed user may
        take it themselves; putting someone else on call is for on-call or incident managers (that
        person has not agreed to it)."""
        managers = dict(oncall_managers=bool(self.config.oncall_managers),
                        incident_managers=bool(self.config.incident_managers))
        if by.user != user and not (by.is_oncall_manager or by.is_manager):
            raise OnCallError("override_others", user=user, **managers)
        if by.user == user and self.config.person(user) is None and not (by.is_oncall_manager or by.is_manager):
            raise OnCallError("override_not_listed", **managers)
        now = self.clock.time()
        if start is not None and until <= start:
            raise OnCallError("override_ends_before_start")
        # A start already past means now: an override never rewrites who was on call (pages went out by it).
        start = now if start is None else max(start, now)
        if until <= start:
            raise OnCallError("override_in_past")
        if until - start > MAX_OVERRIDE.total_seconds():
            raise OnCallError("override_too_long", days=MAX_OVERRIDE.days)
        with self.work():
            override_id = self.record_override(schedule, user, start, until, by=by.user)
            announced = {"schedule": schedule.name, "user": user, "by": by.user, "start": start, "end": until}
            self.effects.post("config:alerts", "oncall.override", dict(announced, later=True) if start > now else announced)
        return override_id

    def record_override(self, schedule: Schedule, user: str, start: float, end: float, *, by: str) -> int:
        """Store an override someone may make (checked by the caller), in the caller's transaction."""
        override_id = self.overrides.add(schedule.name, user, start, end, by=by, at=self.clock.time())
        for hook in self.changed:
            hook(schedule)
        return override_id
