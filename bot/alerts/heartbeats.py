"""Heartbeats: a monitor pings ``/heartbeat/<source>``; no ping within the source's period raises one
alert on the source. The deadline is a timer row, so it holds across restarts and replicas.

Decided: a ping after the alert was raised resolves it (the monitor is back) and arms the deadline
again; while the alert is open no further alert is raised, and a deadline is armed only by a ping
or at start (never by the missed deadline itself), so one outage is one alert.
"""

from __future__ import annotations

from bot.alerts.model import AlertEvent
from bot.alerts.service import AlertService
from bot.clock import Clock
from bot.config import Config
from bot.durations import format_duration
from bot.logs import get_logger
from bot.work import ALERTS_AND_PAGES, Work
from kernel.alerts import AlertSource
from kernel.outbox import Timer
from storage.timers import TimerStore

log = get_logger("warroom.heartbeats")

HEARTBEAT_TIMER = "heartbeat"
MISSED_KEY = "heartbeat-missed"


class Heartbeats:
    def __init__(self, alerts: AlertService, timers: TimerStore, work: Work, clock: Clock, config: Config) -> None:
        self.alerts = alerts
        self.timers = timers
        self.work = work
        self.clock = clock
        self.config = config

    def sources(self) -> list[AlertSource]:
        return [s for s in self.config.alert_sources if s.type == "heartbeat"]

    def arm_all(self) -> None:
        """At start: every heartbeat without a deadline and without an open missed alert gets one a
        period from now (a monitor first configured, or one whose alert a person resolved)."""
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            for source in self.sources():
                assert source.period is not None
                if self.alerts.store.open_by_key(source.name, MISSED_KEY) is None:
                    self.timers.set_if_absent(HEARTBEAT_TIMER, source.name, now + source.period,
                                              {"armed_at": now})

    def ping(self, source: AlertSource) -> bool:
        """The monitor is alive: the deadline moves a period on. True when this resolved a missed alert."""
        assert source.period is not None
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            self.timers.set(HEARTBEAT_TIMER, source.name, now + source.period, {"last_ping": now})
            resolved = self.alerts.fire(source, AlertEvent(summary="", dedup_key=MISSED_KEY, resolve=True))
        return resolved is not None

    async def on_timeout(self, timer: Timer) -> None:
        source = self.config.alert_source(timer.subject)
        if source is None or source.type != "heartbeat" or source.period is None:
            return  # removed from warroom.yml since: nothing to watch
        with self.work(ALERTS_AND_PAGES):
            current = self.timers.get(HEARTBEAT_TIMER, source.name)
            if current is not None and current.due_at > self.clock.time():
                return  # a ping moved the deadline since this was claimed
            last = timer.payload.get("last_ping")
            since = f"since {format_duration(self.clock.time() - last)}" if last else "since warroom started"
            summary = f"No heartbeat from {source.name} for {format_duration(source.period)}"
            details = (f"The monitor behind {source.name} pings /heartbeat/{source.name} at least every "
                       f"{format_duration(source.period)}; it has been silent {since}. A ping resolves this alert.")
            self.alerts.fire(source, AlertEvent(summary=summary, details=details, dedup_key=MISSED_KEY,
                                                labels={"heartbeat": source.name}))
        log.warning("heartbeat.missed", source=source.name)
