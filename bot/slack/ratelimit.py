"""Stay under Slack's per-method rate tiers so a storm never earns a 429 in the first place."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

# Calls per minute by tier (docs: Tier 1 1+, Tier 2 20+, Tier 3 50+, Tier 4 100+).
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

METHOD_TIERS = {
    "conversations.create": 2, "conversations.setTopic": 2, "conversations.setPurpose": 2,
    "conversations.archive": 2, "conversations.list": 2, "conversations.invite": 3,
    "conversations.info": 3, "conversations.join": 3, "conversations.history": 3,
    "conversations.open": 3, "conversations.members": 4, "chat.update": 3, "chat.delete": 3,
    "chat.postEphemeral": 4, "pins.add": 2, "pins.remove": 2, "bookmarks.add": 2, "bookmarks.list": 3,
    "reactions.add": 3, "users.info": 4, "users.list": 2, "users.lookupByEmail": 3,
    "usergroups.list": 2, "usergroups.users.list": 2, "usergroups.create": 2, "usergroups.users.update": 2, "views.open": 4, "views.push": 4,
    "views.update": 4, "views.publish": 4, "dnd.info": 3,
    "files.getUploadURLExternal": 4, "files.completeUploadExternal": 4,
}
# chat.postMessage is special: about one message per second per channel, short bursts allowed.
POST_PER_SECOND_PER_CHANNEL = 1.0
POST_BURST_PER_CHANNEL = 3


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    stamp: float
    blocked_until: float = 0.0

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now

    def reserve(self, now: float) -> float:
        """Take a token; returns how long to wait before the call may go out."""
        self.refill(now)
        self.tokens -= 1.0
        wait = 0.0 if self.tokens >= 0 else -self.tokens / self.per_second
        return max(wait, self.blocked_until - now)

    def wait_without_taking(self, now: float) -> float:
        self.refill(now)
        wait = 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.per_second
        return max(wait, self.blocked_until - now)


class RateLimiter:
    """Token buckets per method (and per channel for chat.postMessage).

    Bursts are allowed up to a quarter of a minute's allowance; after that calls are spaced at
    the tier's sustained rate. ``scale`` multiplies every rate (tests and benchmarks of other
    things use a large scale so pacing never hides what they measure).
    """

    def __init__(self, scale: float = 1.0, clock=time.monotonic) -> None:
        self.scale = scale
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, key: str, per_minute: float, burst: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(burst, per_minute * self.scale / 60.0, burst, self._clock())
            self._buckets[key] = bucket
        return bucket

    def _bucket_for(self, method: str, channel: str | None) -> _Bucket | None:
        if method == "chat.postMessage":
            return self._bucket(f"post:{channel}", POST_PER_SECOND_PER_CHANNEL * 60, POST_BURST_PER_CHANNEL * self.scale)
        tier = METHOD_TIERS.get(method)
        if tier is None:
            return None
        per_minute = TIER_PER_MINUTE[tier]
        return self._bucket(method, per_minute, max(2.0, per_minute / 4.0) * self.scale)

    async def acquire(self, method: str, channel: str | None = None, *, max_wait: float | None = None) -> float:
        """Wait for a turn and take it. With ``max_wait``, a longer wait is not taken: the time to wait
        is returned instead (> 0), so the caller can come back later without holding a worker."""
        bucket = self._bucket_for(method, channel)
        if bucket is None:
            return 0.0
        now = self._clock()
        if max_wait is not None:
            wait = bucket.wait_without_taking(now)
            if wait > max_wait:
                return wait
        wait = bucket.reserve(now)
        if wait > 0:
            await asyncio.sleep(wait)
        return 0.0

    def pause(self, method: str, seconds: float, channel: str | None = None) -> None:
        """Slack said 429: nothing more for this method (or channel) until Retry-After has passed."""
        bucket = self._bucket_for(method, channel)
        if bucket is not None:
            bucket.blocked_until = max(bucket.blocked_until, self._clock() + seconds)
            bucket.tokens = min(bucket.tokens, 0.0)
