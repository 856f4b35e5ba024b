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
from bot.alerts.repeats import RepeatTally
from bot.alerts.service import AlertService, FireResult
from bot.work import ALERTS_AND_PAGES
from kernel.alerts import Alert, AlertSource
from storage.errors import StorageConflict, StorageUnavailable

SLICE_BUDGET = 0.004          # seconds one slice may take (it always stores at least one event)
EVENTS_PER_TURN = 16          # events taken from one delivery before the next delivery's turn
CONFLICT_RETRIES = 3          # a slice rolled back by another writer is done again this often
KEYS_READ_AHEAD = 196         # at most this many keys are looked up at a slice's start; fewer when the
                              # last slice stored fewer events (reading an alert costs; one it does not
                              # reach is read for nothing, and a repeat not read ahead waits alone)
KEYS_READ_AHEAD_LEAST = 16


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


class _Busy(Exception):
    """Another transaction holds the alerts and pages: this slice did nothing."""


class _NotCareful(Exception):
    """A quick slice failed in a way it cannot pin on one delivery: it is done again, carefully."""


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
    busy: bool = False          # another replica's intake had the alerts: nothing done, try again soon


class SlicedIntake:
    def __init__(self, service: AlertService, budget: float = SLICE_BUDGET,
                 timer: Callable[[], float] = time.perf_counter) -> None:
        self.service = service
        self.budget = budget
        self.timer = timer
        self.read_ahead = KEYS_READ_AHEAD_LEAST    # keys to read ahead: twice what the last slice stored

    def store_slice(self, deliveries: Sequence[Delivery], *, wait_for_others: bool = True) -> SliceOutcome:
        """One transaction over the unfinished ``deliveries``, in order, a turn of events each, until
        the budget is spent. A delivery whose events raise fails alone: the slice is rolled back and
        done again without it (no savepoint per turn: failures are rare, round trips are not). A
        database error (locked, disk full) fails every delivery given: the database cannot take them
        now, and their senders are better off told at once. Unless ``wait_for_others``, a slice that
        finds another replica's intake under way does nothing and says it was ``busy``: its caller
        takes more requests meanwhile, and the next slice stores them together."""
        began = self.timer()
        failed: list[tuple[Delivery, Exception]] = []
        conflicts = 0
        careful = False
        while True:
            marks = {id(d): d.mark() for d in deliveries}
            touched: list[Delivery] = []
            try:
                self._try_slice([d for d in deliveries if all(d is not f for f, _ in failed)], touched, began,
                                careful, wait_for_others)
            except _Busy:
                return SliceOutcome([], [], busy=True)
            except _NotCareful:
                # something failed where the quick slice could not tell whose it was: again, carefully
                for delivery in deliveries:
                    delivery.restore(marks[id(delivery)])
                careful = True
                continue
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
            stored = sum(d.position - marks[id(d)][0] for d in deliveries)
            self.read_ahead = max(KEYS_READ_AHEAD_LEAST, min(KEYS_READ_AHEAD, 2 * stored))
            return SliceOutcome(touched + [d for d, _ in failed if d not in touched], failed)

    def _try_slice(self, deliveries: list[Delivery], touched: list[Delivery], began: float, careful: bool,
                   wait_for_others: bool) -> None:
        """Quick (``careful`` False): the open alerts the first turns' keys name are read together at the
        start, a repeat of one is counted without a wait, and the database is waited for once at the
        end, so a slice costs a few round trips, not two per delivery; a failure then is not pinned on
        anyone (:class:`_NotCareful`). Careful: each delivery's turn is waited for, and what fails is
        that delivery's."""
        try:
            self._slice_in_transaction(deliveries, touched, began, careful, wait_for_others)
        except (StorageUnavailable, _Busy, _DeliveryFailed, _NotCareful):
            raise
        except Exception as exc:   # a statement's error, brought by the last wait or the COMMIT's answer
            if careful:
                raise
            raise _NotCareful() from exc

    def _slice_in_transaction(self, deliveries: list[Delivery], touched: list[Delivery], began: float,
                              careful: bool, wait_for_others: bool) -> None:
        with self.service.work() as db:
            # one replica's intake at a time: slices from several replicas would take the same alerts'
            # keys and the same on-call person's rows in different orders, and deadlock each other
            holds = None
            if wait_for_others:
                db.serialize(ALERTS_AND_PAGES)
            else:
                holds = db.try_serialize(ALERTS_AND_PAGES)
            waiting = [d for d in deliveries if not d.finished]
            read_open = None if careful else self._open_alerts(waiting)   # asked with the lock: one wait
            if holds is not None and not holds():
                raise _Busy()
            slice_ = _Slice(open_alerts=read_open() if read_open else {})
            ends = began + self.budget
            while waiting and (not touched or self.timer() < ends):
                for delivery in list(waiting):
                    if delivery not in touched:
                        touched.append(delivery)
                    try:
                        self._turn(delivery, ends, slice_)
                        if careful:
                            db.wait()  # a statement of this delivery's that failed fails it, not the next one
                    except StorageUnavailable:
                        raise
                    except Exception as exc:
                        raise (_DeliveryFailed(delivery, exc) if careful else _NotCareful()) from exc
                    if delivery.finished:
                        waiting.remove(delivery)
                    if self.timer() >= ends:
                        break
            slice_.count_repeats(self.service)
            if slice_.checks:
                db.wait()
                if not all(check() for check in slice_.checks):
                    raise _NotCareful()   # an alert read as open was not (it cannot be, under the lock)

    def _open_alerts(self, waiting: list[Delivery]) -> Callable[[], dict[tuple[str, str], Alert]]:
        """The open alerts under the keys of the first turns' events, asked now and read when called."""
        keys: dict[str, dict[str, None]] = {}     # by source, in the order the slice comes to them
        sources = {}
        wanted = self.read_ahead
        for delivery in waiting:
            last = min(len(delivery.events), delivery.position + EVENTS_PER_TURN)
            for event in delivery.events[delivery.position:last]:
                if event.dedup_key and not event.resolve and wanted > 0:
                    names = keys.setdefault(delivery.source.name, {})
                    if event.dedup_key not in names:
                        names[event.dedup_key] = None
                        wanted -= 1
                    sources[delivery.source.name] = delivery.source
        reads = [(name, self.service.open_alerts_later(sources[name], list(names))) for name, names in keys.items()]
        return lambda: {(name, key): alert for name, read in reads for key, alert in read().items()}

    def _turn(self, delivery: Delivery, ends: float, slice_: "_Slice") -> None:
        """Up to EVENTS_PER_TURN events of ``delivery``; fewer when the slice's time is up (at least one)."""
        last = min(len(delivery.events), delivery.position + EVENTS_PER_TURN)
        for event in delivery.events[delivery.position:last]:
            key = (delivery.source.name, event.dedup_key or "")
            alert = slice_.open_alerts.get(key) if event.dedup_key and not event.resolve else None
            try:
                if alert is not None:
                    result = self.service.fire_repeat(delivery.source, event, alert, slice_.repeats)
                    slice_.open_alerts[key] = result.alert
                else:
                    earlier = slice_.open_alerts.pop(key, None)   # a resolve or a new alert: what was read is old now
                    if earlier is not None and slice_.repeats.holds(earlier.id):
                        # its repeats so far are written first: the resolve reads and closes the counted alert
                        slice_.count_repeats(self.service)
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


@dataclass
class _Slice:
    open_alerts: dict[tuple[str, str], Alert]            # read at the start, kept as the slice counts repeats
    repeats: RepeatTally = field(default_factory=RepeatTally)        # written together at the end
    checks: list[Callable[[], bool]] = field(default_factory=list)   # were the counted alerts all open?

    def count_repeats(self, service: AlertService) -> None:
        check = service.count_repeats(self.repeats)
        if check is not None:
            self.checks.append(check)
