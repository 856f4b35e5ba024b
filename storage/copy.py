"""``warroom db copy``: move a team's SQLite database into an empty PostgreSQL database, whole or not at all.

The source is held still for the copy: warroom's instance lock is taken (a warroom running on it would
record things after the copy; one that starts meanwhile is refused) and the file is read read-only in
one snapshot. A source written by an older warroom is migrated on a temporary copy, as ``warroom run``
would migrate it at start; the file itself is left as it was, so it stays the backup an older warroom
can still run on.

The target must hold no rows in any warroom table. It is brought to the latest schema, then everything
is copied in ONE transaction with every warroom table locked: each table with one ``COPY`` (binary,
with the column's own types), fed in batches from SQLite. COPY rather than INSERTs: no statement or
round trip per row, and foreign keys are checked when each COPY ends, so a table that refers to itself
(an effect depending on another) goes in whatever order its rows come; tables go parents first. Before
the commit every table's row count is checked against the source and identity sequences are moved past
the copied ids, so the next incident gets the next number.
"""

from __future__ import annotations

import contextlib
import graphlib
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from storage.copy_values import CONVERTERS, Converter, Unconvertible
from storage.database import Database
from storage.db import open_database
from storage.errors import StorageError, StorageUnavailable
from storage.instance_lock import InstanceLock, InstanceLocked
from storage.migrations import LATEST_VERSION, apply_migrations
from storage.postgres import PostgresDatabase, is_postgres_url, shown
from storage.sqlite_backup import backup_sqlite

BATCH_ROWS = 2000   # rows read from SQLite and handed to COPY at a time: memory stays flat on any size
SHOWN_TABLES = 3    # tables named when the target is not empty

# Tables kept by triggers on another table (migration 6 counts open alerts per source). Copying the
# other table fires the triggers on PostgreSQL, so these are copied after it and replace what the
# triggers wrote with the source's rows.
KEPT_BY_TRIGGERS = {"alert_source_open": "alerts"}

ROLLED_BACK = "rolled back, nothing was copied"


class CopyRefused(StorageError):
    """The copy could not start as asked (source in use or at the wrong version, target not empty or
    unreachable); no row was written."""


class CopyFailed(StorageError):
    """The copy went wrong part way and was rolled back: the target has warroom's tables and no rows."""


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str                  # the URL without its password
    schema_version: int
    migrated_from: int | None    # the source's own, older version (migrated on a temporary copy)
    rows: dict[str, int]         # rows copied per table, in the order they were copied
    seconds: float


def copy_sqlite_to_postgres(source: str | Path, target_url: str, *, batch_rows: int = BATCH_ROWS) -> CopyResult:
    """Copy the warroom database in the SQLite file ``source`` into the empty PostgreSQL database at
    ``target_url``. Raises :class:`CopyRefused` when nothing was written, :class:`CopyFailed` when the
    copy was rolled back; every message is one line without the URL's password."""
    started = time.monotonic()
    source_path = Path(source)
    try:
        _check_arguments(str(source), target_url)
        lock = _lock_source(source_path)
        try:
            version = _source_version(source_path)
            with _at_latest_version(source_path, version) as db, contextlib.closing(_connect(target_url)) as target:
                tables = _tables(db)
                _refuse_rows(target, tables)  # before migrating: a database in use is left exactly as it was
                _migrate(target)
                rows = _copy(db, target, tables, batch_rows)
        finally:
            lock.release()
    except StorageUnavailable as exc:
        raise CopyFailed(shown(f"{exc}; {ROLLED_BACK}, try again")) from None
    except (CopyRefused, CopyFailed) as exc:
        raise type(exc)(shown(str(exc))) from None
    except StorageError as exc:
        raise CopyRefused(shown(str(exc))) from None
    return CopyResult(str(source_path), shown(target_url), LATEST_VERSION,
                      version if version < LATEST_VERSION else None, rows, time.monotonic() - started)


# the source ------------------------------------------------------------------------------------

def _check_arguments(source: str, target_url: str) -> None:
    if is_postgres_url(source):
        raise CopyRefused("the source is a PostgreSQL URL; give the SQLite file first: "
                          "warroom db copy SQLITE_PATH POSTGRES_URL")
    if not is_postgres_url(target_url):
        raise CopyRefused(f"the target {target_url!r} is not a PostgreSQL URL; give one like "
                          "postgresql://warroom@db.internal/warroom")
    path = Path(source)
    if not path.is_file():
        raise CopyRefused(f"nothing to copy: {path} {'is a folder' if path.is_dir() else 'does not exist'}")


