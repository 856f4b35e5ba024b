"""Timers whose due times live in the database and whose firing APScheduler does.

On start every timer row becomes an APScheduler job; a job re-reads its row before acting, so a
late, doubled or stale run is harmless. Domain code sets timers inside its transaction; after the
commit :meth:`TimerService.flush` plans the jobs that changed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.logs import get_logger
from kernel.outbox import Timer
from storage.timers import TimerStore

log = get_logger("warroom.timers")


TimerHandler = Callable[[Timer], Awaitable[None]]


class TimerService:
    def __init__(self, store: TimerStore, clock: Clock, handlers: dict[str, TimerHandler]) -> None:
        self.store = store
        self.clock = clock
        self.handlers = handlers
        self.scheduler: AsyncIOScheduler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.fired = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.scheduler = AsyncIOScheduler(event_loop=self._loop, timezone=timezone.utc)
        self.scheduler.start()
        self.store.take_changed()
        for timer in self.store.all():
            self._plan(timer)
        self.clock.on_change(self._replan_all_threadsafe)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    def flush(self) -> None:
        """Plan the jobs of timers changed by the last transaction."""
        if self.scheduler is None:
            self.store.take_changed()
            return
        for kind, subject in self.store.take_changed():
            timer = self.store.get(kind, subject)
            job_id = f"{kind}:{subject}"
            if timer is None:
                if self.scheduler.get_job(job_id):
                    self.scheduler.remove_job(job_id)
            else:
                self._plan(timer)

    def _plan(self, timer: Timer) -> None:
        assert self.scheduler is not None
        # Real time at which the clock (which tests may have moved) reads due_at.
        run_at = datetime.fromtimestamp(timer.due_at - self.clock.offset, tz=timezone.utc)
        self.scheduler.add_job(
            self._fire, DateTrigger(run_date=run_at, timezone=timezone.utc), args=(timer.kind, timer.subject),
            id=f"{timer.kind}:{timer.subject}", replace_existing=True, misfire_grace_time=None, coalesce=True,
        )

    def _replan_all_threadsafe(self) -> None:
        if self._loop is not None and self.scheduler is not None:
            self._loop.call_soon_threadsafe(self._replan_all)

    def _replan_all(self) -> None:
        if self.scheduler is None:
            return
        for timer in self.store.all():
            self._plan(timer)

    async def _fire(self, kind: str, subject: str) -> None:
        timer = self.store.get(kind, subject)
        if timer is None:
            return
        if timer.due_at > self.clock.time() + 0.001:  # moved later since this job was planned
            self._plan(timer)
            return
        handler = self.handlers.get(kind)
        if handler is None:
            log.error("timer.no_handler", kind=kind, subject=subject)
            return
        try:
            self.fired += 1
            await handler(timer)
        except Exception:
            log.error("timer.failed", exc_info=True, kind=kind, subject=subject)
            # try again shortly rather than lose the reminder
            retry = self.store.get(kind, subject)
            if retry is not None and retry.due_at <= timer.due_at:
                self.store.set(kind, subject, self.clock.time() + 30, retry.payload)
        self.flush()

    def pending_jobs(self) -> int:
        return len(self.scheduler.get_jobs()) if self.scheduler else 0
