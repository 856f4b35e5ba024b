"""Which live Socket Mode link gets an envelope.

Slack lets an app hold up to 10 links and hands each envelope to one of them,
spread across them; a retry of an unacked event may land on another link
(slack-platform.md §1.6). The sandbox spreads round-robin by default, or at
random from a seed, and a test may fix the link(s) for the next envelope.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import Protocol, Sequence, TypeVar

POLICIES = ("round_robin", "random")


class HasId(Protocol):
    @property
    def id(self) -> int: ...


L = TypeVar("L", bound=HasId)


@dataclass(frozen=True)
class Route:
    envelope_type: str | None      # None: whatever envelope comes next
    link_ids: tuple[int, ...]


class LinkChooser:
    """Picks a link per envelope (thread-safe: tests set routes from their thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.policy = "round_robin"
        self._rng = random.Random(0)
        self._last_id = 0
        self._routes: deque[Route] = deque()

    def spread(self, policy: str, seed: int | None = None) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown spread policy {policy!r}: use one of {', '.join(POLICIES)}")
        with self._lock:
            self.policy = policy
            self._rng = random.Random(seed if seed is not None else 0)
            self._last_id = 0

    def route_next(self, link_ids: Sequence[int], envelope_type: str | None) -> None:
        if not link_ids:
            raise ValueError("route_next needs at least one link id (see Sandbox.links)")
        if len(link_ids) > 1 and envelope_type != "events_api":
            raise ValueError("Slack redelivers only events: route a command or an interaction "
                             "to one link, or pass envelope_type='events_api'")
        with self._lock:
            self._routes.append(Route(envelope_type, tuple(link_ids)))

    def take_route(self, envelope_type: str) -> tuple[int, ...] | None:
        """The link ids fixed for this envelope, consumed; None to use the policy."""
        with self._lock:
            for route in self._routes:
                if route.envelope_type in (None, envelope_type):
                    self._routes.remove(route)
                    return route.link_ids
        return None

    def clear_routes(self) -> None:
        with self._lock:
            self._routes.clear()

    def choose(self, candidates: Sequence[L], *, avoid: int | None = None) -> L | None:
        """One of ``candidates`` by the policy; ``avoid`` (the link a retry failed on)
        only when it is the only one left."""
        pool = [c for c in candidates if c.id != avoid] or list(candidates)
        if not pool:
            return None
        with self._lock:
            if self.policy == "random":
                return self._rng.choice(pool)
            # Round-robin by link id, so links coming and going don't reset the turn.
            ordered = sorted(pool, key=lambda c: c.id)
            chosen = next((c for c in ordered if c.id > self._last_id), ordered[0])
            self._last_id = chosen.id
            return chosen
