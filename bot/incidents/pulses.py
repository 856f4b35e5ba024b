"""Status pulses: when an open incident has had no status update for its severity's interval,
remind the commander. Due times live in the timers table; the pulse re-reads state when it fires."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Config, Severity
from bot.effects.outbox import Effects
from kernel.outbox import Timer
from storage.incidents import IncidentStore
from storage.timers import TimerStore

PULSE = "pulse"


def subject(incident_id: int) -> str:
    return f"incident:{incident_id}"


class Pulses:
    def __init__(self, timers: TimerStore, clock: Clock) -> None:
        self.timers = timers
        self.clock = clock

    def schedule(self, incident_id: int, severity: Severity | None, *, since: float) -> None:
        """(Re)start the pulse: due one interval after ``since`` (the last update), never in the past.
        No pulses for a severity without them, nor for one the config no longer has (None)."""
        if severity is None or severity.pulse is None:
            self.timers.cancel(PULSE, subject(incident_id))
            return
        due = max(since + severity.pulse.total_seconds(), self.clock.time())
        self.timers.set(PULSE, subject(incident_id), due)

    def remind_at(self, incident_id: int, due: float) -> None:
        self.timers.set(PULSE, subject(incident_id), due)

    def stop(self, incident_id: int) -> None:
        self.timers.cancel(PULSE, subject(incident_id))


class PulseFired:
    """The timer handler: decide, from current state, whether a reminder is owed."""

    def __init__(self, store: IncidentStore, pulses: Pulses, effects: Effects, work, clock: Clock,
                 config: Config) -> None:
        self.store = store
        self.pulses = pulses
        self.effects = effects
        self.work = work
        self.clock = clock
        self.config = config

    async def __call__(self, timer: Timer) -> None:
        incident_id = int(timer.subject.split(":", 1)[1])
        now = self.clock.time()
        with self.work():
            incident = self.store.get(incident_id)
            severity = self.config.severity(incident.severity) if incident else None
            if incident is None or not incident.is_open or severity is None or severity.pulse is None:
                self.pulses.stop(incident_id)
                return
            interval = severity.pulse.total_seconds()
            owed_at = max(incident.last_update_at + interval, incident.snoozed_until or 0.0)
            if now + 0.5 < owed_at:  # an update or a snooze came after this run was planned
                self.pulses.remind_at(incident_id, owed_at)
                return
            silent_for = now - incident.last_update_at
            self.store.add_event(incident_id, at=now, actor=None, kind="pulse", data={"silent_for": silent_for})
            self.effects.post(f"incident:{incident_id}", "incident.pulse",
                              {"incident": incident_id, "silent_for": silent_for, "interval": interval, "at": now})
            # still silent after another interval: remind again
            self.pulses.remind_at(incident_id, now + interval)
