"""``warroom db backup`` against a live database: while ``warroom run`` keeps declaring incidents the
copy is one consistent snapshot holding everything committed before it began; refusals are one line."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from harness.bots import BotProcess
from storage.db import open_database
from storage.migrations import LATEST_VERSION
from storage.sqlite_backup import backup_sqlite
from tests.test_cli import warroom


def read_only(path: Path | str) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def incidents(conn: sqlite3.Connection) -> dict[int, str]:
    return dict(conn.execute("SELECT id, title FROM incidents"))


def test_a_backup_while_the_bot_declares_incidents_is_a_consistent_copy(sandbox, tmp_path):
    bot = BotProcess(sandbox, tmp_path)
    target = tmp_path / "backups" / "warroom-copy.db"
    target.parent.mkdir()
    acks: list[str] = []
    declaring = threading.Event()
    stop = threading.Event()

    # warroom lets one person declare 5 incidents a minute: a crowd declares, one after another
    crowd = [sandbox.add_user(f"responder{n}") for n in range(40)]
    for person in crowd:
        sandbox.as_user(person).join("general")

    def keep_declaring() -> None:
        n = 0
        while not stop.wait(0.1):  # about ten declares a second
            result = sandbox.as_user(crowd[n % len(crowd)]).command("/incident", f"declare Busy outage {n} sev3",
                                                                     channel="general")
            acks.append(result.ack["text"] if result.ack else "no ack")
            declaring.set()
            n += 1

    try:
        bot.start()
        for n in range(3):
            assert sandbox.as_user("alice").command("/incident", f"declare Before backup {n} sev2",
                                                    channel="general").ack
        writer = threading.Thread(target=keep_declaring)
        writer.start()
        try:
            assert declaring.wait(timeout=20), "no declare was acked"
            with read_only(bot.db_path) as live:
                committed_before = incidents(live)  # every acked declare is committed: none of these may be missing
            done = warroom("db", "backup", str(target), env={"WARROOM_DB": bot.db_path})
            acked_by_then = len(acks)
            sandbox.wait_for(lambda: len(acks) >= acked_by_then + 3, timeout=30,
                             message="the bot stopped acking declares after the backup")
        finally:
            stop.set()
            writer.join(timeout=30)
        assert bot.process.poll() is None, bot.log()
    finally:
        bot.stop()

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up {bot.db_path} to {target}: ")
    assert f"schema version {LATEST_VERSION}, quick_check ok" in done.stdout
    assert done.stderr == ""
    assert all("Declaring incident #" in text for text in acks), acks
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # one self-contained file

    with read_only(target) as copy:
        assert copy.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        copied = incidents(copy)
        assert committed_before.items() <= copied.items()
        # one snapshot: incidents are numbered as they commit, so the copy holds a prefix of them,
        # each with the timeline entry its declare wrote in the same transaction
        assert sorted(copied) == list(range(1, len(copied) + 1))
        declared = dict(copy.execute("SELECT incident_id, text FROM timeline WHERE kind = 'declared'"))
        assert declared == copied
    with read_only(bot.db_path) as live:
        assert len(incidents(live)) > len(copied)  # the bot kept declaring after the snapshot

    # the copy is a database warroom runs on
    restored = open_database(target)
    try:
        assert restored.schema_version() == LATEST_VERSION
        assert restored.scalar("SELECT count(*) FROM incidents") == len(copied)
    finally:
        restored.close()



def test_the_bot_keeps_acking_declares_while_a_copy_holds_its_snapshot(sandbox, tmp_path):
    """The copy above may be quick; here the bot must commit declares in the middle of one, deterministically."""
    bot = BotProcess(sandbox, tmp_path)
    target = tmp_path / "copy.db"
    during: list[str] = []

    def declare_mid_copy(remaining: int, total: int) -> None:
        if not during:  # after the first step: the snapshot is held and the rest is still to copy
            assert remaining > 0
            for n in range(3):
                result = sandbox.as_user("carol").command("/incident", f"declare During copy {n} sev2",
                                                          channel="general")
                during.append(result.ack["text"] if result.ack else "no ack")

    try:
        bot.start()
        for n in range(2):
            assert sandbox.as_user("alice").command("/incident", f"declare Before copy {n} sev2", channel="general").ack
        result = backup_sqlite(bot.db_path, target, pages_per_step=1, progress=declare_mid_copy)
        with read_only(bot.db_path) as live:
            assert sorted(incidents(live).values()) == sorted(
                [f"Before copy {n}" for n in range(2)] + [f"During copy {n}" for n in range(3)])
    finally:
        bot.stop()
    assert [("Declaring incident #" in text) for text in during] == [True] * 3, during
    assert result.schema_version == LATEST_VERSION
    with read_only(target) as copy:
        assert copy.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        assert sorted(incidents(copy).values()) == ["Before copy 0", "Before copy 1"]


def test_an_interrupted_copy_leaves_nothing_behind(tmp_path):
    database = tmp_path / "warroom.db"
    open_database(database).close()
    out = tmp_path / "out"
    out.mkdir()

    def interrupt(remaining: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backup_sqlite(database, out / "a.db", pages_per_step=1, progress=interrupt)
    assert list(out.iterdir()) == []


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "warroom.db"
    open_database(path).close()
    return path


def backup(database: Path | str, *args: str):
    return warroom("db", "backup", *args, env={"WARROOM_DB": str(database)})


def assert_refused(done, message: str) -> None:
    assert done.returncode == 2, done
    assert done.stderr == f"warroom: {message}\n"
    assert done.stdout == ""


def test_an_existing_file_is_never_overwritten_without_force(database, tmp_path):
    target = tmp_path / "old-backup.db"
    target.write_text("last week's backup")
    target.chmod(0o644)
    assert_refused(backup(database, str(target)),
                   f"{target} already exists; choose a new file name, or pass --force to replace it")
    assert target.read_text() == "last week's backup"

    done = backup(database, "--force", str(target))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with read_only(target) as copy:
        assert copy.execute("SELECT max(version) FROM schema_migrations").fetchone() == (LATEST_VERSION,)


def test_refusals_name_the_problem_in_one_line_and_write_nothing(database, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    cases = [
        (tmp_path / "gone.db", out / "a.db", f"nothing to back up: {tmp_path / 'gone.db'} does not exist (check WARROOM_DB)"),
        (database, tmp_path / "no-such-folder" / "a.db",
         f"cannot write {tmp_path / 'no-such-folder' / 'a.db'}: folder {tmp_path / 'no-such-folder'} does not exist; "
         f"create it first (mkdir -p {tmp_path / 'no-such-folder'})"),
        (database, out, f"{out} is a folder; name the file to write, e.g. {out / 'warroom-backup.db'}"),
        (database, database, f"{database} is the database itself; write the backup to another file"),
        ("postgresql://localhost/warroom", out / "a.db",
         'WARROOM_DB is a PostgreSQL database; back it up with pg_dump (see the README, "Back up and restore")'),
    ]
    for source, target, message in cases:
        assert_refused(backup(source, str(target)), message)
    plain = tmp_path / "notes.db"
    with sqlite3.connect(plain) as conn:
        conn.execute("CREATE TABLE notes (text)")
    assert_refused(backup(plain, str(out / "a.db")),
                   f"{plain} is not a warroom database (it has no schema_migrations table); check WARROOM_DB")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"garbage" * 1000)
    done = backup(corrupt, str(out / "a.db"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"warroom: cannot open database {corrupt}: the file is corrupt")
    assert list(out.iterdir()) == []


def test_no_action_prints_the_group_help_and_exits_2(database):
    done = warroom("db")
    assert done.returncode == 2 and "backup" in done.stdout
    done = warroom("db", "backup")
    assert done.returncode == 2 and "the following arguments are required: PATH" in done.stderr

