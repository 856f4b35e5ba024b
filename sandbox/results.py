"""What a person's action returns: the ack the app sent back and everything the
person saw because of it (ack text, response_url replies, ephemerals)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .records import Envelope
from .render import render

if TYPE_CHECKING:
    from .core import Core


class InteractionResult:
    def __init__(self, core: "Core", envelope: Envelope | None, *, user: str,
                 channel: str | None, ref: str | None, feed_start: int) -> None:
        self._core = core
        self.envelope = envelope
        self.user = user
        self.channel = channel
        self.ref = ref
        self._feed_start = feed_start
        self._errors: dict[str, Any] | None = None
        self.refused: str | None = None     # set when Slack never sent it (e.g. unknown command)

    def _settle(self) -> None:
        if self.envelope is not None:
            self.envelope.wait(self._core.settings.ack_timeout + 1.0)

    @property
    def ack(self) -> dict[str, Any] | None:
        """The ack payload ({} for an empty ack); None if the app never acked in time."""
        self._settle()
        env = self.envelope
        if env is None or env.failed or env.acked_at is None:
            return None
        return env.ack_payload or {}

    @property
    def failed(self) -> bool:
        if self.refused:
            return True
        self._settle()
        return self.envelope is None or self.envelope.failed or self.envelope.acked_at is None

    @property
    def errors(self) -> dict[str, Any] | None:
        """A view_submission's response_action=errors, keyed by input block_id."""
        self._settle()
        return self._errors

    @property
    def replies(self) -> list[dict[str, Any]]:
        with self._core.lock:
            out = []
            for rec in self._core.feed.since(self.user, self._feed_start):
                mine = self.ref is not None and rec["ref"] == self.ref
                later_ephemeral = rec["source"] in ("ephemeral", "error") and rec["ref"] is None \
                    and (self.channel is None or rec["channel"] == self.channel)
                if mine or later_ephemeral:
                    out.append(dict(rec))
            return out

    @property
    def text(self) -> str:
        with self._core.lock:
            return "\n".join(render(r, self._core.ws) for r in self.replies)

    def wait_reply(self, contains: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        """The first reply whose rendered text contains ``contains`` (any reply if None)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._core.lock:
                for rec in self.replies:
                    if contains is None or contains in render(rec, self._core.ws):
                        return rec
                seen = [render(r, self._core.ws) for r in self.replies]
            if time.monotonic() >= deadline:
                raise AssertionError(f"no reply containing {contains!r} within {timeout}s; "
                                     f"replies so far: {seen!r}")
            time.sleep(0.01)


class CommandResult(InteractionResult):
    """A slash command: ``ack`` is the immediate reply the app returned."""
