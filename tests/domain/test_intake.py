"""The sliced intake: one delivery that raises fails alone, its events rolled back, the others stored."""

from __future__ import annotations

from bot.alerts.intake import Delivery, SlicedIntake
from bot.alerts.model import AlertEvent
from storage.errors import StorageConflict


def stored_summaries(rig) -> list[str]:
    return [r[0] for r in rig.db.query("SELECT summary FROM alerts ORDER BY id")]


def test_a_delivery_that_raises_fails_alone_and_keeps_nothing_of_the_slice(rig, monkeypatch):
    prometheus = rig.config.alert_source("prometheus")
    fire = rig.alerts.fire

    def fire_or_break(source, event):
        if event.summary == "broken":
            raise ValueError("a bug in the intake")
        return fire(source, event)

    monkeypatch.setattr(rig.alerts, "fire", fire_or_break)
    first = Delivery(prometheus, [AlertEvent("disk full on db-1", dedup_key="a"), AlertEvent("disk full on db-2", dedup_key="b")])
    broken = Delivery(prometheus, [AlertEvent("cpu hot on web-1", dedup_key="c"), AlertEvent("broken", dedup_key="d")])
    last = Delivery(prometheus, [AlertEvent("queue stuck", dedup_key="e")])
    outcome = SlicedIntake(rig.alerts, budget=60.0).store_slice([first, broken, last])
    assert [(d is broken, str(exc)) for d, exc in outcome.failed] == [(True, "a bug in the intake")]
    assert first.finished and last.finished and not broken.finished
    assert [r.alert.summary for r in first.results + last.results] == \
        ["disk full on db-1", "disk full on db-2", "queue stuck"]
    assert stored_summaries(rig) == ["disk full on db-1", "disk full on db-2", "queue stuck"]
    assert rig.db.query("SELECT count(*) FROM alert_batches")[0][0] == 1


def test_a_slice_rolled_back_by_another_writer_is_done_again_and_stores_each_event_once(rig, monkeypatch):
    prometheus = rig.config.alert_source("prometheus")
    fire = rig.alerts.fire
    conflicts = iter([True, True])   # the second event's first two tries meet a deadlock

    def fire_or_conflict(source, event):
        if event.dedup_key == "b" and next(conflicts, False):
            raise StorageConflict("deadlock detected")
        return fire(source, event)

    monkeypatch.setattr(rig.alerts, "fire", fire_or_conflict)
    delivery = Delivery(prometheus, [AlertEvent("disk full on db-1", dedup_key="a"),
                                     AlertEvent("disk full on db-2", dedup_key="b")])
    outcome = SlicedIntake(rig.alerts, budget=60.0).store_slice([delivery])
    assert outcome.failed == [] and outcome.database_error is None and delivery.finished
    assert [r.alert.summary for r in delivery.results] == ["disk full on db-1", "disk full on db-2"]
    assert stored_summaries(rig) == ["disk full on db-1", "disk full on db-2"]
    assert rig.db.query("SELECT sum(event_count) FROM alerts")[0][0] == 2


def test_a_slice_that_keeps_meeting_conflicts_fails_its_deliveries_with_nothing_stored(rig, monkeypatch):
    prometheus = rig.config.alert_source("prometheus")

    def always_conflict(source, event):
        raise StorageConflict("deadlock detected")

    monkeypatch.setattr(rig.alerts, "fire", always_conflict)
    delivery = Delivery(prometheus, [AlertEvent("disk full on db-1", dedup_key="a")])
    outcome = SlicedIntake(rig.alerts, budget=60.0).store_slice([delivery])
    assert isinstance(outcome.database_error, StorageConflict)
    assert [d for d, _ in outcome.failed] == [delivery] and stored_summaries(rig) == []


def counts(rig) -> list[tuple[str, str, str, int]]:
    return [tuple(r) for r in rig.db.query("SELECT dedup_key, summary, status, event_count FROM alerts ORDER BY id")]


