"""Webhook deliveries checked and stored one short slice at a time, with the event loop free in
between: Slack commands, /healthz and other senders never wait behind a big request.

Requests that arrive in the same turn of the loop share slices (and so commits, the expensive part
of storing an alert); each handler is woken only once all of its events are committed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Callable

from bot.alerts.intake import SLICE_BUDGET, Delivery, SlicedIntake
from bot.alerts.model import AlertEvent
from bot.alerts.payloads import iter_events


async def parse_in_slices(source_type: str, body: Any) -> list[AlertEvent]:
    """:func:`bot.alerts.payloads.parse`, pausing for the loop whenever a slice's time is spent."""
    events: list[AlertEvent] = []
    ends = time.perf_counter() + SLICE_BUDGET
    for event in iter_events(source_type, body):
        events.append(event)
        if time.perf_counter() >= ends:
            await asyncio.sleep(0)
            ends = time.perf_counter() + SLICE_BUDGET
    return events


# While another replica stores alerts, a slice tries again this soon rather than wait on the loop
# (requests keep arriving meanwhile and go in the next slice); past the patience it waits its turn.
BUSY_RETRY_SECONDS = 0.002
BUSY_PATIENCE_SECONDS = 0.05


class StoreQueue:
    def __init__(self, intake: SlicedIntake, on_write: Callable[[bool, str], None]) -> None:
        self.intake = intake
        self.on_write = on_write                  # how each slice's commit went (for /healthz)
        self._queue: deque[tuple[Delivery, asyncio.Future[None]]] = deque()
        self._scheduled = False
        self._busy_since: float | None = None     # when slices began finding another replica's under way

    async def submit(self, delivery: Delivery) -> None:
        """Returns once every event of ``delivery`` is committed; raises what stopped it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.append((delivery, future))
        self._schedule(loop)
        await future

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._slice)  # after the handlers (and I/O) that are ready this turn

    def _slice(self) -> None:
        self._scheduled = False
        waiting = [(delivery, future) for delivery, future in self._queue if not future.done()]  # done: handler gone
        if not waiting:
            self._queue.clear()
            return
        now = time.monotonic()
        patient = self._busy_since is not None and now - self._busy_since >= BUSY_PATIENCE_SECONDS
        outcome = self.intake.store_slice([delivery for delivery, _ in waiting], wait_for_others=patient)
        if outcome.busy:
            if self._busy_since is None:
                self._busy_since = now
            self._scheduled = True
            asyncio.get_running_loop().call_later(BUSY_RETRY_SECONDS, self._slice)
            return
        self._busy_since = None
        error = outcome.database_error
        self.on_write(error is None, "-" if error is None else f"{type(error).__name__}: {error}")
        failed = {id(delivery): exc for delivery, exc in outcome.failed}
        for delivery, future in waiting:
            if id(delivery) in failed:
                future.set_exception(failed[id(delivery)])
            elif delivery.finished:
                future.set_result(None)
        # the ones this slice reached go to the back, so the next slice starts with the others
        touched = {id(delivery) for delivery in outcome.touched}
        kept = [item for item in waiting if not item[1].done()]
        self._queue = deque([i for i in kept if id(i[0]) not in touched] + [i for i in kept if id(i[0]) in touched])
        if self._queue:
            self._schedule(asyncio.get_running_loop())
