"""Slack-shaped identifiers and message timestamps.

Slack ids are an upper-case letter prefix followed by upper-case alphanumerics
(U…, C…, D…, T…, B…, A…, S…, V…, Bk…, Ev…). Timestamps ("ts") are
"<seconds>.<6 digits>" strings that Slack guarantees unique per channel; we make
them strictly increasing across the whole workspace, which implies that.
"""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
import uuid

_ALPHABET = string.ascii_uppercase + string.digits


class IdFactory:
    """Mints unique ids with Slack's prefixes (thread-safe)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def new(self, prefix: str, length: int = 10) -> str:
        with self._lock:
            while True:
                # Real ids start with a digit after the prefix more often than not
                # ("U07AB…"); keep that look so they read like the real thing.
                body = "0" + "".join(self._rng.choice(_ALPHABET) for _ in range(length - 1))
                ident = prefix + body
                if ident not in self._seen:
                    self._seen.add(ident)
                    return ident

    def hex(self, length: int = 32) -> str:
        return secrets.token_hex(length // 2)

    def envelope_id(self) -> str:
        return str(uuid.uuid4())


def digits(n: int) -> str:
    """``n`` random decimal digits, as in Slack's token and code numbers."""
    return "".join(secrets.choice("0123456789") for _ in range(n))


class TsClock:
    """Strictly increasing Slack timestamps ("1700000000.000100"). ``ahead`` seconds are added to
    the wall clock: a sandbox whose app's clock was moved on stamps messages at the app's time."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()
        self.ahead = 0.0

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.ahead += seconds

    def next(self) -> str:
        with self._lock:
            micros = int((time.time() + self.ahead) * 1_000_000)
            if micros <= self._last:
                micros = self._last + 1
            self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_to_float(ts: str) -> float:
    try:
        return float(ts)
    except (TypeError, ValueError):
        return -1.0


def valid_ts(ts: object) -> bool:
    if not isinstance(ts, str) or "." not in ts:
        return False
    head, _, tail = ts.partition(".")
    return head.isdigit() and tail.isdigit()
