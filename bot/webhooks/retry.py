"""When a webhook delivery is tried again, and when it is given up: pure rules, tested on their own.

Decided: every answer but a 2xx is a failure (redirects are not followed: the URL is configured, not
discovered). 408, 425, 429 and 5xx, a refused connection or a timeout are passing: retried with
exponential backoff from 5 s, doubling to at most 15 minutes, for 25 hours after the first attempt (a
receiver down for an hour gets everything within about 15 minutes of coming back; one down for a day
still loses nothing). Any other 4xx and 3xx means the receiver refuses this delivery as sent: after its
third such answer (a receiver mid-deploy answers 404 for a moment) it is given up and logged, and the
next delivery in its lane goes.
"""

from __future__ import annotations

import random

FIRST_DELAY = 5.0
MAX_DELAY = 900.0
RETRY_FOR = 25 * 3600.0
REFUSED_ATTEMPTS = 3
MAX_RETRY_AFTER = 3600.0
PASSING_STATUSES = frozenset({408, 425, 429})


def is_passing(status: int | None) -> bool:
    """A failure worth waiting out: no answer, a timeout, throttling or the receiver's own error."""
    return status is None or status in PASSING_STATUSES or status >= 500


def delay_after(attempts: int, *, retry_after: float | None = None, jitter: float | None = None) -> float:
    """Seconds before the next attempt, after ``attempts`` failed ones; ``retry_after`` (the receiver's
    Retry-After) is honoured up to an hour. ``jitter`` in [0, 1) spreads lanes retrying together (±10%)."""
    base = min(MAX_DELAY, FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 20))
    spread = random.random() if jitter is None else jitter
    delay = base * (0.9 + 0.2 * spread)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def gives_up(statuses: list[int | None], first_attempt_at: float, now: float) -> bool:
    """After the failed attempts that answered ``statuses`` (oldest first, this one last): stop trying?"""
    if not is_passing(statuses[-1]):
        return sum(1 for s in statuses if not is_passing(s)) >= REFUSED_ATTEMPTS
    return now - first_attempt_at >= RETRY_FOR
