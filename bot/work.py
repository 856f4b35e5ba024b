"""A unit of work: one database transaction, then wake whoever acts on what it recorded."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

from storage.database import Database


# Alert and page rows are written by the webhook intake on every replica and by people's clicks and
# escalation timers; each such unit of work serializes on this name first (PostgreSQL: an advisory lock),
# so two of them never take the same rows in different orders and deadlock.
ALERTS_AND_PAGES = "alerts-and-pages"


class Work:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    @contextlib.contextmanager
    def __call__(self, serialize: str | None = None) -> Iterator[Database]:
        """``serialize``: a name other units of work touching the same rows serialize on, taken first."""
        outermost = not self.db.in_transaction
        with self.db.transaction() as db:
            if serialize is not None:
                db.serialize(serialize)
            yield db
        if outermost:
            for callback in self._after_commit:
                callback()