def _lock_source(source: Path) -> InstanceLock:
    lock = InstanceLock(str(source))
    try:
        lock.acquire()
    except InstanceLocked as exc:
        raise CopyRefused(f"warroom (pid {exc.owner}) is running with {source}; stop warroom first: a copy "
                          "taken while it runs would miss everything it records after") from None
    return lock


@contextlib.contextmanager
def _opened(source: Path) -> Iterator[Database]:
    db = open_database(source, migrate=False, create=False)  # read-only
    try:
        yield db
    finally:
        db.close()


def _source_version(source: Path) -> int:
    with _opened(source) as db:
        version = db.schema_version()
    if version == 0:
        raise CopyRefused(f"{source} is not a warroom database (it has no schema_migrations table)")
    if version > LATEST_VERSION:
        raise CopyRefused(f"{source} has schema version {version}, newer than this warroom understands "
                          f"({LATEST_VERSION}); copy it with the warroom version that wrote it")
    return version


@contextlib.contextmanager
def _at_latest_version(source: Path, version: int) -> Iterator[Database]:
    """The source, or for an older one a migrated snapshot of it (in TMPDIR, removed after)."""
    if version == LATEST_VERSION:
        with _opened(source) as db:
            yield db
        return
    with tempfile.TemporaryDirectory(prefix="warroom-copy-") as folder:
        snapshot = backup_sqlite(source, Path(folder) / source.name)
        db = open_database(snapshot.target)  # migrates, exactly as warroom run does at start
        try:
            yield db
        finally:
            db.close()


def _tables(db: Database) -> list[str]:
    """warroom's tables, parents before the tables that refer to them."""
    tables = sorted(t for t in db.table_names() if t != "schema_migrations" and not t.startswith("sqlite_"))
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for table in tables:
        parents[table] |= {row[2] for row in db.query(f"PRAGMA foreign_key_list({_quoted(table)})")} - {table}
    for kept, feeder in KEPT_BY_TRIGGERS.items():
        if kept in parents:
            parents[kept].add(feeder)
    return list(graphlib.TopologicalSorter(parents).static_order())


# the target ------------------------------------------------------------------------------------

def _connect(url: str) -> PostgresDatabase:
    try:
        return PostgresDatabase(url)
    except StorageUnavailable as exc:
        raise CopyRefused(f"{exc} (check the URL and that PostgreSQL is up)") from None


def _refuse_rows(target: Database, tables: list[str]) -> None:
    present = set(target.table_names())
    counts = [(t, target.scalar(f"SELECT count(*) FROM {_quoted(t)}")) for t in sorted(tables) if t in present]
    filled = [f"{table} has {n} row{'' if n == 1 else 's'}" for table, n in counts if n]
    if len(filled) > SHOWN_TABLES:
        filled[SHOWN_TABLES:] = [f"and {len(filled) - SHOWN_TABLES} more tables have rows"]
    if filled:
        raise CopyRefused(f"the target is not empty: {', '.join(filled)}; copy into an empty database "
                          "(nothing was changed)")


def _migrate(target: PostgresDatabase) -> None:
    version = target.schema_version()
    if version > LATEST_VERSION:
        raise CopyRefused(f"the target has schema version {version}, newer than this warroom understands "
                          f"({LATEST_VERSION}); copy with the newer warroom (nothing was changed)")
    apply_migrations(target)


# the copy --------------------------------------------------------------------------------------

def _copy(source: Database, target: PostgresDatabase, tables: list[str], batch_rows: int) -> dict[str, int]:
    source.execute("BEGIN")  # one snapshot of the source for the whole copy
    try:
        with target.unpipelined_transaction():
            # one COPY per table: a large one runs longer than the bot's statements may
            target.execute("SET LOCAL statement_timeout = 0")
            # nobody writes while we copy, so no row can slip in behind the check below
            target.execute(f"LOCK TABLE {', '.join(map(_quoted, tables))} IN EXCLUSIVE MODE")
            _refuse_rows(target, tables)  # again: a warroom may have started on it since the first check
            rows = {table: _copy_table(source, target, table, batch_rows) for table in tables}
            _check_counts(source, target, rows)
            _move_identities_past_copied_ids(target)
    finally:
        source.execute("ROLLBACK")
    return rows


