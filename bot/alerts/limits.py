"""At most ``limits.open_alerts`` open alerts per webhook source: past it, new alerts of that source are
refused (the sender hears why and retries later), while repeats and resolves still land, so the count
can come down. The source's channel hears once when a source reaches its cap."""

from __future__ import annotations

from bot.effects.outbox import Effects
from kernel.alerts import AlertSource
from storage.alerts import AlertStore


class SourceFull(Exception):
    """A new alert refused: its source already has ``limit`` open alerts."""

    def __init__(self, source: str, limit: int) -> None:
        super().__init__(f"{source} has {limit} open alerts")
        self.source = source
        self.limit = limit


class OpenAlertCap:
    def __init__(self, store: AlertStore, effects: Effects) -> None:
        self.store = store
        self.effects = effects
        # sources whose channel was told they are full, until they have room again; kept in memory,
        # so a restart in the middle of a full spell tells the channel once more
        self._announced: set[str] = set()

    def admit(self, source: AlertSource, channel: str) -> None:
        """Raise :class:`SourceFull` when ``source`` may not open another alert now."""
        limit = source.limits.open_alerts
        if self.store.count_open_keyed(source.name) < limit:
            self._announced.discard(source.name)
            return
        if source.name not in self._announced:
            self._announced.add(source.name)
            self.effects.post(f"channel:{channel}", "alerts.source_full", {"source": source.name, "limit": limit})
        raise SourceFull(source.name, limit)
