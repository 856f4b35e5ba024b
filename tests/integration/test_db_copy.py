"""storage/copy.py against a real PostgreSQL: a SQLite database moved whole or not at all."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import migrations
from storage.copy import CopyFailed, CopyRefused, copy_sqlite_to_postgres
from storage.database import Database
from storage.db import open_database
from storage.instance_lock import InstanceLock
from storage.migrations import LATEST_VERSION
from tests.db_contents import contents, warroom_tables
from tests.test_cli import warroom

TRICKY = "it's \"quoted\" \\ back\tslash\nnew line 🔥 ١٢٣ %s ? é"
INT8_MAX, INT8_MIN = 2 ** 63 - 1, -(2 ** 63)

# one or more rows in every table, with values SQLite stores loosely: text with quotes, escapes and
# placeholders, 64-bit extremes, floats that must survive to the last bit, infinity, NULLs
EVERY_TABLE = [
    ("INSERT INTO incidents (id, title, description, severity, status, commander, declared_by, declared_at, "
     "declared_in, is_private, channel_name, channel_id, resolved_at, summary, last_update_at, snoozed_until, "
     "source, updated_at) VALUES (1, ?, '', 'SEV1', 'investigating', 'U1', 'U2', 1767225600.123456, 'C1', 0, "
     "'inc-1', 'C10', NULL, NULL, ?, NULL, '{\"ts\": \"1.2\"}', 1767225601)", (TRICKY, 0.1 + 0.2)),
    ("INSERT INTO incidents (id, title, severity, status, commander, declared_by, declared_at, is_private, "
     "channel_name, resolved_at, summary, root_cause, mitigation, last_update_at, updated_at) "
     "VALUES (7, 'private one', 'SEV2', 'resolved', 'U1', 'U1', 5, 1, 'inc-7', 1e300, 'done', 'dns', 'revert', "
     "5, '6')", ()),  # '6' into a REAL column: SQLite stores 6.0
    ("INSERT INTO incident_roles VALUES (1, 'commander', 'U1', 1767225600.5, NULL)", ()),
    ("INSERT INTO timeline (id, incident_id, at, actor, kind, text, data, is_key, message_ts, edited_at, deleted_at) "
     "VALUES (1, 1, 1767225600.25, 'U1', 'declared', '', '{}', 1, NULL, NULL, NULL), "
     "(2, 1, 1767225700, NULL, 'message', ?, '{}', 0, '1767225700.000100', 1767225701.5, -0.5), "
     "(3, 7, 6, 'U1', 'note', 'x', '{}', ?, NULL, NULL, NULL)", (TRICKY, INT8_MAX)),
    ("INSERT INTO followups VALUES (1, 1, 'write the postmortem', 'U2', 'U1', 1767225800, NULL)", ()),
    ("INSERT INTO links VALUES (1, 1, 'https://status.example.com/?a=1&b=%20', 'status', 'U1', 1767225900, 'Bk1'), "
     "(2, 7, 'https://x.example', 'x', 'U1', 7, NULL)", ()),
    # an effect that depends on a later one: COPY checks the reference when the whole table is in
    ("INSERT INTO outbox (id, kind, lane, payload, state, attempts, due_at, created_at) "
     "VALUES (5, 'chat.post', 'incident:1', '{}', 'done', 1, 1767225600, 1767225600)", ()),
    ("INSERT INTO outbox (id, kind, lane, payload, state, attempts, first_attempt_at, due_at, depends_on, created_at, "
     "last_error, result, claimed_by, lease_until, coalesces) VALUES (3, 'surface.sync', 'incident:1', ?, "
     "'pending', 2, 1767225600.75, 1767225601, 5, 1767225600, 'ratelimited', NULL, 'host:1:ab', 1767225610, 1)",
     (TRICKY,)),
    ("INSERT INTO surfaces VALUES ('incident:1:status', 'C10', '1767225600.000200', 'abc123', 1767225600)", ()),
    ("INSERT INTO timers (id, kind, subject, due_at, payload) VALUES (4, 'pulse', 'incident:1', 1767226500, '{}')", ()),
    ("INSERT INTO seen_events VALUES ('Ev1', 1767225600)", ()),
    ("INSERT INTO escalations (id, subject, policy, levels, repeat, level, round, state, created_at, subject_kind, "
     "subject_id) VALUES (1, 'alert:1', 'default', '[]', ?, ?, 0, 'active', 1767225600, 'alert', 1)",
     (INT8_MAX, INT8_MIN)),
    ("INSERT INTO pages (id, escalation_id, user_id, level, round, via, sent_at, dm_group, paged_by) "
     "VALUES (1, 1, 'U1', 0, 0, 'schedule:primary', 1767225600, 'alerts:prom:U1', NULL)", ()),
    ("INSERT INTO overrides VALUES (1, 'primary', 'U3', 1767225600, 1767232800, 'U2', 1767225600)", ()),
    ("INSERT INTO alert_batches VALUES (1, 'alerts', 1767225600, NULL)", ()),
    ("INSERT INTO alerts (id, source, dedup_key, summary, details, priority, status, channel, created_at, "
     "updated_at, event_count, incident_id, labels, batch_id) VALUES (1, 'prom', 'fp1', ?, '', 'high', "
     "'pending', 'alerts', 1767225600, 1767225600, 3, 1, '{\"a\": 1}', 1), "
     "(2, 'web', 'k2', 'gone', '', 'low', 'pending', 'alerts', 1, 1, 1, NULL, '{}', NULL)", (TRICKY,)),
    # the triggers counted 'web' open, then down to 0 again: the copy keeps that row as it is
    ("UPDATE alerts SET status = 'resolved', resolved_at = 2 WHERE id = 2", ()),
    ("INSERT INTO alert_log VALUES (1, 1, 1767225600, 'created', NULL, '{}')", ()),
    ("INSERT INTO health_probe VALUES (1, 1767225600)", ()),
    ("INSERT INTO alert_dm_groups VALUES ('U1', 'prom', 'alerts:prom:U1')", ()),
    ("INSERT INTO leases VALUES ('sender', 'host:1:ab', ?, 3)", (float("inf"),)),
    # the web side, the status page, pages beyond Slack, on-call that runs itself
    ("INSERT INTO web_secrets VALUES ('session', ?)", (TRICKY,)),
    ("INSERT INTO login_links VALUES ('ab12', 'U1', 1767225600, 1767226500, NULL)", ()),
    ("INSERT INTO status_incidents VALUES (1, 1, '[\"API\"]', 'U1', 1767225600, NULL, 2)", ()),
    ("INSERT INTO status_updates VALUES (1, 1, 1767225600.5, 'investigating', ?, 'U1')", (TRICKY,)),
    ("INSERT INTO notifications (id, page_id, escalation_id, user_id, step, method, priority, due_at, state, attempts, "
     "detail, receipt, created_at, sent_at) VALUES (1, 1, 1, 'U1', 0, 'ntfy', 'high', 1767225660, 'sent', 1, '', "
     "'r-1', 1767225600, 1767225661)", ()),
    ("INSERT INTO notification_log VALUES (1, 1, 1767225661, 'sent', ?)", (TRICKY,)),
    ("INSERT INTO used_ack_links VALUES ('cd34', 1, 1767225700)", ()),
    ("INSERT INTO silences VALUES (1, 'prom', 1767225600, 1767229200, 'U1', 1767225600)", ()),
    ("INSERT INTO shift_handoffs VALUES ('primary', 1767225600, 'U1', 'U2', 1767312000, 1, 1767225601)", ()),
    ("INSERT INTO swaps VALUES (1, 'primary', 'U1', 'U2', 1767225600, 1767312000, NULL, NULL, 'pending', "
     "1767225600, NULL)", ()),
    ("INSERT INTO checklist_items VALUES (1, 1, 0, ?, 1767225700.5, 'U1'), (2, 1, 1, 'page the DBA', NULL, NULL)",
     (TRICKY,)),
    ("INSERT INTO timeline_audit VALUES (1, 1, 1, 'edited', 'U1', 1767225800, 1767225600.000100, 'old', 1, "
     "1767225600.000100, ?, 0)", (TRICKY,)),
    ("INSERT INTO webhook_deliveries VALUES (1, 'ops-bus', 'msg_1', 'incident.declared', 'incident:1', 1, "
     "1767225600.25, 31, NULL, ?, 'retry', 1767225605.5), (2, 'ops-bus', 'msg_1', 'incident.declared', "
     "'incident:1', 2, 1767225606, 4, 204, NULL, 'delivered', NULL)", (TRICKY,)),
    ("INSERT INTO webhook_states VALUES ('ops-bus', 'https://hooks.example.com/in?token=t', 1767225607.5, ?, NULL), "
     "('siem', 'https://siem.example.com/in', NULL, NULL, 1767225700)", (TRICKY,)),
    ("INSERT INTO tickets VALUES (1, 'github', 'open', 'warroom-followup-1-ab12cd34', 'acme/ops#12', '12', "
     "'https://github.com/acme/ops/issues/12', NULL, NULL, 1767225800.5, 1767225801, NULL, NULL)", ()),
    # a postmortem whose current version is a person's edit and whose newer draft waits aside
    ("INSERT INTO postmortems VALUES (1, 1, 2, 3, 1767225600, 1767225700)", ()),
    ("INSERT INTO postmortem_versions VALUES (1, 1, 1, 'draft', ?, NULL, 'U1', 1767225600, 5), "
     "(2, 1, 2, 'human', '# edited', NULL, 'U2', 1767225650.5, NULL), "
     "(3, 1, 3, 'draft', '# later', 'written by AI', 'U1', 1767225700, 3)", (TRICKY,)),
    ("INSERT INTO postmortem_uploads VALUES (5, 1, 'C20', 'F1', 1767225601, 1767225602.25, '1767225602.000100')", ()),
]


def populated(path: Path) -> str:
    db = open_database(path)
    try:
        with db.transaction():
            for sql, params in EVERY_TABLE:
                db.execute(sql, params)
    finally:
        db.close()
    return str(path)


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def pg_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = current_schema()")]


def opened_by_an_older_warroom(database: str, version: int, monkeypatch) -> Database:
    """``database`` opened, and migrated, by a warroom whose newest migration is ``version``."""
    with monkeypatch.context() as older:
        older.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m.version <= version])
        older.setattr(migrations, "LATEST_VERSION", version)
        return open_database(database)


@pytest.fixture
def target(postgres_url):
    return postgres_url


@pytest.fixture
def source(tmp_path) -> str:
    return populated(tmp_path / "warroom.db")


def test_every_table_is_copied_value_for_value_and_type_for_type(source, target):
    tables = warroom_tables(source)
    before = contents(source, tables)
    assert all(before.values()), [t for t, rows in before.items() if not rows]  # the fixture fills every table
    unchanged = digest(source)

    result = copy_sqlite_to_postgres(source, target, batch_rows=2)  # batches smaller than the tables

    assert contents(target, tables) == before
    assert result.rows == {table: len(rows) for table, rows in before.items()}
    assert list(result.rows).index("incidents") < list(result.rows).index("timeline")
    assert result.schema_version == LATEST_VERSION and result.migrated_from is None
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (LATEST_VERSION,)
        types = {r[0] for r in conn.execute("SELECT DISTINCT data_type FROM information_schema.columns "
                                            "WHERE table_schema = current_schema() AND table_name != 'schema_migrations'")}
    assert types == {"bigint", "double precision", "text"}
    assert digest(source) == unchanged
    assert sorted(p.name for p in Path(source).parent.iterdir() if p.name.endswith(".lock")) == []


def test_new_rows_after_the_copy_get_the_next_ids(source, target):
    copy_sqlite_to_postgres(source, target)
    db = open_database(target)
    try:
        incident = db.insert("incidents", {"title": "after the move", "severity": "SEV2", "status": "investigating",
                                           "commander": "U1", "declared_by": "U1", "declared_at": 1.0,
                                           "channel_name": "inc-8", "last_update_at": 1.0, "updated_at": 1.0})
        event = db.insert("timeline", {"incident_id": incident, "at": 1.0, "kind": "declared"})
        effect = db.insert("outbox", {"kind": "chat.post", "lane": "x", "due_at": 1.0, "created_at": 1.0})
        link = db.insert("links", {"incident_id": incident, "url": "https://x", "title": "x", "added_by": "U1",
                                   "added_at": 1.0})
    finally:
        db.close()
    assert (incident, event, effect, link) == (8, 4, 6, 3)


def test_a_target_with_rows_is_refused_and_left_as_it_was(source, target):
    db = open_database(target)
    db.execute("INSERT INTO seen_events VALUES ('Ev9', 1)")
    db.execute("INSERT INTO leases VALUES ('sender', 'replica', 1, 1), ('other', 'replica', 1, 1)")
    db.close()
    tables = warroom_tables(source)
    before = contents(target, tables)

    with pytest.raises(CopyRefused) as refused:
        copy_sqlite_to_postgres(source, target)

    assert str(refused.value) == ("the target is not empty: leases has 2 rows, seen_events has 1 row; copy into an "
                                  "empty database (nothing was changed)")
    assert contents(target, tables) == before


def test_a_target_with_rows_at_an_older_version_is_not_migrated(source, target, monkeypatch):
    db = opened_by_an_older_warroom(target, 3, monkeypatch)
    db.execute("INSERT INTO seen_events VALUES ('Ev9', 1)")
    db.close()

    with pytest.raises(CopyRefused, match="seen_events has 1 row"):
        copy_sqlite_to_postgres(source, target)

    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (3,)


def test_a_source_a_warroom_is_running_on_is_refused(source, target):
    lock = InstanceLock(source)
    lock.acquire()
    try:
        with pytest.raises(CopyRefused) as refused:
            copy_sqlite_to_postgres(source, target)
    finally:
        lock.release()
    assert str(refused.value) == (f"warroom (pid {os.getpid()}) is running with {source}; stop warroom first: a "
                                  "copy taken while it runs would miss everything it records after")
    assert pg_tables(target) == []  # the target was not touched


def test_a_source_written_by_an_older_warroom_is_copied_from_a_migrated_snapshot(tmp_path, target, monkeypatch):
    path = str(tmp_path / "old.db")
    db = opened_by_an_older_warroom(path, 7, monkeypatch)
    db.execute("INSERT INTO escalations (subject, levels, created_at) VALUES ('alert:12', '[]', 1)")
    db.close()
    unchanged = digest(path)

    result = copy_sqlite_to_postgres(path, target)

    assert result.migrated_from == 7 and result.schema_version == LATEST_VERSION
    with psycopg.connect(target) as conn:
        # migration 8 ran on the way: the subject as columns
        assert conn.execute("SELECT subject, subject_kind, subject_id FROM escalations").fetchall() == [
            ("alert:12", "alert", 12)]
    assert digest(path) == unchanged
    assert sqlite3.connect(path).execute("SELECT max(version) FROM schema_migrations").fetchone() == (7,)


@pytest.mark.parametrize("setup,message", [
    (lambda db: db.execute("INSERT INTO schema_migrations VALUES (99, 'future', 0)"),
     "has schema version 99, newer than this warroom understands"),
    (lambda db: db.execute("DROP TABLE schema_migrations"), "is not a warroom database"),
])
def test_a_source_at_no_version_this_warroom_knows_is_refused(tmp_path, target, setup, message):
    path = str(tmp_path / "w.db")
    db = open_database(path)
    setup(db)
    db.close()
    with pytest.raises(CopyRefused, match=message):
        copy_sqlite_to_postgres(path, target)
    assert pg_tables(target) == []


def test_a_count_that_differs_after_the_copy_rolls_everything_back(source, target):
    open_database(target).close()  # migrated; then a target that quietly drops the rows of one table
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
        conn.execute("CREATE TRIGGER drop_links BEFORE INSERT ON links FOR EACH ROW EXECUTE FUNCTION drop_row()")

    with pytest.raises(CopyFailed) as failed:
        copy_sqlite_to_postgres(source, target)

    assert str(failed.value) == ("links has 0 rows in the target after the copy but 2 in the source; "
                                 "rolled back, nothing was copied")
    assert all(rows == [] for rows in contents(target, warroom_tables(source)).values())


@pytest.mark.parametrize("sql,message", [
    ("UPDATE incidents SET is_private = 'yes' WHERE id = 7",
     "incidents (id=7): is_private holds 'yes', but the column takes whole numbers (BIGINT)"),
    ("UPDATE timeline SET at = 'soon' WHERE id = 2",
     "timeline (id=2): at holds 'soon', but the column takes numbers (DOUBLE PRECISION)"),
    ("UPDATE alert_dm_groups SET dm_group = 'a' || char(0) || 'b'",
     "alert_dm_groups (user_id='U1', source='prom'): dm_group holds 'a\\x00b', with a NUL character, "
     "which PostgreSQL text cannot hold"),
    ("UPDATE surfaces SET digest = x'00ff'",
     "surfaces (key='incident:1:status'): digest holds 2 bytes of binary data, but the column takes text"),
])
def test_a_value_postgresql_cannot_hold_is_named_and_nothing_is_copied(source, target, sql, message):
    conn = sqlite3.connect(source)
    conn.execute(sql)
    conn.commit()
    conn.close()

    with pytest.raises(CopyFailed) as failed:
        copy_sqlite_to_postgres(source, target)

    assert str(failed.value) == f"{message}; correct it in the SQLite file and copy again (rolled back, nothing was copied)"
    assert all(rows == [] for rows in contents(target, warroom_tables(source)).values())


# what a person sees --------------------------------------------------------------------------

def test_the_command_prints_what_it_copied_and_the_next_step_never_the_password(source, target):
    secret_url = target.replace("postgres@", "postgres:s3cr%40t@")  # the test server trusts, and ignores it
    done = warroom("db", "copy", source, secret_url)

    assert done.returncode == 0, done.stderr
    shown = target.replace("postgres@", "postgres:***@")
    lines = done.stdout.splitlines()
    tables = warroom_tables(source)
    rows = sum(len(table_rows) for table_rows in contents(source, tables).values())
    assert lines[0].startswith(f"copied {source} to {shown}: {len(tables)} tables, {rows} rows, schema version "
                               f"{LATEST_VERSION}, ")
    assert "incidents 2, " in lines[1] and "timeline 3, " in lines[1] and "empty" not in lines[1]
    assert lines[2] == (f"next: set WARROOM_DB={shown} (with its password) and start warroom; keep {source} as the "
                        "backup, warroom no longer writes to it")
    assert done.stderr == ""

    again = warroom("db", "copy", source, secret_url)  # now the target is not empty
    assert again.returncode == 2
    assert again.stderr == ("warroom: the target is not empty: alert_batches has 1 row, alert_dm_groups has 1 row, "
                            f"alert_log has 1 row, and {len(tables) - 3} more tables have rows; copy into an empty "
                            "database (nothing was changed)\n")
    for output in (done.stdout, again.stderr):
        assert "s3cr" not in output


@pytest.mark.parametrize("url", [
    "postgresql://warroom:s3cret@127.0.0.1:1/warroom",
    "postgresql://warroom@127.0.0.1:1/warroom?password=s3cret&connect_timeout=2",
])
def test_an_unreachable_target_is_one_line_without_the_password(source, url):
    done = warroom("db", "copy", source, url)
    assert done.returncode == 2
    assert done.stderr.startswith("warroom: cannot reach PostgreSQL at postgresql://warroom")
    assert "s3cret" not in done.stderr and "***" in done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""


@pytest.mark.parametrize("args,message", [
    (["postgresql://x@h/db", "w.db"], "the source is a PostgreSQL URL; give the SQLite file first"),
    (["{tmp}/w.db", "{tmp}/other.db"], "is not a PostgreSQL URL; give one like postgresql://"),
    (["{tmp}/missing.db", "postgresql://x@h/db"], "nothing to copy: {tmp}/missing.db does not exist"),
])
def test_wrong_arguments_are_refused_in_one_line(tmp_path, args, message):
    populated(tmp_path / "w.db")
    done = warroom("db", "copy", *(a.format(tmp=tmp_path) for a in args))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("warroom: ") and message.format(tmp=tmp_path) in done.stderr


# any value SQLite takes in warroom's columns lands as it was -----------------------------------

texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=200)
numbers = st.floats(allow_nan=False) | st.integers(min_value=-(2 ** 53), max_value=2 ** 53).map(float)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(numbers, texts | st.none(), texts, st.integers(INT8_MIN, INT8_MAX),
                               numbers | st.none()), min_size=1, max_size=30))
def test_timeline_values_survive_the_move(postgres, rows):
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "w.db")
        db = open_database(path)
        db.execute("INSERT INTO incidents (title, severity, status, commander, declared_by, declared_at, "
                   "channel_name, last_update_at, updated_at) VALUES ('t', 'SEV1', 'investigating', 'U', 'U', 0, "
                   "'inc', 0, 0)")
        for at, actor, text, is_key, edited in rows:
            db.execute("INSERT INTO timeline (incident_id, at, actor, kind, text, is_key, edited_at) "
                       "VALUES (1, ?, ?, 'message', ?, ?, ?)", (at, actor, text, is_key, edited))
        db.close()
        url = postgres.new_schema()
        try:
            copy_sqlite_to_postgres(path, url, batch_rows=7)
            tables = {"timeline": ["id", "at", "actor", "text", "is_key", "edited_at"]}
            assert contents(url, tables) == contents(path, tables)
        finally:
            postgres.drop_schema(url)
