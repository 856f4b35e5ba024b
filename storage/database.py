"""What every store talks to: one connection, SQL written once for both engines.

Stores write ``?`` placeholders, ``RETURNING``, ``ON CONFLICT`` and plain SQL both SQLite and
PostgreSQL understand; an engine (storage/sqlite.py, storage/postgres.py) runs it, owns transactions,
and turns its driver's "cannot take this now" into :class:`StorageUnavailable`, so
nothing above storage knows which engine it is on.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Protocol, Sequence


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> tuple | None: ...
    def fetchall(self) -> list[tuple]: ...


class RowId:
    """The id a statement returns, read when first used (as a number, or as a parameter of a later
    statement). PostgreSQL hands these out in a transaction, where it does not wait for a statement's
    answer until it is needed: an outbox or timeline row whose id nobody reads costs no wait at all."""

    __slots__ = ("_row", "_value")

    def __init__(self, row: Callable[[], tuple]) -> None:
        self._row: Callable[[], tuple] | None = row
        self._value = 0

    def __int__(self) -> int:
        if self._row is not None:
            self._value, self._row = int(self._row()[0]), None
        return self._value

    __index__ = __int__

    def __eq__(self, other: object) -> bool:
        return int(self) == (int(other) if isinstance(other, RowId) else other)

    def __hash__(self) -> int:
        return hash(int(self))

    def __repr__(self) -> str:
        return repr(int(self))


class Database:
    engine = "?"
    # after a row lock, how to skip rows another replica holds (PostgreSQL); nothing on SQLite, where
    # one writer at a time is the rule anyway
    skip_locked = ""
    transactions_begun = 0   # a number for the transaction under way (see OutboxStore.add)

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
        conflict = " ON CONFLICT DO NOTHING" if on_conflict_ignore else ""
        return self.one(_insert_sql(table, fields, conflict + f" RETURNING {returning}"), tuple(fields.values()))

    def one_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], tuple]:
        """A row ``sql`` surely finds, read when called: an engine that answers later (PostgreSQL in a
        transaction) waits for it only then, the COMMIT's answer bringing it if that came first."""
        read = self.maybe_later(sql, params)

        def row() -> tuple:
            found = read()
            assert found is not None, "one_later found no row"
            return found
        return row

    def maybe_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], tuple | None]:
        """The row ``sql`` finds, or None, read when called (once), as :meth:`one_later` reads it."""
        row = self.one(sql, params)
        return lambda: row

    def all_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], list[tuple]]:
        """The rows ``sql`` finds, read when called (once), as :meth:`one_later` reads its row."""
        rows = self.query(sql, params)
        return lambda: rows

    def rowcount_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], int]:
        """Run ``sql`` (an UPDATE or DELETE); how many rows it changed, read when called."""
        changed = self.execute(sql, params).rowcount
        return lambda: changed

    def id_of(self, sql: str, params: Sequence[Any] = ()) -> int | RowId:
        """The id ``sql`` (an INSERT … RETURNING id) returns, for a caller that may not need it: an int
        here; an engine that answers later (PostgreSQL in a transaction) gives a :class:`RowId`."""
        return int(self.execute(sql, params).fetchone()[0])

    def insert_for_id(self, table: str, fields: dict[str, Any]) -> int | RowId:
        """Insert one row; its id as :meth:`id_of` gives it."""
        return self.id_of(_insert_sql(table, fields, " RETURNING id"), tuple(fields.values()))

    def update(self, table: str, row_id: int, fields: dict[str, Any]) -> None:
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*fields.values(), row_id))

    def wait(self) -> None:
        """Every statement sent so far has been answered and its error, if any, raised. An engine that
        sends statements without waiting for their answers (PostgreSQL in a transaction) waits here;
        SQLite answers each at once."""

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
        self.transactions_begun += 1
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

    def try_serialize(self, name: str) -> Callable[[], bool]:
        """:meth:`serialize`, unless another transaction holds ``name`` now; the callable then says False
        (nothing taken: the caller does something else meanwhile instead of waiting on this thread).
        Asked now, answered when called, so other statements can go with it."""
        self.serialize(name)
        return lambda: True

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


def _insert_sql(table: str, fields: dict[str, Any], tail: str) -> str:
    return f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' for _ in fields)}){tail}"
