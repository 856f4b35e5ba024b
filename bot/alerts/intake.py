"""Monitoring events stored a slice at a time, so one big delivery never holds the caller for long.

The bot answers Slack on the same thread that stores webhooks. A slice is one short transaction that
takes a few events from each waiting delivery in turn until its time budget is spent; the caller runs
other work between slices. A delivery is finished once its last event is committed: only then may
its sender hear "stored". When a slice fails, the deliveries it touched fail whole, though earlier
slices of them are committed: their sender sends again, and dedup keys make the repeat an update.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from bot.alerts.limits import SourceFull
from bot.alerts.model import AlertEvent
from bot.alerts.service import AlertService, FireResult
from bot.work import ALERTS_AND_PAGES
from kernel.alerts import AlertSource
from storage.errors import StorageConflict, StorageUnavailable

SLICE_BUDGET = 0.004          # seconds one slice may take (it always stores at least one event)
EVENTS_PER_TURN = 16          # events taken from one delivery before the next delivery's turn
CONFLICT_RETRIES = 3          # a slice rolled back by another writer is done again this often


@dataclass(eq=False)
class Delivery:
    """One request's events on their way to the database."""

    source: AlertSource
    events: list[AlertEvent]
    position: int = 0                     # events before this one are stored
    results: list[FireResult] = field(default_factory=list)
    refused: int = 0                      # new alerts refused at the source's open-alert cap
    refused_limit: int = 0                # that cap

    @property
    def finished(self) -> bool:
        return self.position >= len(self.events)

    def mark(self) -> tuple[int, int, int, int]:
        return self.position, len(self.results), self.refused, self.refused_limit

    def restore(self, mark: tuple[int, int, int, int]) -> None:
        """Back to ``mark``: what was stored since then was rolled back."""
        self.position, kept, self.refused, self.refused_limit = mark
        del self.results[kept:]

    @property
    def ignored(self) -> int:
        """Events that changed nothing: "resolved" for nothing open (late or repeated)."""
        return self.position - len(self.results) - self.refused


class _DeliveryFailed(Exception):
    def __init__(self, delivery: Delivery, error: Exception) -> None:
        super().__init__(str(error))
        self.delivery = delivery
        self.error = error


@dataclass
class SliceOutcome:
    touched: list[Delivery]                                  # what the slice stored from, or failed
    failed: list[tuple[Delivery, Exception]]
    database_error: StorageUnavailable | None = None   # nothing of the slice was stored


class SlicedIntake:
    def __init__(self, service: AlertService, budget: float = SLICE_BUDGET,
                 timer: Callable[[], float] = time.perf_counter) -> None:
        self.service = service
        self.budget = budget
        self.timer = timer

    def store_slice(self, deliveries: Sequence[Delivery]) -> SliceOutcome:
        """One transaction over the unfinished ``deliveries``, in order, a turn of events each, until
        the budget is spent. A delivery whose events raise fails alone: the slice is rolled back and
        done again without it (no savepoint per turn: failures are rare, round trips are not). A
        database error (locked, disk full) fails every delivery given: the database cannot take them
        now, and their senders are better off told at once."""
        began = self.timer()
        failed: list[tuple[Delivery, Exception]] = []
        conflicts = 0
        while True:
            marks = {id(d): d.mark() for d in deliveries}
            touched: list[Delivery] = []
            try:
                self._try_slice([d for d in deliveries if all(d is not f for f, _ in failed)], touched, began)
            except _DeliveryFailed as failure:
                for delivery in deliveries:
                    delivery.restore(marks[id(delivery)])
                failed.append((failure.delivery, failure.error))
                continue
            except StorageUnavailable as exc:
                if isinstance(exc, StorageConflict) and conflicts < CONFLICT_RETRIES:
                    # another writer (a command, a timer) got in the way and the slice was rolled back
                    # whole: doing it again is the cure, not a 503 that makes the sender count twice
                    conflicts += 1
                    for delivery in deliveries:
                        delivery.restore(marks[id(delivery)])
                    continue
                given = [d for d in deliveries if not d.finished or d in touched]
                return SliceOutcome(given, [(d, exc) for d in given], database_error=exc)
            return SliceOutcome(touched + [d for d, _ in failed if d not in touched], failed)

    def _try_slice(self, deliveries: list[Delivery], touched: list[Delivery], began: float) -> None:
        # one replica's intake at a time: slices from several replicas would take the same alerts'
        # keys and the same on-call person's rows in different orders, and deadlock each other
        with self.service.work(ALERTS_AND_PAGES) as db:
            waiting = [d for d in deliveries if not d.finished]
            ends = began + self.budget
            while waiting and (not touched or self.timer() < ends):
                for delivery in list(waiting):
                    if delivery not in touched:
                        touched.append(delivery)
                    try:
                        self._turn(delivery, ends)
                        db.wait()  # a statement of this delivery's that failed fails it, not the next one
                    except StorageUnavailable:
                        raise
                    except Exception as exc:
                        raise _DeliveryFailed(delivery, exc) from exc
                    if delivery.finished:
                        waiting.remove(delivery)
                    if self.timer() >= ends:
                        break

    def _turn(self, delivery: Delivery, ends: float) -> None:
        """Up to EVENTS_PER_TURN events of ``delivery``; fewer when the slice's time is up (at least one)."""
        last = min(len(delivery.events), delivery.position + EVENTS_PER_TURN)
        for event in delivery.events[delivery.position:last]:
            try:
                result = self.service.fire(delivery.source, event)
            except SourceFull as full:
                delivery.refused += 1
                delivery.refused_limit = full.limit
            else:
                if result is not None:
                    delivery.results.append(result)
            delivery.position += 1
            if self.timer() >= ends:
                return
