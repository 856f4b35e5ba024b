"""A slice's repeats of open alerts, kept until they are written together (see bot.alerts.intake)."""

from __future__ import annotations

from storage.alerts import Repeat


class RepeatTally:
    """Repeats of open alerts, kept until :meth:`AlertService.count_repeats` writes them together: a
    statement per repeat cost more than the repeat."""

    def __init__(self) -> None:
        self._by_alert: dict[int, Repeat] = {}

    def add(self, alert_id: int, summary: str, details: str, labels: dict) -> None:
        earlier = self._by_alert.pop(alert_id, None)   # the last firing's texts; the count adds up
        self._by_alert[alert_id] = Repeat(alert_id, summary, details, labels, 1 + (earlier.count if earlier else 0))

    def holds(self, alert_id: int) -> bool:
        return alert_id in self._by_alert

    def take(self) -> list[Repeat]:
        repeats, self._by_alert = list(self._by_alert.values()), {}
        return repeats