def _copy_table(source: Database, target: PostgresDatabase, table: str, batch_rows: int) -> int:
    import psycopg  # here, not at the top: warroom on SQLite runs without the PostgreSQL driver

    columns = _columns(source, target, table)
    names = [name for name, _type in columns]
    converters = [CONVERTERS[type_] for _name, type_ in columns]
    key = [names.index(name) for name in _primary_key(source, table)]
    listed = ", ".join(map(_quoted, names))
    if table in KEPT_BY_TRIGGERS:
        target.execute(f"DELETE FROM {_quoted(table)}")  # what the triggers counted while its feeder was copied
    copied = 0
    try:
        reading = source.execute(f"SELECT {listed} FROM {_quoted(table)}")
        with target.conn.cursor() as cursor, \
                cursor.copy(f"COPY {_quoted(table)} ({listed}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([type_ for _name, type_ in columns])
            while batch := reading.fetchmany(batch_rows):
                for row in batch:
                    copy.write_row(_converted(table, names, converters, key, row))
                copied += len(batch)
    except sqlite3.Error as exc:
        raise CopyFailed(f"cannot read {table} from the source ({exc}); {ROLLED_BACK}") from None
    except psycopg.OperationalError as exc:
        raise StorageUnavailable(_first_line(exc)) from None
    except psycopg.Error as exc:
        raise CopyFailed(f"PostgreSQL refused the rows of {table}: {_first_line(exc)}; {ROLLED_BACK}") from None
    return copied


def _converted(table: str, names: list[str], converters: list[Converter], key: list[int], row: tuple) -> list:
    values = []
    for name, convert, value in zip(names, converters, row):
        try:
            values.append(convert(value))
        except Unconvertible as exc:
            where = ", ".join(f"{names[i]}={row[i]!r}" for i in key) or "a row"
            raise CopyFailed(f"{table} ({where}): {name} holds {exc}; correct it in the SQLite file and copy "
                             f"again ({ROLLED_BACK})") from None
    return values


def _columns(source: Database, target: Database, table: str) -> list[tuple[str, str]]:
    """The table's columns with their PostgreSQL types, as the migrations made them on both sides."""
    columns = [(name, type_) for name, type_ in target.query(
        "SELECT column_name, udt_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position", (table,))]
    in_source = {row[1] for row in source.query(f"PRAGMA table_info({_quoted(table)})")}
    if {name for name, _type in columns} != in_source:
        raise CopyFailed(f"{table} has other columns in the target than in the source; both should be at "
                         f"schema version {LATEST_VERSION} ({ROLLED_BACK})")
    unknown = [f"{name} ({type_})" for name, type_ in columns if type_ not in CONVERTERS]
    if unknown:
        raise CopyFailed(f"{table} has columns of a type this copy does not know: {', '.join(unknown)} ({ROLLED_BACK})")
    return columns


def _primary_key(source: Database, table: str) -> list[str]:
    """The columns that name a row in a message (PRAGMA table_info's pk is the position in the key)."""
    info = source.query(f"PRAGMA table_info({_quoted(table)})")
    return [row[1] for row in sorted((row for row in info if row[5]), key=lambda row: row[5])]


def _check_counts(source: Database, target: Database, rows: dict[str, int]) -> None:
    for table in rows:
        want = source.scalar(f"SELECT count(*) FROM {_quoted(table)}")
        got = target.scalar(f"SELECT count(*) FROM {_quoted(table)}")
        if want != got:
            raise CopyFailed(f"{table} has {got} rows in the target after the copy but {want} in the source; "
                             f"{ROLLED_BACK}")


def _move_identities_past_copied_ids(target: Database) -> None:
    for table, column in target.query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"):
        target.execute(f"SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max({_quoted(column)}), 0) + 1, false) "
                       f"FROM {_quoted(table)}", (_quoted(table), column))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


__all__ = ["BATCH_ROWS", "CopyFailed", "CopyRefused", "CopyResult", "copy_sqlite_to_postgres"]
