"""People keep the timeline true: events added at the time they happened, edited, deleted (kept in the
audit trail), marked key; every reader of the store's timeline sees the edited record. On both engines."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.incidents.model import IncidentError
from tests.domain.conftest import ALICE, BOB, CAROL, MANAGER, START

NOW = START.timestamp()   # 2026-03-02 09:00 UTC, when the incident is declared


def refused(call, *args, **kwargs) -> IncidentError:
    with pytest.raises(IncidentError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_timeline_story_is_stored_edited_and_audited(rig, incident):
    edits = rig.timeline
    rig.clock.advance(3600)                                   # 10:00 UTC
    early = edits.add(incident, Actor(BOB), "08:52", "Customer reported 502s", zone="UTC")
    berlin = edits.add(incident, Actor(ALICE), "10:40", "Rollback started", zone="Europe/Berlin")
    yesterday = edits.add(incident, Actor(BOB), "yesterday 23:50", "Deploy 4812 went out", zone="UTC")
    assert (early.at, early.kind, early.actor, early.is_key) == (NOW - 8 * 60, "event", BOB, False)
    assert berlin.at == NOW + 40 * 60                 # 10:40 in Berlin is 09:40 UTC
    assert yesterday.at == NOW - 9 * 3600 - 10 * 60

    kinds = [(e.kind, e.text) for e in rig.incident_store.timeline(1)]
    assert kinds[:3] == [("event", "Deploy 4812 went out"), ("event", "Customer reported 502s"),
                         ("declared", "Checkout errors")], "ordered by when it happened"

    mark = rig.incident_store.record_mark(1)
    edited = edits.edit(incident, Actor(CAROL), f"e{early.id}", text="Customer reported 502s on checkout",
                        when="08:50", zone="UTC")
    assert (edited.text, edited.at, edited.edited_at) == ("Customer reported 502s on checkout", NOW - 600, NOW + 3600)
    assert rig.incident_store.record_mark(1) != mark
    only_time = edits.edit(incident, Actor(BOB), str(berlin.id), when="09:45", zone="UTC")
    assert (only_time.text, only_time.at) == ("Rollback started", NOW + 45 * 60)

    edits.set_key(incident, Actor(BOB), f"e{early.id}", True)
    mark = rig.incident_store.record_mark(1)
    edits.delete(incident, MANAGER, f"E{yesterday.id}")
    assert rig.incident_store.record_mark(1) != mark
    edits.set_key(incident, Actor(BOB), str(berlin.id), True)
    edits.set_key(incident, Actor(BOB), str(berlin.id), False)

    shown = rig.incident_store.timeline(1)
    assert yesterday.id not in [e.id for e in shown], "a deleted event leaves the record"
    assert [(e.kind, e.text) for e in rig.incident_store.timeline(1, key_only=True)] == [
        ("event", "Customer reported 502s on checkout"), ("declared", "Checkout errors")]
    assert rig.incident_store.event(yesterday.id).deleted_at == NOW + 3600, "kept, hidden"

    trail = [(c.event_id, c.action, c.actor, c.old_at, c.old_text, c.old_key, c.new_at, c.new_text, c.new_key)
             for c in rig.timeline.audit.changes(1)]
    assert trail == [
        (early.id, "added", BOB, None, None, None, NOW - 480, "Customer reported 502s", None),
        (berlin.id, "added", ALICE, None, None, None, NOW + 2400, "Rollback started", None),
        (yesterday.id, "added", BOB, None, None, None, NOW - 33000, "Deploy 4812 went out", None),
        (early.id, "edited", CAROL, NOW - 480, "Customer reported 502s", None, NOW - 600,
         "Customer reported 502s on checkout", None),
        (berlin.id, "edited", BOB, NOW + 2400, "Rollback started", None, NOW + 2700, "Rollback started", None),
        (early.id, "keyed", BOB, None, None, False, None, None, True),
        (yesterday.id, "deleted", MANAGER.user, NOW - 33000, "Deploy 4812 went out", False, None, None, None),
        (berlin.id, "keyed", BOB, None, None, False, None, None, True),
        (berlin.id, "unkeyed", BOB, None, None, True, None, None, False),
    ]
    assert all(c.at == NOW + 3600 for c in rig.timeline.audit.changes(1))


def test_times_ids_and_people_that_are_refused(rig, incident):
    edits = rig.timeline
    rig.clock.advance(3600)                                   # 10:00 UTC
    assert refused(edits.add, incident, Actor(BOB), "10:05", "Not yet", zone="UTC").code == "event_in_future"
    assert refused(edits.add, incident, Actor(BOB), "19:30", "Later in Tokyo", zone="Asia/Tokyo").code == \
        "event_in_future"                                     # 19:30 in Tokyo is 10:30 UTC
    assert edits.add(incident, Actor(BOB), "10:00", "Just now", zone="UTC").at == NOW + 3600
    assert refused(edits.add, incident, Actor(BOB), "2026-02-23 08:59", "Too early", zone="UTC").code == \
        "event_too_early"
    assert edits.add(incident, Actor(BOB), "2026-02-23 09:00", "A week before", zone="UTC").at == NOW - 7 * 86400
    assert refused(edits.add, incident, Actor(BOB), "25:61", "x", zone="UTC").code == "event_time_unreadable"
    assert refused(edits.add, incident, Actor(BOB), "09:30", "   ", zone="UTC").code == "empty_text"
    assert refused(edits.add, incident, Actor(BOB, in_channel=False), "09:30", "x", zone="UTC").code == \
        "not_in_channel"

    declared = rig.incident_store.timeline(1)[1]
    assert declared.kind == "declared"
    assert refused(edits.edit, incident, Actor(BOB), str(declared.id), text="x", zone="UTC").code == \
        "event_not_editable"
    assert edits.set_key(incident, Actor(BOB), str(declared.id), False).is_key is False, "warroom's own: key or not"
    assert refused(edits.set_key, incident, Actor(BOB), str(declared.id), False).code == "event_key_already"

    rig.declare("Search is slow", "sev3", by=CAROL)
    other = rig.timeline.add(rig.incident(2), Actor(CAROL), "09:50", "Index rebuild", zone="UTC")
    wrong = refused(edits.delete, incident, Actor(BOB), f"e{other.id}")
    assert (wrong.code, wrong.params["event"]) == ("event_of_other_incident", other.id)
    assert refused(edits.delete, incident, Actor(BOB), "e99999").code == "no_such_event"
    assert refused(edits.delete, incident, Actor(BOB), "five").code == "not_an_event_id"
    mine = edits.add(incident, Actor(BOB), "09:10", "Oops", zone="UTC")
    edits.delete(incident, Actor(BOB), f"e{mine.id}")
    assert refused(edits.delete, incident, Actor(BOB), f"e{mine.id}").code == "no_such_event", "deleted is gone"
    assert refused(edits.edit, incident, Actor(BOB), f"e{other.id}", zone="UTC").code == "event_of_other_incident"
    assert rig.incident_store.event(other.id).deleted_at is None
