"""What every store talks to: one connection, SQL written once for both engines.

Stores write ``?`` placeholders, ``RETURNING``, ``ON CONFLICT`` and plain SQL both SQLite and
PostgreSQL understand; an engine (storage/sqlite.py, storage/postgres.py) runs it, owns transactions
and savepoints, and turns its driver's "cannot take this now" into :class:`StorageUnavailable`, so
nothing above storage knows which engine it is on.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Protocol, Sequence


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> tuple | None: ...
    def fetchall(self) -> list[tuple]: ...


class Database:
    engine = "?"
    # after a row lock, how to skip rows another replica holds (PostgreSQL); nothing on SQLite, where
    # one writer at a time is the rule anyway
    skip_locked = ""

    # statements (each engine runs them) ----------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return row[0] if row else None

    def insert(self, table: str, fields: dict[str, Any], *, on_conflict_ignore: bool = False) -> int | None:
        """Insert one row and return its id; with ``on_conflict_ignore``, None when a unique key already had it."""
        row = self.insert_returning(table, fields, "id", on_conflict_ignore=on_conflict_ignore)
        return int(row[0]) if row else None

    def insert_returning(self, table: str, fields: dict[str, Any], returning: str, *,
                         on_conflict_ignore: bool = False) -> tuple | None:
        """Insert one row and return its ``returning`` columns as stored (defaults filled in) in the
        same round trip; with ``on_conflict_ignore``, None when a unique key already had it."""
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        conflict = " ON CONFLICT DO NOTHING" if on_conflict_ignore else ""
        return self.one(f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict} RETURNING {returning}",
                        tuple(fields.values()))

    def update(self, table: str, row_id: int, fields: dict[str, Any]) -> None:
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*fields.values(), row_id))

    # transactions ------------------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Database"]:
        """One atomic unit of work: state, timeline and outbox rows commit together or not at all.
        Nested use joins the outer transaction."""
        if self.in_transaction:
            yield self
            return
        self._begin()
        try:
            yield self
        except BaseException:
            self._rollback()
            raise
        try:
            self._commit()
        except BaseException:
            # a COMMIT that fails (disk full, connection lost) can leave the transaction open, and every
            # later unit of work would join it and never commit: end it here
            self._rollback()
            raise

    @contextlib.contextmanager
    def savepoint(self, name: str = "item") -> Iterator[None]:
        """Part of a larger transaction that can fail alone (one request in a group commit)."""
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._quietly(f"ROLLBACK TO SAVEPOINT {name}")
            self._quietly(f"RELEASE SAVEPOINT {name}")
            raise
        self.execute(f"RELEASE SAVEPOINT {name}")

    def _quietly(self, sql: str) -> None:
        raise NotImplementedError

    # about the database ------------------------------------------------------------------------
    def table_names(self) -> list[str]:
        raise NotImplementedError

    def schema_version(self) -> int:
        if "schema_migrations" not in self.table_names():
            return 0
        return int(self.scalar("SELECT max(version) FROM schema_migrations") or 0)

    def now(self) -> float:
        """Seconds since the epoch by the database's clock, so replicas with skewed clocks agree."""
        raise NotImplementedError

    def serialize(self, name: str) -> None:
        """Until this transaction ends, no other transaction that serializes on ``name`` runs
        (PostgreSQL: an advisory lock). Nothing on SQLite, where one writer at a time is the rule."""

    def notify(self, channel: str) -> None:
        """Once this transaction commits, wake whoever ``listen``s on ``channel`` (other replicas).
        Nothing on SQLite: one process holds the database, and it wakes itself."""

    def listen(self, channel: str, callback: Callable[[], None]) -> Callable[[], None] | None:
        """Call ``callback`` (on another thread) whenever ``channel`` is notified; returns a stop
        function, or None where there is nobody else to hear from (SQLite)."""
        return None

    def checkpoint_in_background(self) -> None:
        """Keep the engine's own housekeeping off the thread that answers Slack (SQLite's WAL)."""

    def close(self) -> None:
        raise NotImplementedError
