"""Slack's rate tiers, enforced only when ``Sandbox.strict_rate_limits`` is on.

Per-minute figures are the documented tier floors (slack-platform.md §3.2):
T1 1+, T2 20+, T3 50+, T4 100+; Slack lets short bursts through, which a token
bucket of one minute's allowance models. chat.postMessage is "about 1 per
second per channel, bursts allowed".
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
SPECIAL_PER_MINUTE = 600            # auth.test, chat.getPermalink ("~600/min")
POST_PER_CHANNEL_PER_SECOND = 1.0
POST_BURST = 4

METHOD_TIERS: dict[str, int | str] = {
    "auth.test": "special", "chat.getPermalink": "special", "chat.postMessage": "post",
    "apps.connections.open": "exempt",   # SDK clients open twice per reconnect; see report
    "conversations.create": 2, "conversations.setTopic": 2, "conversations.setPurpose": 2,
    "conversations.archive": 2, "conversations.unarchive": 2, "conversations.list": 2,
    "conversations.invite": 3, "conversations.info": 3, "conversations.join": 3,
    "conversations.history": 3, "conversations.replies": 3, "conversations.open": 3,
    "conversations.kick": 3, "conversations.leave": 3, "conversations.members": 4,
    "chat.postEphemeral": 4, "chat.update": 3, "chat.delete": 3,
    "pins.add": 2, "pins.remove": 2, "pins.list": 2,
    "bookmarks.add": 2, "bookmarks.edit": 2, "bookmarks.remove": 2, "bookmarks.list": 3,
    "views.open": 4, "views.push": 4, "views.update": 4, "views.publish": 4,
    "users.info": 4, "users.list": 2, "users.lookupByEmail": 3,
    "usergroups.list": 2, "usergroups.users.list": 2, "usergroups.create": 2, "usergroups.users.update": 2,
    "reactions.add": 3, "reactions.remove": 2, "reactions.get": 3,
    "openid.connect.token": 4, "openid.connect.userInfo": 3,
    "dnd.info": 3,
    "files.getUploadURLExternal": 4, "files.completeUploadExternal": 4,
}


class _Bucket:
    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.rate = per_second
        self.tokens = capacity
        self.stamp = time.monotonic()

    def take(self) -> int | None:
        """None when allowed, else whole seconds until a token is back."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


class RateLimiter:
    def __init__(self) -> None:
        self.enabled = False
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: tuple[str, str], per_minute: float, burst: float | None = None
                ) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(burst or per_minute, per_minute / 60.0)
            self._buckets[key] = bucket
        return bucket

    def check(self, method: str, params: dict[str, Any]) -> int | None:
        """Retry-After seconds when this call is over its tier, else None."""
        if not self.enabled:
            return None
        tier = METHOD_TIERS.get(method, 3)
        if tier == "exempt":
            return None
        with self._lock:
            if tier == "post":
                channel = str(params.get("channel", ""))
                return self._bucket(("post", channel), POST_PER_CHANNEL_PER_SECOND * 60,
                                    POST_BURST).take()
            per_minute = SPECIAL_PER_MINUTE if tier == "special" else TIER_PER_MINUTE[int(tier)]
            return self._bucket((method, ""), per_minute).take()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
