"""SQLite, the embedded default: one file, one warroom (the instance lock), WAL, checked at open."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Sequence

import sqlite_utils

from storage.checkpoints import Checkpointer
from storage.database import Database
from storage.errors import StorageError, StorageUnavailable
from storage.instance_lock import InstanceLock


class SQLiteDatabase(Database):
    engine = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: str, lock: InstanceLock | None = None) -> None:
        self.conn = conn
        self.path = path
        self.lock = lock
        self.checkpointer: Checkpointer | None = None
        self._utils = sqlite_utils.Database(conn, execute_plugins=False)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if _is_unavailable(exc):
                raise StorageUnavailable(str(exc)) from exc
            raise

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def _begin(self) -> None:
        # IMMEDIATE takes the write lock up front so two writers never deadlock half way through
        self.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self._quietly("ROLLBACK")

    def _quietly(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except sqlite3.Error:
            pass  # SQLite ended it itself in the meantime

    def table_names(self) -> list[str]:
        return self._utils.table_names()

    def now(self) -> float:
        return time.time()  # one process per SQLite database: its clock is the clock

    def checkpoint_in_background(self) -> None:
        """Commits on this connection stop checkpointing the WAL themselves; a thread does it (see
        storage/checkpoints.py). For the long-running bot, whose commits must stay short."""
        if self.checkpointer is None and self.path != ":memory:":
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")
            self.checkpointer = Checkpointer(self.path).start()

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer = None
        try:
            self.conn.close()
        finally:
            if self.lock is not None:
                self.lock.release()


def _is_unavailable(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return any(word in message for word in ("locked", "busy", "disk", "full", "i/o", "readonly"))


def open_sqlite(path: str, *, exclusive: bool, create: bool) -> SQLiteDatabase:
    """Open (creating if asked) the database file at ``path`` and check it; ``exclusive`` takes the
    one-warroom-per-database lock first. Migrations are the caller's."""
    target = Path(path)
    memory = path == ":memory:"
    if not memory:
        _check_path(target, create)
    lock = InstanceLock(str(target)) if exclusive and not memory else None
    if lock is not None:
        lock.acquire()
    try:
        db = _connect(target, memory=memory, create=create)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    db.lock = lock
    return db


def _check_path(target: Path, create: bool) -> None:
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        raise StorageError(f"cannot open database {target}: folder {parent} does not exist (check WARROOM_DB)")
    if target.exists() and target.is_dir():
        raise StorageError(f"cannot open database {target}: it is a folder, not a file (check WARROOM_DB)")
    if not target.exists() and not create:
        raise StorageError(f"database {target} does not exist yet; warroom run creates it (check WARROOM_DB)")
    if create and (not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK))):
        raise StorageError(f"cannot open database {target}: no permission to write there (check WARROOM_DB)")
    if create and not target.exists():
        # private from the start: incident records are nobody else's business on a shared host;
        # SQLite gives the -wal and -shm files the same permissions
        os.close(os.open(target, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))


def _connect(target: Path, *, memory: bool, create: bool) -> SQLiteDatabase:
    try:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see Database.transaction), so no
        # statement ever commits as a side effect of Python's implicit transaction handling.
        if create:
            conn = sqlite3.connect(str(target), isolation_level=None, timeout=5.0, check_same_thread=False)
        else:
            conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                   timeout=5.0, check_same_thread=False)
    except sqlite3.DatabaseError as exc:
        raise StorageError(_explain(target, exc)) from None
    try:
        db = SQLiteDatabase(conn, str(target))
        conn.execute("PRAGMA busy_timeout = 5000")
        if create:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if not memory and mode.lower() != "wal":
                raise StorageError(f"cannot open database {target}: could not switch it to WAL mode (got {mode})")
        # NORMAL keeps every committed transaction across a process crash (kill -9); only a power
        # loss can lose the last few, which is the trade SQLite recommends for WAL.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # a damaged page would otherwise surface later as a traceback in the middle of an incident
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            first = next((line.strip() for problem in problems for line in problem.splitlines()
                          if line.strip() and not line.startswith("***")), "quick_check failed")
            raise StorageError(f"cannot open database {target}: the file is corrupt ({first}); restore it "
                               "from a backup or point WARROOM_DB elsewhere")
        return db
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise StorageError(_explain(target, exc)) from None
        raise


def _explain(target: Path, exc: sqlite3.DatabaseError) -> str:
    message = str(exc)
    if "not a database" in message or "malformed" in message:
        return f"cannot open database {target}: the file is corrupt or not a SQLite database ({message}); restore it from a backup or point WARROOM_DB elsewhere"
    if "locked" in message or "busy" in message:
        return f"cannot open database {target}: it is locked by another process ({message}); stop the other warroom or wait"
    if "readonly" in message or "unable to open" in message:
        return f"cannot open database {target}: {message} (check WARROOM_DB and its folder's permissions)"
    return f"cannot open database {target}: {message}"
