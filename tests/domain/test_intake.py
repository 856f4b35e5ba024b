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
