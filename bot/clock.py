""""Now", injectable: production reads the system clock, tests move an offset instead of sleeping."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


class Clock:
    """Wall-clock time plus an offset that only tests ever change.

    Timers are scheduled on real time at ``due - offset``, so advancing the offset makes
    APScheduler fire exactly the jobs that are now due, through the production code path.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._skew = 0.0            # the database's clock minus this host's (replicas agree on "now")
        self._lock = threading.Lock()
        self._listeners: list = []

    def time(self) -> float:
        """Seconds since the epoch, as the bot sees it."""
        return time.time() + self._skew + self._offset

    def follow(self, reference_now: float, sent_at: float, received_at: float) -> None:
        """Take ``reference_now`` (the database's time, asked at ``sent_at`` and answered at
        ``received_at`` by this host's clock) as the time: due times then mean the same on every replica."""
        self._skew = reference_now - (sent_at + received_at) / 2

    def monotonic(self) -> float:
        """For spacing and deadlines: never steps back when the wall clock is set; tests move it too."""
        return time.monotonic() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, delta: timedelta | float) -> None:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        with self._lock:
            self._offset += seconds
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def on_change(self, listener) -> None:
        """Called (from the advancing thread) after the offset moves; the timer service re-plans."""
        with self._lock:
            self._listeners.append(listener)
