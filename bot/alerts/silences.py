"""Maintenance windows (warroom.yml) and silences (/il-alert silence): while either covers a source,
its alerts are recorded and shown in their channel as usual, but nobody is paged."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.actor import Actor
from bot.alerts.model import AlertError
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.oncall.schedule_clock import inside_restrictions, naive
from bot.work import Work
from kernel.alerts import AlertSource, MaintenanceWindow
from storage.silences import Silence, SilenceStore

MAINTENANCE = "maintenance"
SILENCE = "silence"
MAX_SILENCE = timedelta(days=7)      # longer than this is a source to remove from warroom.yml


def in_window(window: MaintenanceWindow, at: float) -> bool:
    if window.weekly is None:
        return window.start is not None and window.end is not None and window.start <= at < window.end
    local = naive(datetime.fromtimestamp(at, tz=timezone.utc).astimezone(ZoneInfo(window.timezone)))
    return inside_restrictions((window.weekly,), local)


class Silences:
    def __init__(self, store: SilenceStore, config: Config, effects: Effects, work: Work, clock: Clock) -> None:
        self.store = store
        self.config = config
        self.effects = effects
        self.work = work
        self.clock = clock

    def reason(self, source: AlertSource, at: float) -> str | None:
        """Why alerts of ``source`` are not paged at ``at`` (None: they are)."""
        if any(in_window(window, at) for window in source.maintenance):
            return MAINTENANCE
        if self.store.active(source.name, at) is not None:
            return SILENCE
        return None

    def in_force(self) -> tuple[list[Silence], list[str]]:
        """The silences running now, and the sources inside one of their maintenance windows now."""
        now = self.clock.time()
        windows = [s.name for s in self.config.alert_sources if any(in_window(w, now) for w in s.maintenance)]
        return self.store.all_active(now), windows

    def _source(self, name: str) -> AlertSource:
        source = self.config.alert_source(name)
        if source is None:
            raise AlertError("no_such_source", given=name[:64],
                             sources=[s.name for s in self.config.alert_sources])
        return source

    def _may_silence(self, by: Actor) -> None:
        if self.config.person(by.user) is None and not (by.is_manager or by.is_oncall_manager):
            raise AlertError("silence_not_allowed")

    def silence(self, name: str, length: timedelta, by: Actor) -> Silence:
        """Silence the source ``name`` from now for ``length``; said in the source's channel."""
        self._may_silence(by)
        source = self._source(name)
        if length > MAX_SILENCE:
            raise AlertError("silence_too_long", days=MAX_SILENCE.days)
        now = self.clock.time()
        with self.work():
            silence_id = self.store.add(source.name, now, now + length.total_seconds(), by=by.user, at=now)
            self.effects.post(f"channel:{self._channel(source)}", "alerts.silenced",
                              {"source": source.name, "by": by.user, "end": now + length.total_seconds()})
        return Silence(silence_id, source.name, now, now + length.total_seconds(), by.user)

    def unsilence(self, name: str, by: Actor) -> int:
        self._may_silence(by)
        source = self._source(name)
        now = self.clock.time()
        with self.work():
            ended = self.store.end_now(source.name, now)
            if ended:
                self.effects.post(f"channel:{self._channel(source)}", "alerts.unsilenced",
                                  {"source": source.name, "by": by.user})
        return ended

    def _channel(self, source: AlertSource) -> str:
        return source.channel or self.config.channels.alerts
