"""``warroom db ACTION``: work on warroom's database from the command line.

Each action is one ``add_<action>`` function that registers its parser with ``set_defaults(run=...)``;
a new action is one more such function listed in ``ACTIONS``.
"""

from __future__ import annotations

import argparse
from typing import Callable

Actions = argparse._SubParsersAction  # what add_subparsers() returns


def add_db_commands(commands: Actions) -> None:
    db = commands.add_parser("db", help="back up warroom's database, or move it to PostgreSQL",
                             description="Work on warroom's database (WARROOM_DB).")
    db.set_defaults(db_parser=db)
    actions = db.add_subparsers(dest="db_action", metavar="ACTION")
    for add in ACTIONS:
        add(actions)


def run_db_command(args: argparse.Namespace) -> int:
    from bot.cli import EXIT_USAGE

    if args.db_action is None:
        args.db_parser.print_help()
        return EXIT_USAGE
    return args.run(args)


# backup ----------------------------------------------------------------------------------------

def add_backup(actions: Actions) -> None:
    backup = actions.add_parser(
        "backup", help="write a consistent copy of the SQLite database (safe while warroom runs)",
        description="Copy the SQLite database WARROOM_DB to PATH while warroom keeps running: one consistent "
                    "snapshot, written 0600, checked with quick_check. Restore: stop warroom, delete the "
                    "database's -wal and -shm files if any, copy the backup into its place, start warroom.")
    backup.add_argument("path", metavar="PATH", help="the file to write; its folder must exist")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(run=run_backup)


def run_backup(args: argparse.Namespace) -> int:
    from bot.cli import EXIT_FAILED, EXIT_OK, fail
    from bot.config import EnvironmentError_, load_environment
    from storage.errors import StorageError, StorageUnavailable
    from storage.postgres import is_postgres_url
    from storage.sqlite_backup import BackupFailed, backup_sqlite

    try:
        source = load_environment().db_path
    except EnvironmentError_ as exc:
        return fail(str(exc))
    if is_postgres_url(source):
        return fail("WARROOM_DB is a PostgreSQL database; back it up with pg_dump (see the README, "
                    "\"Back up and restore\")")
    try:
        result = backup_sqlite(source, args.path, replace=args.force)
    except BackupFailed as exc:
        fail(str(exc))
        return EXIT_FAILED
    except StorageUnavailable as exc:
        fail(f"cannot read {source} right now ({exc}); nothing was written, try again")
        return EXIT_FAILED
    except StorageError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        fail(f"interrupted; nothing was written to {args.path}")
        return EXIT_FAILED
    print(f"backed up {result.source} to {result.target}: {_size(result.size_bytes)}, schema version "
          f"{result.schema_version}, quick_check ok, {result.seconds:.1f} s")
    return EXIT_OK


def _size(size_bytes: int) -> str:
    size, unit = size_bytes / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"


# copy ------------------------------------------------------------------------------------------

def add_copy(actions: Actions) -> None:
    copy = actions.add_parser(
        "copy", help="copy a SQLite database into an empty PostgreSQL database (warroom stopped)",
        description="Copy everything in the SQLite database SQLITE_PATH into the empty PostgreSQL database "
                    "POSTGRES_URL, in one transaction: stop warroom first. The SQLite file is only read; "
                    "the target is brought to the latest schema and must have no rows in warroom's tables. "
                    "Then set WARROOM_DB to POSTGRES_URL and start warroom.")
    copy.add_argument("source", metavar="SQLITE_PATH", help="the SQLite database warroom ran on")
    copy.add_argument("target", metavar="POSTGRES_URL", help="postgresql://user[:password]@host[:port]/database")
    copy.set_defaults(run=run_copy)


def run_copy(args: argparse.Namespace) -> int:
    from bot.cli import EXIT_FAILED, EXIT_OK, fail
    from storage.copy import CopyFailed, CopyRefused, copy_sqlite_to_postgres

    try:
        result = copy_sqlite_to_postgres(args.source, args.target)
    except CopyRefused as exc:
        return fail(str(exc))
    except CopyFailed as exc:
        fail(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        fail("interrupted; the copy was rolled back, nothing was copied")
        return EXIT_FAILED
    migrated = (f", migrated from schema version {result.migrated_from} on a temporary copy (the file was not "
                "changed)" if result.migrated_from else "")
    print(f"copied {result.source} to {result.target}: {len(result.rows)} tables, {sum(result.rows.values()):,} "
          f"rows, schema version {result.schema_version}{migrated}, {result.seconds:.1f} s")
    filled = [f"{table} {rows:,}" for table, rows in result.rows.items() if rows]
    empty = len(result.rows) - len(filled)
    print("  " + ", ".join(filled + ([f"{empty} empty"] if empty else [])))
    password = " (with its password)" if "***" in result.target else ""
    print(f"next: set WARROOM_DB={result.target}{password} and start warroom; keep {result.source} "
          "as the backup, warroom no longer writes to it")
    return EXIT_OK


ACTIONS: tuple[Callable[..., None], ...] = (add_backup, add_copy)
