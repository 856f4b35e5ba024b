import sqlite3

import pytest

from storage.db import StorageError, open_database
from storage.migrations import LATEST_VERSION, MIGRATIONS
from storage.outbox import OutboxStore


def test_new_database_is_migrated_wal_and_foreign_keys(tmp_path):
    db = open_database(tmp_path / "w.db")
    assert db.schema_version() == LATEST_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()
    again = open_database(tmp_path / "w.db")  # reopening applies nothing twice
    assert again.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_newer_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "w.db"
    open_database(path).execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer than this warroom"):
        open_database(path)
    assert sqlite3.connect(path).execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == 999
    assert len(path.read_bytes()) == len(before)


@pytest.mark.parametrize("setup,message", [
    (lambda p: p.write_bytes(b"not a database" * 100), "corrupt or not a SQLite database"),
    (lambda p: p.mkdir(), "is a folder"),
])
def test_unusable_files_get_one_clear_line(tmp_path, setup, message):
    path = tmp_path / "w.db"
    setup(path)
    with pytest.raises(StorageError) as error:
        open_database(path)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_missing_folder_and_unwritable_folder(tmp_path):
    with pytest.raises(StorageError, match="does not exist"):
        open_database(tmp_path / "nope" / "w.db")
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        import os
        if os.geteuid() != 0:  # root ignores permissions
            with pytest.raises(StorageError, match="no permission"):
                open_database(locked / "w.db")
    finally:
        locked.chmod(0o700)


def test_transaction_rolls_back_everything_on_error(tmp_path):
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    with pytest.raises(RuntimeError):
        with db.transaction():
            outbox.add("x", {}, lane="a", now=1.0)
            raise RuntimeError("boom")
    assert outbox.pending_count() == 0


def test_outbox_lanes_dependencies_and_coalescing(tmp_path):
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    first = outbox.add("create", {}, lane="incident:1", now=10.0)
    after = outbox.add("topic", {}, lane="topic:1", now=10.0, depends_on=first)
    second_in_lane = outbox.add("more", {}, lane="incident:1", now=10.0)
    later = outbox.add("sync", {}, lane="s", now=10.0, delay=5.0, coalesce=True)
    assert outbox.add("sync", {}, lane="s", now=11.0, coalesce=True) == later  # not started yet: covered
    assert [e.id for e in outbox.ready(now=10.0)] == [first]
    [claimed] = outbox.claim(10.0, "me", 20.0, limit=10)
    assert claimed.id == first and not claimed.maybe_performed and outbox.get(first).maybe_performed
    assert outbox.complete(claimed, "me", now=10.5)
    assert [e.id for e in outbox.ready(now=10.5)] == [after, second_in_lane]
    assert [e.id for e in outbox.ready(now=15.0)][-1] == later
    assert later in [e.id for e in outbox.claim(15.0, "me", 25.0, limit=10)]
    assert outbox.add("sync", {}, lane="s", now=15.1, coalesce=True) != later  # started: a new one is needed


def test_a_claim_is_a_lease_that_only_its_holder_finishes(tmp_path):
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    effect_id = outbox.add("post", {}, lane="a", now=10.0)
    [mine] = outbox.claim(10.0, "replica-a", 20.0, limit=5)
    assert outbox.claim(15.0, "replica-b", 25.0, limit=5) == [], "held: nobody else takes it"
    [taken] = outbox.claim(21.0, "replica-b", 31.0, limit=5)   # replica-a froze past its lease
    assert taken.id == effect_id and taken.maybe_performed and taken.attempts == 1
    assert not outbox.complete(mine, "replica-a", now=22.0), "a woken replica cannot finish what was taken over"
    assert outbox.state_of(effect_id) == "pending"
    assert outbox.complete(taken, "replica-b", now=23.0) and outbox.state_of(effect_id) == "done"


def test_failing_an_effect_fails_what_depends_on_it(tmp_path):
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    root = outbox.add("create", {}, lane="a", now=1.0)
    child = outbox.add("pin", {}, lane="b", now=1.0, depends_on=root)
    grandchild = outbox.add("more", {}, lane="c", now=1.0, depends_on=child)
    [claimed] = outbox.claim(1.0, "me", 11.0, limit=5)
    assert sorted(outbox.fail(claimed, "me", 2.0, "restricted_action")) == sorted([root, child, grandchild])
    assert outbox.state_of(grandchild) == "failed" and outbox.pending_count() == 0


def test_next_due_ignores_effects_blocked_behind_others_or_running(tmp_path):
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    head = outbox.add("create", {}, lane="a", now=10.0, delay=30.0)       # backing off until 40
    outbox.add("behind", {}, lane="a", now=10.0)                         # due now, but behind the head
    waiting = outbox.add("pin", {}, lane="b", now=10.0, depends_on=head)  # due now, but its dependency is not done
    assert outbox.next_due_at() == 40.0
    running = outbox.add("post", {}, lane="c", now=10.0)
    assert outbox.next_due_at() == 10.0
    assert outbox.next_due_at(frozenset({running})) == 40.0
    assert waiting not in [e.id for e in outbox.ready(now=100.0)]


def test_the_database_and_its_files_are_private_to_their_owner(tmp_path):
    db = open_database(tmp_path / "w.db", exclusive=True)
    db.execute("CREATE TABLE probe (x)")  # the WAL file exists once something is written
    for name in ("w.db", "w.db-wal", "w.db-shm", "w.db.lock"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    db.close()
    assert not (tmp_path / "w.db.lock").exists(), "a clean stop removes the lock file"


def test_a_corrupt_page_in_the_middle_is_one_clear_line(tmp_path):
    path = tmp_path / "w.db"
    db = open_database(path)
    db.execute("CREATE TABLE filler (x TEXT)")
    with db.transaction():
        for n in range(2000):
            db.execute("INSERT INTO filler VALUES (?)", ("x" * 200 + str(n),))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    first = int(db.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'filler'"))
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    # halfway through the filler's pages, which follow the schema's (an empty index's page scrambled
    # past its header is no corruption: the schema's share of the file grows with every migration)
    middle = ((first - 1 + len(data) // page) // 2) * page
    data[middle + 8: middle + 200] = b"\xff" * 192          # a b-tree page's cells, scrambled
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError) as refused:
        open_database(path)
    assert "is corrupt" in str(refused.value) and "\n" not in str(refused.value)


def test_a_second_warroom_is_refused_before_it_migrates_anything(tmp_path):
    import fcntl

    path = tmp_path / "w.db"
    open_database(path).close()
    old = sqlite3.connect(path)  # make it look like a database of an older warroom
    old.execute("DELETE FROM schema_migrations WHERE version = ?", (LATEST_VERSION,))
    old.commit()
    old.close()
    with open(f"{path}.lock", "w") as holder:  # the first warroom, still running
        holder.write("4242")
        holder.flush()
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(StorageError, match=r"another warroom \(pid 4242\) is already running"):
            open_database(path, exclusive=True)
    assert sqlite3.connect(path).execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == MIGRATIONS[-2].version
