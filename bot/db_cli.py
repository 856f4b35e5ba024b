"""``warroom db ACTION``: work on warroom's database from the command line.

Each action is one ``add_<action>`` function that registers its parser with ``set_defaults(run=...)``;
a new action (``warroom db copy`` for PostgreSQL) is one more such function listed in ``ACTIONS``.
"""

from __future__ import annotations

import argparse
from typing import Callable

Actions = argparse._SubParsersAction  # what add_subparsers() returns


def add_db_commands(commands: Actions) -> None:
    db = commands.add_parser("db", help="back up warroom's database",
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
    from storage.sqlite_backup import BackupFailed, backup_sqlite

    try:
        source = load_environment().db_path
    except EnvironmentError_ as exc:
        return fail(str(exc))
    if source.startswith(("postgresql:", "postgres:")):
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


ACTIONS: tuple[Callable[..., None], ...] = (add_backup,)
