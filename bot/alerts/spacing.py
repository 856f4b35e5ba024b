"""How long a new alert message waits so a channel gets at most one about every ``interval`` seconds.

Measured on the monotonic clock: the wall clock can be stepped (NTP, a person fixing the time), and
spacing by stored wall-clock times once held a post an hour after the clock went back an hour. After
a restart only the stored time of the last post is known; whatever it says, the wait is never longer
than the interval.
"""

from __future__ import annotations

import time
from typing import Callable


class PostSpacing:
    def __init__(self, interval: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self._due: dict[str, float] = {}     # channel -> monotonic time its latest message was due

    def wait(self, channel: str, last_posted_at: float | None, now: float) -> float:
        """Seconds the next message in ``channel`` waits; ``last_posted_at`` and ``now`` are wall-clock
        times, used only when this process has not posted there yet."""
        mono = self.monotonic()
        previous = self._due.get(channel)
        if previous is not None:
            wait = previous + self.interval - mono
        elif last_posted_at is not None:
            wait = last_posted_at + self.interval - now
        else:
            wait = 0.0
        wait = min(self.interval, max(0.0, wait))
        self._due[channel] = mono + wait
        return wait
