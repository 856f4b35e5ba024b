"""warroom's Prometheus metrics: one registry per bot, counters fed by the places things happen.

Nothing in the domain or the Slack adapter imports prometheus_client: they call back (the Slack API
wrapper after each call, the effect runner after each effect, the alert service after alerts are
stored) and the composition root (bot/app.py) points those callbacks here.

Counters and the histogram are this process's (Prometheus sums replicas with ``sum()``); the gauges
are read from the database at scrape time, so every replica reports the same truth.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.logs import get_logger
from kernel.outbox import Effect
from storage.errors import StorageUnavailable
from storage.metrics import MetricsStore

log = get_logger("warroom.metrics")

# ``_created`` series double every counter for little use; Prometheus copes with resets by itself
disable_created_metrics()

SLACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# the surfaces that are a page reaching a person: a page's own DM, or the DM a storm's pages share
PAGE_SURFACES = ("page:", "alertdm:")
PAGE_CHANNEL = "slack"        # the only way pages go out today; email, push, SMS would add theirs


class Metrics:
    def __init__(self, store: MetricsStore, severities: Iterable[str], effect_kinds: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()
        self.alerts_received = Counter(
            "warroom_alerts_received", "Alert events stored (new alerts, repeats and resolves), by source.",
            ["source"], registry=self.registry)
        self.pages_sent = Counter(
            "warroom_pages_sent", "Pages delivered to a person (a storm's pages to one person share one DM), "
            "by channel and result.", ["channel", "result"], registry=self.registry)
        self.slack_seconds = Histogram(
            "warroom_slack_request_duration_seconds", "Time a Slack Web API call took, by method.",
            ["method"], buckets=SLACK_BUCKETS, registry=self.registry)
        self.slack_rate_limited = Counter(
            "warroom_slack_rate_limited", "Slack Web API calls answered 429 (rate limited), by method.",
            ["method"], registry=self.registry)
        self.database = DatabaseCollector(store, tuple(severities), tuple(effect_kinds))
        self.registry.register(self.database)

    def know_effect_kinds(self, kinds: Iterable[str]) -> None:
        """Every kind of effect there is, so each has its series (0 is a value; a missing series is not)."""
        self.database.effect_kinds = tuple(sorted(kinds))

    # callbacks ---------------------------------------------------------------------------------
    def slack_call(self, method: str, seconds: float, status: int | None) -> None:
        """After every Slack Web API call (``status``: the HTTP status, None when Slack was not reached)."""
        self.slack_seconds.labels(method).observe(seconds)
        if status == 429:
            self.slack_rate_limited.labels(method).inc()

    def alerts_stored(self, source: str, events: int) -> None:
        if events > 0:
            self.alerts_received.labels(source).inc(events)

    def effect_finished(self, effect: Effect, outcome: str, result: dict | None) -> None:
        """After the effect runner finished with an effect (``outcome``: done | retry | failed)."""
        surface = effect.payload.get("surface") if effect.kind == "surface.sync" else None
        if not isinstance(surface, str) or not surface.startswith(PAGE_SURFACES):
            return
        if outcome == "done" and result and result.get("posted"):
            self.pages_sent.labels(PAGE_CHANNEL, "ok").inc()   # its first post, not a later edit
        elif outcome == "failed":
            self.pages_sent.labels(PAGE_CHANNEL, "failed").inc()


class DatabaseCollector(Collector):
    """Gauges read at scrape time: open incidents by severity, effects pending and failed by kind."""

    def __init__(self, store: MetricsStore, severities: tuple[str, ...], effect_kinds: tuple[str, ...]) -> None:
        self.store = store
        self.severities = severities
        self.effect_kinds = effect_kinds

    def describe(self) -> list:
        return []   # nothing read at registration: the database is read at each scrape only

    def collect(self) -> Iterator:
        up = GaugeMetricFamily("warroom_database_up", "1 when this scrape could read the database.")
        try:
            open_incidents = self.store.open_incidents_by_severity()
            effects = self.store.effects_by_state()
        except StorageUnavailable as exc:
            log.warning("metrics.database_unavailable", error=str(exc))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        incidents = GaugeMetricFamily("warroom_incidents_open", "Open incidents, by severity.", labels=["severity"])
        for severity in _with_zeros(self.severities, open_incidents):
            incidents.add_metric([severity], open_incidents.get(severity, 0))
        yield incidents
        for state, doc in (("pending", "Effects waiting to be performed (Slack calls and the like), by kind."),
                           ("failed", "Effects given up on, among those kept (a week), by kind.")):
            family = GaugeMetricFamily(f"warroom_effects_{state}", doc, labels=["kind"])
            counts = {kind: n for (s, kind), n in effects.items() if s == state}
            for kind in _with_zeros(self.effect_kinds, counts):
                family.add_metric([kind], counts.get(kind, 0))
            yield family


def _with_zeros(known: tuple[str, ...], counted: dict[str, int]) -> list[str]:
    """Every known label value (a 0 is a value; a missing series is not), then any others counted."""
    return list(known) + sorted(k for k in counted if k not in known)

