"""A unit of work: one database transaction, then wake whoever acts on what it recorded."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

from storage.database import Database


class Work:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    @contextlib.contextmanager
    def __call__(self) -> Iterator[Database]:
        outermost = not self.db.in_transaction
        with self.db.transaction() as db:
            yield db
        if outermost:
            for callback in self._after_commit:
                callback()
