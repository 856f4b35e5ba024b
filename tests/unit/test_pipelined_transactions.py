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