def test_repeats_read_ahead_count_once_each_and_in_order_with_the_slice_other_events(rig):
    """A quick slice reads the open alerts of its keys at its start and counts their repeats without
    waiting; a key resolved and fired again in it, and one repeated twice, are still taken in order."""
    prometheus = rig.config.alert_source("prometheus")
    opened = Delivery(prometheus, [AlertEvent("disk a", dedup_key="a"), AlertEvent("disk b", dedup_key="b"),
                                   AlertEvent("disk c", dedup_key="c")])
    assert SlicedIntake(rig.alerts, budget=60.0).store_slice([opened]).failed == []
    storm = [Delivery(prometheus, [AlertEvent("disk a again", dedup_key="a")]),
             Delivery(prometheus, [AlertEvent("disk b", dedup_key="b", resolve=True),
                                   AlertEvent("disk b back", dedup_key="b")]),
             Delivery(prometheus, [AlertEvent("disk c again", dedup_key="c"), AlertEvent("disk a thrice", dedup_key="a")]),
             Delivery(prometheus, [AlertEvent("disk d new", dedup_key="d")])]
    outcome = SlicedIntake(rig.alerts, budget=60.0).store_slice(storm)
    assert outcome.failed == [] and all(d.finished for d in storm)
    assert counts(rig) == [("a", "disk a thrice", "pending", 3), ("b", "disk b", "resolved", 1),
                           ("c", "disk c again", "pending", 2), ("b", "disk b back", "pending", 1),
                           ("d", "disk d new", "pending", 1)]
    assert [r.created for r in storm[2].results] == [False, False]


def test_a_statement_that_fails_in_a_quick_slice_is_pinned_on_its_delivery_and_nothing_counts_twice(rig, monkeypatch):
    """On PostgreSQL the failing statement's error comes back with a later wait, maybe while another
    delivery's event is read: the slice is done again carefully, and only the culprit fails."""
    prometheus = rig.config.alert_source("prometheus")
    assert SlicedIntake(rig.alerts, budget=60.0).store_slice(
        [Delivery(prometheus, [AlertEvent("disk a", dedup_key="a"), AlertEvent("disk b", dedup_key="b")])]).failed == []
    fire = rig.alerts.fire

    def fire_or_write_nonsense(source, event):
        if event.summary == "nonsense":
            rig.db.execute("INSERT INTO alert_log (alert_id, kind, at) VALUES (?, ?, ?)", (999999, "x", 1.0))
        return fire(source, event)

    monkeypatch.setattr(rig.alerts, "fire", fire_or_write_nonsense)
    before, culprit, after = (Delivery(prometheus, [AlertEvent("disk a", dedup_key="a")]),
                              Delivery(prometheus, [AlertEvent("nonsense", dedup_key="n")]),
                              Delivery(prometheus, [AlertEvent("disk b", dedup_key="b")]))
    outcome = SlicedIntake(rig.alerts, budget=60.0).store_slice([before, culprit, after])
    assert [d for d, _ in outcome.failed] == [culprit]
    assert "foreign key" in str(outcome.failed[0][1]).lower()
    assert counts(rig) == [("a", "disk a", "pending", 2), ("b", "disk b", "pending", 2)]
    assert before.finished and after.finished and culprit.position == 0


def test_a_slice_that_must_not_wait_finds_another_intake_under_way_and_does_nothing(rig):
    """Another replica's slice holds the alerts (on SQLite one writer is the rule, so there is never anyone)."""
    prometheus = rig.config.alert_source("prometheus")
    delivery = Delivery(prometheus, [AlertEvent("disk a", dedup_key="a")])
    if rig.db.engine != "postgresql":
        assert SlicedIntake(rig.alerts).store_slice([delivery], wait_for_others=False).busy is False
        assert delivery.finished
        return
    from storage.db import open_database
    from bot.work import ALERTS_AND_PAGES

    other = open_database(rig.db.url)
    try:
        with other.transaction():
            other.serialize(ALERTS_AND_PAGES)
            other.wait()   # taken (the statement was only sent)
            outcome = SlicedIntake(rig.alerts).store_slice([delivery], wait_for_others=False)
            assert outcome.busy and outcome.failed == [] and delivery.position == 0
        assert counts(rig) == []
        assert SlicedIntake(rig.alerts).store_slice([delivery], wait_for_others=False).busy is False
        assert delivery.finished and counts(rig) == [("a", "disk a", "pending", 1)]
    finally:
        other.close()


