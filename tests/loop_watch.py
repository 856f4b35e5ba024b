"""How long an asyncio loop is kept from its other work, seen from the loop itself."""

from __future__ import annotations

import asyncio
import time

BEAT = 0.005


async def record_stalls(stalls: list[float]) -> None:
    """Append, every few milliseconds, how much later than asked the loop came back (run it as a task)."""
    last = time.monotonic()
    while True:
        await asyncio.sleep(BEAT)
        now = time.monotonic()
        stalls.append(now - last - BEAT)
        last = now
