"""A transaction on PostgreSQL sends its statements without waiting for each answer (pipeline mode);
what it promises, on both engines: ids and rows read late are right, rowcounts are right, an error in
a statement nobody read still rolls the whole transaction back, and writes nobody reads cost no wait."""

import pytest

from storage.database import RowId
from storage.db import open_database
from storage.incidents import IncidentStore
from storage.outbox import OutboxStore


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.close()


def test_ids_read_late_chain_effects_and_rows_read_late_are_as_committed(db):
    outbox = OutboxStore(db)
    with db.transaction():
        first = outbox.add("create", {}, lane="incident:1", now=10.0)
        after = outbox.add("topic", {}, lane="topic:1", now=10.0, depends_on=first)   # an id as a parameter
        again = outbox.add("sync", {}, lane="s", now=10.0, coalesce=True)
        covered = outbox.add("sync", {}, lane="s", now=11.0, coalesce=True)
        row = db.one_later("SELECT kind, depends_on FROM outbox WHERE id = ?", (after,))
    assert covered == again and int(after) == int(first) + 1
    assert row() == ("topic", int(first))
    assert db.query("SELECT id, kind, depends_on FROM outbox ORDER BY id") == [
        (int(first), "create", None), (int(after), "topic", int(first)), (int(again), "sync", None)]
    assert {first, after} == {int(first), int(after)}   # hashable and equal as the numbers they are


def test_rowcounts_inside_a_transaction_are_waited_for(db):
    outbox = OutboxStore(db)
    effect_id = int(outbox.add("post", {}, lane="a", now=1.0))
    with db.transaction() as tx:
        assert tx.execute("UPDATE outbox SET due_at = 2.0 WHERE id = ?", (effect_id,)).rowcount == 1
        assert tx.execute("UPDATE outbox SET due_at = 2.0 WHERE id = ?", (effect_id + 99,)).rowcount == 0
        assert [r[0] for r in tx.execute("SELECT due_at FROM outbox")] == [2.0]


def test_an_error_in_a_statement_nobody_read_rolls_everything_back(db):
    incidents = IncidentStore(db)
    outbox = OutboxStore(db)
    with pytest.raises(Exception) as raised:
        with db.transaction():
            outbox.add("create", {}, lane="incident:1", now=10.0)
            incidents.set_role(12345, "commander", "U1", by="U1", at=1.0)   # no incident 12345: a foreign key fails
            outbox.add("topic", {}, lane="topic:1", now=10.0)
    assert "foreign key" in str(raised.value).lower()
    assert db.query("SELECT count(*) FROM outbox") == [(0,)]
    with db.transaction():   # the connection carries on
        outbox.add("create", {}, lane="incident:1", now=10.0)
    assert db.query("SELECT count(*) FROM outbox") == [(1,)]


def test_writes_nobody_reads_cost_no_wait_of_their_own(db, monkeypatch):
    outbox = OutboxStore(db)
    waits = {"during": 0, "at the end": 0}
    if db.engine == "postgresql":
        import psycopg

        sync, leave = psycopg.Pipeline.sync, psycopg.Pipeline.__exit__

        def counted_sync(pipeline):
            waits["during"] += 1
            return sync(pipeline)

        def counted_leave(pipeline, *exc):
            waits["at the end"] += 1
            return leave(pipeline, *exc)
        monkeypatch.setattr(psycopg.Pipeline, "sync", counted_sync)
        monkeypatch.setattr(psycopg.Pipeline, "__exit__", counted_leave)
    with db.transaction():
        first = outbox.add("create", {}, lane="incident:1", now=10.0)
        ids = [outbox.add("sync", {}, lane=f"s:{n}", now=10.0, depends_on=first, coalesce=True) for n in range(8)]
        outbox.add("reply", {}, lane="r", now=10.0)
    if db.engine == "postgresql":
        assert all(isinstance(i, RowId) for i in ids)
        # once for the id the others depend on, once for the COMMIT's answer
        assert waits == {"during": 1, "at the end": 1}
    assert sorted(int(i) for i in ids) == list(range(int(first) + 1, int(first) + 9))
    assert db.query("SELECT count(*) FROM outbox WHERE depends_on = ?", (int(first),)) == [(8,)]


def count_syncs(db, monkeypatch) -> dict[str, int]:
    waits = {"during": 0}
    if db.engine == "postgresql":
        import psycopg

        sync = psycopg.Pipeline.sync

        def counted_sync(pipeline):
            waits["during"] += 1
            return sync(pipeline)
        monkeypatch.setattr(psycopg.Pipeline, "sync", counted_sync)
    return waits


def test_an_answer_an_earlier_wait_brought_is_read_without_another_wait(db, monkeypatch):
    outbox = OutboxStore(db)
    waits = count_syncs(db, monkeypatch)
    with db.transaction():
        first = db.maybe_later("SELECT count(*) FROM outbox")
        second = db.maybe_later("SELECT 41 + 1")
        nothing = db.maybe_later("SELECT id FROM outbox WHERE id = -1")
        outbox.add("post", {}, lane="a", now=1.0)       # sent after them, read by nobody
        assert first() == (0,)
        outbox.add("post", {}, lane="b", now=1.0)
        assert second() == (42,) and nothing() is None
    if db.engine == "postgresql":
        assert waits == {"during": 1}
    assert db.query("SELECT lane FROM outbox ORDER BY id") == [("a",), ("b",)]


def test_coalescing_effects_of_one_transaction_are_one_row_and_one_statement(db):
    outbox = OutboxStore(db)
    with db.transaction():
        ids = [outbox.add("surface.sync", {"surface": "alertbatch:1"}, lane="surface:alertbatch:1", now=float(n),
                          coalesce=True) for n in range(5)]
    assert len({int(i) for i in ids}) == 1
    assert db.query("SELECT lane, due_at FROM outbox") == [("surface:alertbatch:1", 0.0)]
    db.execute("UPDATE outbox SET state = 'done' WHERE id = ?", (int(ids[0]),))
    with db.transaction():   # a new transaction: the done one covers nothing, a new row is written
        again = outbox.add("surface.sync", {"surface": "alertbatch:1"}, lane="surface:alertbatch:1", now=9.0,
                           coalesce=True)
    assert int(again) != int(ids[0]) and db.query("SELECT count(*) FROM outbox") == [(2,)]


def test_a_rolled_back_transaction_keeps_its_connection_and_stores_nothing(db):
    outbox = OutboxStore(db)
    connection = getattr(db, "conn", None)
    with pytest.raises(ValueError):
        with db.transaction():
            outbox.add("post", {}, lane="a", now=1.0)
            raise ValueError("changed my mind")
    assert getattr(db, "conn", None) is connection   # rolled back in the pipeline, not by reconnecting
    assert db.query("SELECT count(*) FROM outbox") == [(0,)]
    with db.transaction():
        outbox.add("post", {}, lane="b", now=1.0)
    assert db.query("SELECT lane FROM outbox") == [("b",)]


def test_try_serialize_says_when_another_transaction_holds_the_name(db, database_url):
    if db.engine != "postgresql":
        with db.transaction():
            assert db.try_serialize("alerts-and-pages")() is True   # one writer at a time is SQLite's rule
        return
    other = open_database(database_url)
    try:
        with other.transaction():
            other.serialize("alerts-and-pages")
            other.wait()   # taken (the statement was only sent)
            with db.transaction():
                assert db.try_serialize("alerts-and-pages")() is False
                assert db.try_serialize("something else")() is True
        with db.transaction():
            assert db.try_serialize("alerts-and-pages")() is True
    finally:
        other.close()
