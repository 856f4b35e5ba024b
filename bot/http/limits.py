"""What the webhook intake allows a connection and a source, in one place (the README's Security
section lists the same numbers)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

from kernel.alerts import AlertSource

MAX_BODY = 1024 * 1024           # bytes; Alertmanager's largest groups are a few hundred kB
HEAD_TIMEOUT = 10.0              # seconds from connecting until the request line and headers are in
BODY_TIMEOUT = 10.0              # seconds to receive a body: a sender that trickles is cut off
KEEPALIVE_TIMEOUT = 15.0         # seconds an idle keep-alive connection is kept for its next request
LINGER_TIMEOUT = 2.0             # seconds a body nobody will read (a refused request) is drained
MAX_CONNECTIONS = 512            # open at once, and never more than half the open-files limit
BACKLOG = 128                    # connections the kernel queues before warroom accepts them
RETRY_AFTER_BUSY = 5             # seconds, when the database is busy
RETRY_AFTER_FULL = 60            # seconds, when a source is at its cap of open alerts
SHUTDOWN_TIMEOUT = 5.0           # seconds stop() waits for requests in flight


def connection_limit(open_files: int) -> int:
    """Half of the file descriptors for webhook connections at most: the other half stays for Slack
    (Socket Mode, Web API calls), the database and the rest, whatever the webhook side does."""
    return max(8, min(MAX_CONNECTIONS, open_files // 2))


@dataclass(frozen=True)
class ConnectionLimits:
    """The deadlines and the cap above, as one value a test can shorten."""

    head_timeout: float = HEAD_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    keepalive_timeout: float = KEEPALIVE_TIMEOUT
    max_connections: int | None = None     # None: connection_limit() of the open-files limit at start


class TokenBucket:
    """``rate`` tokens a second up to ``burst``. A request is let in while any token is left and is
    then charged for all its events, even into debt: no request is ever too big to get in, and the
    debt keeps the source out until the rate has paid for it."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self._at = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def admit(self) -> int:
        """0 and one token taken when a request may come in; else whole seconds until one may."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return max(1, math.ceil((1 - self.tokens) / self.rate))

    def charge(self, tokens: float) -> None:
        self._refill()
        self.tokens -= tokens


class SourceRates:
    """One bucket of events per webhook source, sized by its ``limits`` in warroom.yml."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, source: AlertSource) -> TokenBucket:
        bucket = self._buckets.get(source.name)
        if bucket is None:
            limits = source.limits
            bucket = self._buckets[source.name] = TokenBucket(limits.alerts_per_second, limits.burst, self.clock)
        return bucket
