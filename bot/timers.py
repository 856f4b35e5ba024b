"""Timers whose due times live in the database; one APScheduler job wakes the service when the next
one falls due.

Only the sender (the replica holding the send lease) fires timers. It claims the due ones for a while,
fires each in its own transaction (a handler re-reads state, so a late or doubled run is harmless),
then deletes it, unless the handler planned it again. A hundred thousand pending timers are rows, not
scheduler jobs: they cost neither memory nor start-up time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.logs import get_logger
from kernel.outbox import Timer
from storage.errors import StorageUnavailable
from storage.timers import TimerStore

log = get_logger("warroom.timers")

TimerHandler = Callable[[Timer], Awaitable[None]]
LEASE = 30.0            # seconds a claimed timer is ours to fire
BATCH = 200             # timers fired per wake-up before the loop gets a turn
IDLE_WAKE = 5.0         # look again at least this often (another replica may have planned one)
RETRY_AFTER = 30.0      # a handler that failed tries again this much later


class TimerService:
    JOB = "warroom-timers"

    def __init__(self, store: TimerStore, clock: Clock, handlers: dict[str, TimerHandler], owner: str) -> None:
        self.store = store
        self.clock = clock
        self.handlers = handlers
        self.owner = owner
        self.scheduler: AsyncIOScheduler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._firing = False
        self._ticking: asyncio.Task[None] | None = None
        self._wake_at: float | None = None    # when the one job runs (time.time())
        self.fired = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.scheduler = AsyncIOScheduler(event_loop=self._loop, timezone=timezone.utc)
        self.scheduler.start()
        self.clock.on_change(self.wake_threadsafe)
        self._plan(0.0)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    def flush(self) -> None:
        """After a commit: a timer was (re)planned; wake for it if it falls due before the next wake-up.
        A pulse planned for later costs no look at the database now (on PostgreSQL, three round trips
        on the loop that answers the commands still waiting for their ack)."""
        soonest = self.store.take_soonest()
        if soonest is None or self.scheduler is None:
            return
        delay = max(0.0, soonest - self.clock.time())
        if self._wake_at is None or time.time() + delay < self._wake_at:
            self._plan(delay)

    def wake_threadsafe(self) -> None:
        if self._loop is not None and self.scheduler is not None:
            self._loop.call_soon_threadsafe(self._plan, 0.0)

    def _plan(self, delay: float) -> None:
        """Wake in ``delay`` seconds of real time (the one job is replaced, never added to)."""
        if self.scheduler is None or self._firing:
            return  # a tick under way plans the next wake-up itself when it ends, from the database
        self._wake_at = time.time() + max(0.0, delay)
        run_at = datetime.fromtimestamp(self._wake_at, tz=timezone.utc)
        self.scheduler.add_job(self._start_tick, DateTrigger(run_date=run_at, timezone=timezone.utc), id=self.JOB,
                               replace_existing=True, misfire_grace_time=None, coalesce=True)

    async def _start_tick(self) -> None:
        """The job itself ends at once: a tick that plans its successor must not find the job still
        running (APScheduler would skip that run and, for a one-off trigger, drop it)."""
        if self._loop is not None:
            self._ticking = self._loop.create_task(self._tick())  # held: the loop keeps only a weak reference

    async def _tick(self) -> None:
        if self._firing:
            return
        self._firing = True
        wait = IDLE_WAKE  # whatever fails below, the service wakes again
        try:
            if await self._fire_due() >= BATCH:
                wait = 0.0  # more are due: carry on after the loop had its turn
            else:
                next_due = self.store.next_due()
                if next_due is not None:
                    wait = min(IDLE_WAKE, next_due - self.clock.time())
        except StorageUnavailable as exc:
            log.warning("timers.database_unavailable", error=str(exc))
        finally:
            self._firing = False
            self._plan(max(0.0, wait))

    async def _fire_due(self) -> int:
        now = self.clock.time()
        timers = self.store.claim_due(now, self.owner, now + LEASE, BATCH)
        for timer in timers:
            await self._fire(timer)
            await asyncio.sleep(0)  # acks go first between timers
        return len(timers)

    async def _fire(self, timer: Timer) -> None:
        handler = self.handlers.get(timer.kind)
        if handler is None:
            log.error("timer.no_handler", kind=timer.kind, subject=timer.subject)
            self.store.fired(timer, self.owner)
            return
        try:
            self.fired += 1
            await handler(timer)
            self.store.fired(timer, self.owner)
        except Exception:
            log.error("timer.failed", exc_info=True, kind=timer.kind, subject=timer.subject)
            try:
                self.store.retry_at(timer, self.owner, self.clock.time() + RETRY_AFTER)
            except StorageUnavailable:
                pass  # the claim runs out and the timer is fired again then

    def pending(self) -> int:
        return self.store.count()
