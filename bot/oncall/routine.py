"""On-call that runs itself: at every handoff of a schedule, a DM to the person coming on and to the
one going off and a post in the schedule's channel, each with a handoff summary; and the schedule's
Slack user groups kept in step.

Each schedule has one timer (kind ``shift``), due when its current shift ends; it fires on one replica,
and a handoff is remembered once (``shift_handoffs``' key is schedule + shift start), so a timer fired
again after a crash or on start finds the handoff known and says nothing twice. At start every
schedule is looked at once: a handoff missed while warroom was down is announced then; the very first
look at a schedule only remembers who is on call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.logs import get_logger
from bot.oncall.service import OnCallService
from bot.work import Work
from kernel.outbox import Timer
from kernel.schedules import Schedule
from storage.handoffs import Handoff, HandoffStore
from storage.oncall import OverrideStore
from storage.timers import TimerStore

log = get_logger("warroom.oncall.routine")

SHIFT_TIMER = "shift"
SYNC_USERGROUP = "oncall.sync_usergroup"
SUMMARY_ITEMS = 5                       # alerts or incidents listed by name in a summary, per kind
OVERRIDES_AHEAD = timedelta(days=7)     # how far ahead a summary lists overrides


class ShiftRoutine:
    def __init__(self, config: Config, oncall: OnCallService, store: HandoffStore, overrides: OverrideStore,
                 timers: TimerStore, effects: Effects, work: Work, clock: Clock) -> None:
        self.config = config
        self.oncall = oncall
        self.store = store
        self.overrides = overrides
        self.timers = timers
        self.effects = effects
        self.work = work
        self.clock = clock
        oncall.changed.append(self.look_now)

    def start(self) -> None:
        """At start: look at every schedule now (its handoff may have passed while warroom was down,
        or warroom.yml changed when the next one falls)."""
        with self.work():
            for schedule in self.config.schedules:
                self.look_now(schedule)

    def look_now(self, schedule: Schedule) -> None:
        self.timers.set(SHIFT_TIMER, schedule.name, self.clock.time())

    async def on_timer(self, timer: Timer) -> None:
        schedule = self.config.schedule(timer.subject)
        if schedule is None:
            return  # removed from warroom.yml
        with self.work():
            self.check(schedule)

    def check(self, schedule: Schedule) -> None:
        """Who is on call now; a change of person since the last handoff is announced once. Plans the
        next look for when this shift ends."""
        now = self.clock.time()
        shift = self.oncall.current_fresh(schedule, now)
        start, end = shift.start.timestamp(), shift.end.timestamp()
        last = self.store.latest(schedule.name)
        if last is None:
            self.store.record(Handoff(schedule.name, start, shift.user, None, end, False), at=now)
            self._sync_usergroups(schedule)
        elif shift.user != last.user:
            handoff = Handoff(schedule.name, start, shift.user, last.user, end, True)
            if self.store.record(handoff, at=now):
                self._announce(schedule, handoff, since=last.at, now=now)
                self._sync_usergroups(schedule)
        self.timers.set(SHIFT_TIMER, schedule.name, max(end, now + 1.0))

    def _announce(self, schedule: Schedule, handoff: Handoff, *, since: float, now: float) -> None:
        context = {"schedule": schedule.name, "tz": schedule.timezone, "user": handoff.user,
                   "previous": handoff.previous, "start": handoff.at, "end": handoff.until,
                   "late": now - handoff.at > 60, "summary": self.summary(schedule, since, handoff.at, now)}
        if handoff.user:
            self.effects.post(f"dm:{handoff.user}", "oncall.shift_started", context)
        if handoff.previous:
            self.effects.post(f"dm:{handoff.previous}", "oncall.shift_ended", context)
        channel = self.config.routine.for_schedule(schedule.name).channel
        if channel:
            self.effects.post(f"channel:{channel}", "oncall.handoff", context)
        log.info("oncall.handoff", schedule=schedule.name, user=handoff.user or "-",
                 previous=handoff.previous or "-", at=handoff.at)

    def summary(self, schedule: Schedule, since: float, until: float, now: float) -> dict[str, Any]:
        """What happened during the shift that ended (alerts and incidents), what is still open or
        acknowledged, and overrides coming up: a snapshot taken at the handoff."""
        alerts, alert_items = self.store.alerts_between(since, until, SUMMARY_ITEMS)
        incidents, incident_items = self.store.incidents_between(since, until, SUMMARY_ITEMS)
        open_alerts, open_alert_items = self.store.open_alerts(SUMMARY_ITEMS)
        open_incidents, open_incident_items = self.store.open_incidents(SUMMARY_ITEMS)
        ahead = now + OVERRIDES_AHEAD.total_seconds()
        coming = [{"user": o.user, "start": o.start.timestamp(), "end": o.end.timestamp()}
                  for o in self.overrides.for_schedule(schedule.name, ending_after=now)
                  if now < o.start.timestamp() < ahead]
        as_dicts = lambda items: [vars(item) for item in items]  # noqa: E731 (JSON for the outbox)
        return {"since": since, "alerts": alerts, "alert_items": as_dicts(alert_items),
                "incidents": incidents, "incident_items": as_dicts(incident_items),
                "open_alerts": open_alerts, "open_alert_items": as_dicts(open_alert_items),
                "open_incidents": open_incidents, "open_incident_items": as_dicts(open_incident_items),
                "overrides": sorted(coming, key=lambda o: o["start"])}

    def _sync_usergroups(self, schedule: Schedule) -> None:
        for handle, names in self.config.routine.usergroups(self.config.schedules).items():
            if schedule.name in names:
                self.effects.do(SYNC_USERGROUP, {"usergroup": handle}, lane=f"usergroup:{handle}", coalesce=True)

    def members(self, handle: str) -> list[str]:
        """Who should be in the user group ``handle`` now: whoever is on call in its schedules."""
        names = self.config.routine.usergroups(self.config.schedules).get(handle, ())
        now = self.clock.time()
        users = {self.oncall.current_fresh(s, now).user for s in self.config.schedules if s.name in names}
        return sorted(u for u in users if u)
