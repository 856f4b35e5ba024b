"""What the sandbox saw: every Web API call and every Socket Mode envelope.

Tests count and time these, so they carry a shared sequence number: ``mark()``
returns the next number and ``*_since(mark)`` filters by it for calls and
envelopes alike.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token_kind: str | None          # "bot", "app", None (missing/invalid)
    started: float                  # time.monotonic()
    seq: int
    http_status: int = 0
    ok: bool = False
    error: str | None = None
    duration: float = 0.0

    def finish(self, status: int, ok: bool, error: str | None) -> None:
        self.http_status = status
        self.ok = ok
        self.error = error
        self.duration = time.monotonic() - self.started


@dataclass(eq=False)      # identity, not payload equality: each delivery is its own
class Envelope:
    type: str                       # slash_commands | interactive | events_api
    envelope_id: str
    payload: dict[str, Any]
    seq: int = 0
    accepts_response_payload: bool = False
    retry_attempt: int = 0
    retry_reason: str = ""
    created_at: float = field(default_factory=time.monotonic)
    sent_at: float | None = None
    acked_at: float | None = None
    ack_payload: dict[str, Any] | None = None
    ack_latency: float | None = None
    failed: bool = False
    failure: str = ""
    link_id: int | None = None      # the link it was sent on
    ack_link_id: int | None = None  # the link its ack came back on
    late_ack: bool = False
    # Producer hooks, run in the server loop with the state lock held.
    on_ack: Callable[["Envelope", dict[str, Any]], None] | None = field(default=None, repr=False)
    on_fail: Callable[["Envelope", str], None] | None = field(default=None, repr=False)
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def payload_type(self) -> str:
        """The inner type: command name, interactive type or event type."""
        if self.type == "slash_commands":
            return str(self.payload.get("command", ""))
        if self.type == "events_api":
            return str(self.payload.get("event", {}).get("type", ""))
        return str(self.payload.get("type", ""))

    def wire(self) -> dict[str, Any]:
        """The JSON frame sent over the WebSocket."""
        frame: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            frame["retry_attempt"] = self.retry_attempt
            frame["retry_reason"] = self.retry_reason
        return frame

    def clone_for_retry(self, envelope_id: str, attempt: int, reason: str) -> "Envelope":
        return Envelope(type=self.type, envelope_id=envelope_id, payload=copy.deepcopy(self.payload),
                        accepts_response_payload=self.accepts_response_payload,
                        retry_attempt=attempt, retry_reason=reason,
                        on_ack=self.on_ack, on_fail=self.on_fail)

    def wait(self, timeout: float) -> bool:
        """Block until acked or failed; True when it was resolved in time."""
        return self.done.wait(timeout)


class Recorder:
    """Append-only logs of calls and envelopes (thread-safe)."""

    def __init__(self) -> None:
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self.envelopes: list[Envelope] = []
        self.rate_limited = 0

    def next_seq(self) -> int:
        with self._lock:
            return next(self._seq)

    def mark(self) -> int:
        return self.next_seq()

    def begin_call(self, method: str, params: dict[str, Any], token_kind: str | None) -> Call:
        call = Call(method=method, params=params, token_kind=token_kind,
                    started=time.monotonic(), seq=self.next_seq())
        with self._lock:
            self.calls.append(call)
        return call

    def add_envelope(self, env: Envelope) -> None:
        env.seq = self.next_seq()
        with self._lock:
            self.envelopes.append(env)

    def calls_since(self, mark: int) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.seq >= mark]

    def envelopes_since(self, mark: int) -> list[Envelope]:
        with self._lock:
            return [e for e in self.envelopes if e.seq >= mark]
