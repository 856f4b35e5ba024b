"""What the domain asks of the outside world, in its own words; the chat adapter decides how.

Nothing here talks to Slack. An effect is a row in the outbox, written in the caller's transaction;
every name used here is one of the port's (``bot.effects.port``), checked when it is recorded so a
typo fails the test that makes it, not a Slack call in production.
"""

from __future__ import annotations

from typing import Any

from bot.clock import Clock
from bot.effects.port import ALL_EFFECT_KINDS, MESSAGES, SURFACES, surface_kind
from bot.effects.replies import ReplyTo
from storage.database import RowId
from storage.outbox import OutboxStore

# How long a surface waits for more changes before it is written: ten changes in a second
# become one edit. Creation (first render) does not wait.
SURFACE_SETTLE_SECONDS = 1.0


class Effects:
    """Each method returns the effect's id (to make another depend on it), read when first used:
    see :class:`storage.database.RowId`."""

    def __init__(self, store: OutboxStore, clock: Clock, *, settle: float = SURFACE_SETTLE_SECONDS) -> None:
        self.store = store
        self.clock = clock
        self.settle = settle

    def sync(self, surface: str, *, depends_on: int | RowId | None = None, immediate: bool = False,
             delay: float | None = None) -> int | RowId:
        """Make the surface ``surface`` (e.g. ``incident:12:topic``) show current state.

        It waits ``settle`` seconds for more changes unless ``immediate``; ``delay`` overrides both.
        """
        if surface_kind(surface) not in SURFACES:
            raise ValueError(f"{surface!r} is not a surface of the chat port")
        wait = delay if delay is not None else (0.0 if immediate else self.settle)
        return self.store.add(
            "surface.sync", {"surface": surface}, lane=f"surface:{surface}", now=self.clock.time(),
            depends_on=depends_on, delay=wait, coalesce=True,
        )

    def post(self, target: str, message: str, context: dict[str, Any], *, lane: str | None = None,
             depends_on: int | RowId | None = None, delay: float = 0.0) -> int | RowId:
        """Post the message named ``message`` (rendered from templates) to ``target``:
        ``incident:<id>`` (its channel), ``config:<announcements|alerts|comms|postmortems>``,
        ``channel:<name or id>``, or ``dm:<user>``."""
        _check_message(message)
        return self.store.add(
            "message.post", {"target": target, "message": message, "context": context},
            lane=lane or f"post:{target}", now=self.clock.time(), depends_on=depends_on, delay=delay,
        )

    def reply(self, reply_to: ReplyTo | None, message: str, context: dict[str, Any], *,
              depends_on: int | RowId | None = None, lane: str | None = None,
              delay: float = 0.0) -> int | RowId | None:
        """Tell the person who asked, privately."""
        if reply_to is None:
            return None
        _check_message(message)
        return self.store.add(
            "message.reply", {"reply_to": reply_to.as_dict(), "message": message, "context": context},
            lane=lane or f"reply:{reply_to.user}", now=self.clock.time(), depends_on=depends_on, delay=delay,
        )

    def do(self, kind: str, payload: dict[str, Any], *, lane: str, depends_on: int | RowId | None = None,
           delay: float = 0.0, coalesce: bool = False) -> int | RowId:
        """``coalesce``: the effect reads current state when it runs, so one not started yet in the same
        lane already covers this one."""
        if kind not in ALL_EFFECT_KINDS:
            raise ValueError(f"{kind!r} is not an effect kind warroom knows (bot.effects.port.ALL_EFFECT_KINDS)")
        return self.store.add(kind, payload, lane=lane, now=self.clock.time(), depends_on=depends_on, delay=delay,
                              coalesce=coalesce)


def _check_message(message: str) -> None:
    if message not in MESSAGES:
        raise ValueError(f"{message!r} is not a message of the chat port")
