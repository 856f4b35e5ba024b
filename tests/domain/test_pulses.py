"""Status pulses: a reminder when an open incident has been silent for its severity's interval,
again every interval while it stays silent; updates push it back, a snooze quiets it."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.incidents.model import IncidentError
from tests.domain.conftest import ALICE, BOB, START

NOW = START.timestamp()
MINUTE = 60.0


def pulses(rig, after: int = 0) -> list[float]:
    """When each recorded reminder was due (its ``at``)."""
    return [p.payload["context"]["at"] for p in rig.posts("incident.pulse", after=after)]


def test_a_silent_incident_is_reminded_every_interval(rig):
    rig.declare(severity="sev2")
    rig.run_for(29 * MINUTE)
    assert pulses(rig) == []
    rig.run_for(31 * MINUTE)
    assert pulses(rig) == [NOW + 30 * MINUTE, NOW + 60 * MINUTE]
    first = rig.posts("incident.pulse")[0]
    assert (first.lane, first.payload["target"], first.due_at) == ("post:incident:1", "incident:1", NOW + 30 * MINUTE)
    assert first.payload["context"] == {"incident": 1, "silent_for": 30 * MINUTE, "interval": 30 * MINUTE,
                                        "at": NOW + 30 * MINUTE}
    assert [(e.kind, e.data) for e in rig.incident_store.timeline(1)][1:] == \
        [("pulse", {"silent_for": 30 * MINUTE}), ("pulse", {"silent_for": 60 * MINUTE})]
    assert rig.timer("pulse", "incident:1").due_at == NOW + 90 * MINUTE


def test_an_update_pushes_the_reminder_back(rig):
    incident = rig.declare(severity="sev2")
    rig.run_for(20 * MINUTE)
    rig.incidents.post_update(incident, Actor(BOB), message="Rolling back")
    rig.run_for(29 * MINUTE)
    assert pulses(rig) == []
    rig.run_for(1 * MINUTE)
    assert pulses(rig) == [NOW + 50 * MINUTE]


def test_a_severity_without_pulses_is_never_reminded(rig):
    rig.declare(severity="sev4")
    assert rig.timer_store.all() == []
    rig.run_for(24 * 60 * MINUTE)
    assert pulses(rig) == []


def test_a_snooze_quiets_the_reminders_until_it_ends(rig):
    incident = rig.declare(severity="sev1")   # every 15 minutes
    rig.run_for(5 * MINUTE)
    until = rig.incidents.snooze_pulse(incident, Actor(ALICE), 2 * 3600)
    assert until == NOW + 5 * MINUTE + 2 * 3600
    assert rig.incident(1).snoozed_until == until
    rig.run_for(2 * 3600 - 1)
    assert pulses(rig) == []
    rig.run_for(1)
    assert pulses(rig) == [until]
    rig.run_for(15 * MINUTE)
    assert pulses(rig) == [until, until + 15 * MINUTE]


def test_a_new_severity_during_a_snooze_does_not_end_it(rig):
    incident = rig.declare(severity="sev2")
    until = rig.incidents.snooze_pulse(incident, Actor(ALICE), 3600)
    rig.incidents.set_severity(rig.incident(1), Actor(ALICE), "sev1")
    rig.run_for(3600 - 1)
    assert pulses(rig) == []
    rig.run_for(1)
    assert pulses(rig) == [until]


def test_no_change_answers_a_reminder_once(rig):
    rig.declare(severity="sev2")
    rig.run_for(30 * MINUTE)
    [reminder] = rig.posts("incident.pulse")
    reminded_at = reminder.payload["context"]["at"]
    rig.clock.advance(MINUTE)
    mark = rig.mark()
    answered = rig.incidents.no_change(rig.incident(1), Actor(BOB), reminded_at=reminded_at)
    assert answered.last_update_at == NOW + 31 * MINUTE
    [post] = rig.posts(after=mark)
    assert post.payload["message"] == "incident.update" and post.payload["context"]["no_change"] is True
    assert rig.timer("pulse", "incident:1").due_at == NOW + 61 * MINUTE

    mark = rig.mark()
    with pytest.raises(IncidentError) as refused:   # a second click, or someone else's
        rig.incidents.no_change(rig.incident(1), Actor(ALICE), reminded_at=reminded_at)
    assert refused.value.code == "already_updated" and rig.effects(after=mark) == []


def test_an_incident_without_a_channel_is_not_reminded(rig):
    rig.declare(severity="sev1")
    rig.channels.setup_failed(1, "restricted_action")
    rig.run_for(3600)
    assert pulses(rig) == []
