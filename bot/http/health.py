"""Whether the database takes writes, for ``GET /healthz``: what the latest write said.

Reads keep working on a full disk, so a health check that reads says "fine" while every webhook is
answered 503. The webhook intake reports how each of its writes went; when none was made in the
last second, a probe write (one row, at most once a second) asks the database itself.
"""

from __future__ import annotations

import time
from typing import Callable

from bot.logs import get_logger

log = get_logger("warroom.http")

PROBE_INTERVAL = 1.0


class WriteHealth:
    def __init__(self, probe: Callable[[], None], *, every: float = PROBE_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.probe = probe
        self.every = every
        self.clock = clock
        self._ok = True
        self._at = float("-inf")

    def record(self, ok: bool, error: str = "-") -> None:
        """How a write just went (logged when that changes)."""
        if ok and not self._ok:
            log.info("http.database_writable")
        elif not ok and self._ok:
            log.warning("http.database_not_writable", error=error)
        self._ok = ok
        self._at = self.clock()

    def writable(self) -> bool:
        if self.clock() - self._at >= self.every:
            try:
                self.probe()
            except Exception as exc:  # whatever stops a write makes the answer "no"
                self.record(False, f"{type(exc).__name__}: {exc}")
            else:
                self.record(True)
        return self._ok