def test_open_alerts_are_read_for_more_keys_than_one_statement_takes(rig):
    """A statement carries at most 49 keys (psycopg keeps the parsed form of a query up to 50
    parameters): 120 keys go as three, and every open alert comes back, no resolved one."""
    prometheus = rig.config.alert_source("prometheus")
    keys = [f"disk-{n:03d}" for n in range(120)]
    opened = Delivery(prometheus, [AlertEvent(f"{key} full", dedup_key=key) for key in keys])
    assert SlicedIntake(rig.alerts, budget=60.0).store_slice([opened]).failed == []
    closed = Delivery(prometheus, [AlertEvent("gone", dedup_key="disk-007", resolve=True)])
    assert SlicedIntake(rig.alerts, budget=60.0).store_slice([closed]).failed == []
    with rig.alerts.work():
        found = rig.alerts.open_alerts_later(prometheus, [*keys, "never-fired"])()
    assert sorted(found) == [key for key in keys if key != "disk-007"]
    assert {alert.summary for alert in found.values()} == {f"{key} full" for key in keys if key != "disk-007"}


def test_a_storm_of_repeats_over_many_keys_counts_each_once_slice_after_slice(rig):
    """The read-ahead grows with what a slice stores (from 16 keys up to 196): repeats beyond it are
    counted the slow way, and every repeat counts once either way."""
    prometheus = rig.config.alert_source("prometheus")
    keys = [f"node-{n:03d}" for n in range(150)]
    intake = SlicedIntake(rig.alerts, budget=60.0)
    assert intake.store_slice([Delivery(prometheus, [AlertEvent(k, dedup_key=k) for k in keys])]).failed == []
    for round_no in range(3):
        storm = [Delivery(prometheus, [AlertEvent(f"{k} again", dedup_key=k) for k in keys[n:n + 10]])
                 for n in range(0, len(keys), 10)]
        outcome = intake.store_slice(storm)
        assert outcome.failed == [] and all(d.finished for d in storm)
    assert {tuple(r) for r in rig.db.query("SELECT summary, event_count FROM alerts")} == \
        {(f"{k} again", 4) for k in keys}


def test_repeats_of_an_alert_resolved_later_in_the_slice_are_counted_before_it_closes(rig, monkeypatch):
    """Repeats are written together at the slice's end, but those of an alert the slice then resolves
    go first: the alert closes with its count, and the slice needs no careful second pass."""
    prometheus = rig.config.alert_source("prometheus")
    intake = SlicedIntake(rig.alerts, budget=60.0)
    opened = Delivery(prometheus, [AlertEvent("disk a", dedup_key="a"), AlertEvent("disk b", dedup_key="b")])
    assert intake.store_slice([opened]).failed == []
    passes = []
    quick_or_careful = intake._try_slice
    monkeypatch.setattr(intake, "_try_slice", lambda deliveries, touched, began, careful, wait:
                        passes.append(careful) or quick_or_careful(deliveries, touched, began, careful, wait))
    storm = [Delivery(prometheus, [AlertEvent("disk a again", dedup_key="a"), AlertEvent("disk b again", dedup_key="b"),
                                   AlertEvent("disk a thrice", dedup_key="a")]),
             Delivery(prometheus, [AlertEvent("disk a", dedup_key="a", resolve=True),
                                   AlertEvent("disk a back", dedup_key="a"), AlertEvent("disk b 3", dedup_key="b")])]
    outcome = intake.store_slice(storm)
    assert outcome.failed == [] and all(d.finished for d in storm) and passes == [False]
    assert counts(rig) == [("a", "disk a thrice", "resolved", 3), ("b", "disk b 3", "pending", 3),
                           ("a", "disk a back", "pending", 1)]
