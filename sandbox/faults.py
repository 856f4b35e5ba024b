"""Failure injection: what tests switch on to see how the bot copes with a
Slack that is slow, rate limits, errors, drops links or redelivers."""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .errors import SlackError

if TYPE_CHECKING:
    from .socket_mode import SocketModeHub

_SERVER_ERROR_CODES = {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable",
                       504: "request_timeout"}


@dataclass
class _Countdown:
    kind: str              # "rate_limit" | "server_error"
    method: str | None
    times: int
    retry_after: int = 1
    status: int = 500


@dataclass
class _RateRule:
    method: str | None
    per_minute: int
    retry_after: int
    stamps: collections.deque[float]


def _matches(rule_method: str | None, method: str) -> bool:
    return rule_method is None or rule_method == method


def ratelimited(retry_after: int) -> SlackError:
    return SlackError("ratelimited", status=429, headers={"Retry-After": str(int(retry_after))})


class Faults:
    def __init__(self, hub_getter: Callable[[], "SocketModeHub"]) -> None:
        self._hub = hub_getter
        self._lock = threading.Lock()
        self._countdowns: list[_Countdown] = []
        self._rates: list[_RateRule] = []
        self._latency: list[tuple[float, str | None]] = []
        self._duplicates: dict[str, int] = {}

    # --- switches (the public API) ---------------------------------------------------
    def rate_limit(self, method: str | None = None, *, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` matching calls get HTTP 429 with Retry-After."""
        with self._lock:
            self._countdowns.append(_Countdown("rate_limit", method, times, retry_after=retry_after))

    def rate_limit_rate(self, method: str | None, per_minute: int, retry_after: int = 1) -> None:
        """Calls beyond ``per_minute`` within any 60 s window get 429."""
        with self._lock:
            self._rates.append(_RateRule(method, per_minute, retry_after, collections.deque()))

    def server_error(self, method: str | None = None, *, times: int = 1, status: int = 500) -> None:
        with self._lock:
            self._countdowns.append(_Countdown("server_error", method, times, status=status))

    def latency(self, seconds: float, method: str | None = None) -> None:
        with self._lock:
            self._latency.append((seconds, method))

    def disconnect(self, reason: str = "refresh_requested", *, link_id: int | None = None) -> None:
        """Send a Socket Mode ``disconnect`` message now on one link (an id from
        ``Sandbox.links``) or on every live link."""
        self._hub().disconnect(reason, link_id)

    def drop_connections(self, *, link_id: int | None = None) -> None:
        """Abruptly close one WebSocket or every one (no close frame)."""
        self._hub().drop(link_id)

    def duplicate_next(self, envelope_type: str = "events_api", times: int = 1) -> None:
        with self._lock:
            self._duplicates[envelope_type] = self._duplicates.get(envelope_type, 0) + times

    def clear(self) -> None:
        with self._lock:
            self._countdowns.clear()
            self._rates.clear()
            self._latency.clear()
            self._duplicates.clear()

    # --- consulted by the servers --------------------------------------------------------
    def delay_for(self, method: str) -> float:
        with self._lock:
            return sum(s for s, m in self._latency if _matches(m, method))

    def http_fault(self, method: str) -> SlackError | None:
        with self._lock:
            for rule in self._countdowns:
                if rule.times > 0 and _matches(rule.method, method):
                    rule.times -= 1
                    if rule.kind == "rate_limit":
                        return ratelimited(rule.retry_after)
                    code = _SERVER_ERROR_CODES.get(rule.status, "internal_error")
                    return SlackError(code, status=rule.status)
            now = time.monotonic()
            for rate in self._rates:
                if not _matches(rate.method, method):
                    continue
                while rate.stamps and now - rate.stamps[0] >= 60.0:
                    rate.stamps.popleft()
                if len(rate.stamps) >= rate.per_minute:
                    return ratelimited(rate.retry_after)
                rate.stamps.append(now)
        return None

    def take_duplicate(self, envelope_type: str) -> bool:
        with self._lock:
            left = self._duplicates.get(envelope_type, 0)
            if left <= 0:
                return False
            self._duplicates[envelope_type] = left - 1
            return True
