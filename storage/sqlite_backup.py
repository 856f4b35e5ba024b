"""A consistent copy of a live SQLite database, taken with SQLite's online backup API.

The copy reads one snapshot: the source is opened read-only and a read transaction is held for
the whole copy. In WAL mode (every database warroom has opened) a reader never blocks the writer,
so the running bot keeps committing while its pages are copied; holding the snapshot is also what
lets the copy finish at all under constant writes, since ``sqlite3_backup_step`` otherwise starts
over each time another process commits between two steps. The copy goes in steps of pages so an
interrupt lands between steps and the WAL checkpointer is never kept waiting on one long call.

The copy is written to a private temporary file next to the target, switched out of WAL mode (a
backup is one self-contained file), checked with ``quick_check`` and flushed to disk; only then does
it take the target's name. A copy that fails half way leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from storage.db import open_database
from storage.errors import StorageError

PAGES_PER_STEP = 1024  # 4 MiB at SQLite's default page size


class BackupRefused(StorageError):
    """The source or target cannot be used as given; nothing was written."""


class BackupFailed(StorageError):
    """The copy went wrong part way (disk full, failed check); nothing was left at the target."""


@dataclass(frozen=True)
class BackupResult:
    source: str
    target: str
    size_bytes: int
    schema_version: int
    seconds: float


def backup_sqlite(source: str | os.PathLike[str], target: str | os.PathLike[str], *, replace: bool = False,
                  pages_per_step: int = PAGES_PER_STEP,
                  progress: Callable[[int, int], None] | None = None) -> BackupResult:
    """Copy the warroom database at ``source`` to a new file ``target`` (mode 0600).

    ``replace`` allows an existing ``target`` to be replaced (atomically, once the copy is checked).
    ``progress(remaining_pages, total_pages)`` is called after every step, while the snapshot is held.
    Raises :class:`BackupRefused` (or :class:`StorageError` from opening the source) when nothing could
    be started, :class:`BackupFailed` when the copy itself went wrong."""
    started = time.monotonic()
    source_path, target_path = Path(source), Path(target)
    if not source_path.is_file():
        raise BackupRefused(f"nothing to back up: {source_path} "
                            f"{'is a folder' if source_path.is_dir() else 'does not exist'} (check WARROOM_DB)")
    _check_target(source_path, target_path, replace)
    db = open_database(source_path, migrate=False, create=False)  # read-only: a backup changes nothing
    try:
        db.execute("BEGIN")
        try:
            if db.schema_version() == 0:  # also the first read, which pins the snapshot the copy takes
                raise BackupRefused(f"{source_path} is not a warroom database (it has no schema_migrations "
                                    "table); check WARROOM_DB")
            partial = _copy(db.conn, target_path, pages_per_step, progress)
        finally:
            db.execute("ROLLBACK")
    finally:
        db.close()
    try:
        version = _check_copy(partial, source_path)
        _publish(partial, target_path, replace)
    finally:
        _remove_partial(partial)
    return BackupResult(str(source_path), str(target_path), target_path.stat().st_size, version,
                        time.monotonic() - started)


def _check_target(source: Path, target: Path, replace: bool) -> None:
    folder = target.parent
    if target.is_dir():
        raise BackupRefused(f"{target} is a folder; name the file to write, e.g. {target / 'warroom-backup.db'}")
    if not folder.is_dir():
        raise BackupRefused(f"cannot write {target}: folder {folder} does not exist; create it first "
                            f"(mkdir -p {folder})")
    if _same_file(source, target):
        raise BackupRefused(f"{target} is the database itself; write the backup to another file")
    if target.exists() and not replace:
        raise BackupRefused(f"{target} already exists; choose a new file name, or pass --force to replace it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupRefused(f"cannot write {target}: no permission to create files in {folder}")


def _same_file(source: Path, target: Path) -> bool:
    with contextlib.suppress(OSError):
        return source.exists() and target.exists() and os.path.samefile(source, target)
    return source.resolve() == target.resolve()


def _copy(conn: sqlite3.Connection, target: Path, pages_per_step: int,
          progress: Callable[[int, int], None] | None) -> Path:
    # mkstemp makes the file 0600 whatever the umask: incident records are nobody else's business
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            conn.backup(copy, pages=pages_per_step,
                        progress=(lambda _status, remaining, total: progress(remaining, total)) if progress else None)
            # the copied header says WAL; a backup should be one file that opens on its own
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        _fsync(partial)
    except BaseException as exc:
        _remove_partial(partial)
        if isinstance(exc, sqlite3.Error):
            raise BackupFailed(f"the copy to {target} failed ({exc}); nothing was written") from None
        if isinstance(exc, OSError):
            raise BackupFailed(f"the copy to {target} failed ({exc.strerror}); nothing was written") from None
        raise
    return partial


def _check_copy(partial: Path, source: Path) -> int:
    try:
        copy = sqlite3.connect(f"{partial.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BackupFailed(f"the copy failed its check ({problems[0]}); {source} may be damaged: "
                                   "run warroom doctor. Nothing was written")
            return int(copy.execute("SELECT max(version) FROM schema_migrations").fetchone()[0])
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupFailed(f"the copy could not be read back ({exc}); nothing was written") from None


def _publish(partial: Path, target: Path, replace: bool) -> None:
    try:
        if replace:
            os.replace(partial, target)
        else:
            _create_name(partial, target)
    except FileExistsError:
        raise BackupRefused(f"{target} already exists; choose a new file name, or pass --force to replace it") from None
    except OSError as exc:
        raise BackupFailed(f"cannot give the copy the name {target} ({exc.strerror}); nothing was written") from None
    _fsync(target.parent)  # the new name survives a power loss too


def _create_name(partial: Path, target: Path) -> None:
    """Name the copy ``target`` unless that exists, even if someone created it since it was checked."""
    try:
        os.link(partial, target)  # unlike a rename, fails when the target exists
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP):
            raise
        if target.exists():  # a file system without hard links (FAT, some network shares)
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.rename(partial, target)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _remove_partial(partial: Path) -> None:
    for leftover in (partial, *(Path(f"{partial}{suffix}") for suffix in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


__all__ = ["BackupFailed", "BackupRefused", "BackupResult", "PAGES_PER_STEP", "backup_sqlite"]
