"""A unit of work: one SQLite transaction, then wake whoever acts on what it recorded."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import sqlite_utils

from storage.db import transaction


class Work:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    @contextlib.contextmanager
    def __call__(self) -> Iterator[sqlite_utils.Database]:
        outermost = not self.db.conn.in_transaction
        with transaction(self.db) as db:
            yield db
        if outermost:
            for callback in self._after_commit:
                callback()
