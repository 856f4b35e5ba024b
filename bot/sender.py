"""One replica at a time sends to Slack and fires timers: the holder of the ``sender`` lease.

Every replica takes commands, events and webhooks and records what they need; the sender performs the
outbox and fires timers. One sender keeps Slack's rate tiers (per method, one message a second per
channel) as Slack counts them, for the whole app rather than per process, the way GoAlert runs one
sender under a lease. When the sender dies its lease runs out (LEASE seconds) and another replica takes
over, and with it the effects and timers the dead one had claimed, once their own claims run out.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from typing import Awaitable, Callable

from bot.clock import Clock
from bot.logs import get_logger
from storage.leases import LeaseStore

log = get_logger("warroom.sender")

NAME = "sender"
LEASE = 10.0            # seconds; renewed every third of it
Hook = Callable[[], Awaitable[None]]


def replica_id() -> str:
    """Who this process is, in claims and leases (host, pid and a little randomness: pids repeat)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Sender:
    def __init__(self, leases: LeaseStore, clock: Clock, owner: str, *, begin: Hook, end: Hook,
                 exclusive: bool, alive: Callable[[], bool] = lambda: True) -> None:
        self.leases = leases
        self.clock = clock
        self.owner = owner
        self.begin = begin          # start sending (the effect runner, the timers)
        self.end = end              # stop sending
        self.alive = alive          # what begin started is still running
        self.exclusive = exclusive  # SQLite: the instance lock already makes this the only replica
        self.is_sender = False
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self._hold()
        self._task = asyncio.create_task(self._keep(), name="sender-lease")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.is_sender:
            await self.end()
            self.is_sender = False
            try:
                self.leases.release(NAME, self.owner)
            except Exception:  # the database is away: the lease runs out by itself
                log.warning("sender.release_failed")

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(LEASE / 3)
            await self._hold()

    async def _hold(self) -> None:
        now = self.clock.time()
        try:
            if self.exclusive:
                self.leases.take(NAME, self.owner, now + LEASE)
                held = True
            else:
                held = self.leases.hold(NAME, self.owner, now, now + LEASE) is not None
        except Exception as exc:  # the database is away: stop sending before the lease could pass on
            log.warning("sender.lease_unknown", error=str(exc))
            held = False
        if held and not self.is_sender:
            self.is_sender = True
            log.info("sender.started", replica=self.owner)
            await self.begin()
        elif held and not self.alive():
            # holding the lease while nothing sends would keep every other replica from sending
            log.error("sender.restarted", replica=self.owner, reason="the effect runner or the timers had stopped")
            await self.end()
            await self.begin()
        elif not held and self.is_sender:
            self.is_sender = False
            log.warning("sender.stopped", replica=self.owner)
            await self.end()
