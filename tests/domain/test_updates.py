"""Status updates, severity, commander and roles: state, timeline and effects in one step; the
surfaces are synced once per kind however many changes come at once; only the commander or an
incident manager may steer."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.incidents.model import IncidentError
from kernel.incidents import Status
from tests.domain.conftest import ALICE, BOB, CAROL, CONFIG, MANAGER, START

NOW = START.timestamp()
SURFACES = ["incident:1:announcement", "incident:1:status", "incident:1:topic"]



def test_an_update_records_the_status_posts_it_and_restarts_the_pulse(rig, incident):
    rig.clock.advance(600)
    mark = rig.mark()
    updated = rig.incidents.post_update(incident, Actor(BOB), message=" Found the bad deploy ",
                                        status=Status.IDENTIFIED)

    assert (updated.status, updated.last_update_at) == (Status.IDENTIFIED, NOW + 600)
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.actor, event.text, event.is_key) == ("update", BOB, "Found the bad deploy", True)
    assert event.data == {"status": "identified", "previous": "investigating", "no_change": False}
    [post] = rig.posts(after=mark)
    assert (post.lane, post.payload["target"], post.payload["message"]) == \
        ("post:incident:1", "incident:1", "incident.update")
    assert post.payload["context"] == {"incident": 1, "author": BOB, "status": "identified",
                                       "previous": "investigating", "text": "Found the bad deploy",
                                       "at": NOW + 600, "no_change": False, "minutes": 30}
    # the surfaces wait a settle second for more changes
    syncs = rig.effects("surface.sync", after=mark)
    assert sorted(s.payload["surface"] for s in syncs) == SURFACES
    assert {s.due_at for s in syncs} == {NOW + 601}
    assert rig.timer("pulse", "incident:1").due_at == NOW + 600 + 30 * 60


def test_an_update_without_a_status_change_is_not_a_key_event(rig, incident):
    rig.incidents.post_update(incident, Actor(ALICE), message="Still looking")
    assert rig.incident(1).status == Status.INVESTIGATING
    assert rig.incident_store.timeline(1)[-1].is_key is False


def test_changes_in_quick_succession_sync_each_surface_once(rig, incident):
    mark = rig.mark()
    rig.incidents.post_update(incident, Actor(ALICE), message="One")
    rig.clock.advance(0.3)
    rig.incidents.set_severity(rig.incident(1), Actor(ALICE), "sev1")
    rig.clock.advance(0.3)
    rig.incidents.assign_role(rig.incident(1), Actor(ALICE), "scribe", BOB)
    assert sorted(rig.synced(after=mark)) == SURFACES
    assert {e.due_at for e in rig.effects("surface.sync", after=mark)} == {NOW + 1}

    # once the adapter has started writing one, a later change needs another write
    status_sync = next(e for e in rig.effects("surface.sync", after=mark) if e.payload["surface"] == "incident:1:status")
    rig.db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (status_sync.id,))  # being written
    again = rig.mark()
    rig.incidents.post_update(rig.incident(1), Actor(ALICE), message="Two")
    assert rig.synced(after=again) == ["incident:1:status"]


def test_an_update_to_comms_also_goes_to_the_comms_channel(rig, incident):
    mark = rig.mark()
    rig.incidents.post_update(incident, Actor(ALICE), message="Customers see errors", to_comms=True)
    assert [(p.payload["target"], p.payload["message"]) for p in rig.posts(after=mark)] == \
        [("incident:1", "incident.update"), ("config:comms", "incident.comms_update")]


def test_comms_without_a_comms_channel_is_refused(make_rig):
    rig = make_rig(CONFIG.replace(", comms: comms", ""))
    incident = rig.declare()
    mark = rig.mark()
    with pytest.raises(IncidentError) as refused:
        rig.incidents.post_update(incident, Actor(ALICE), message="Hello", to_comms=True)
    assert refused.value.code == "comms_not_configured" and rig.effects(after=mark) == []


@pytest.mark.parametrize("message,status,code", [
    ("", None, "empty_text"),
    ("Fixed", Status.RESOLVED, "resolve_with_command"),
])
def test_updates_that_cannot_be_done_change_nothing(rig, incident, message, status, code):
    mark = rig.mark()
    with pytest.raises(IncidentError) as refused:
        rig.incidents.post_update(incident, Actor(ALICE), message=message, status=status)
    assert refused.value.code == code
    assert rig.effects(after=mark) == [] and rig.incident(1) == incident


def test_a_status_alone_needs_no_message(rig, incident):
    updated = rig.incidents.post_update(incident, Actor(ALICE), message="", status=Status.MONITORING)
    assert updated.status == Status.MONITORING


def test_an_incident_whose_severity_left_the_config_carries_on_without_reminders(rig, incident):
    """warroom.yml renamed its severities while an incident was open: people can still post updates
    and resolve and reopen it; it is not reminded (as a pulse that finds no severity stops) until
    someone gives it a severity that exists."""
    rig.restart(CONFIG + "severities:\n  - {name: P1, pulse: 15m}\n  - {name: P2, pulse: 30m}\n"
                         "incident: {default_severity: p2}\n")
    rig.clock.advance(600)
    mark = rig.mark()
    updated = rig.incidents.post_update(rig.incident(1), Actor(ALICE), message="Still on it", status=Status.IDENTIFIED)
    assert (updated.severity, updated.status, updated.last_update_at) == ("SEV2", Status.IDENTIFIED, NOW + 600)
    [post] = rig.posts(after=mark)
    assert post.payload["context"]["minutes"] is None
    assert rig.timer("pulse", "incident:1") is None

    rig.incidents.resolve(rig.incident(1), Actor(ALICE), summary="Fixed")
    assert rig.incidents.reopen(rig.incident(1), Actor(ALICE)).status == Status.IDENTIFIED
    assert rig.timer("pulse", "incident:1") is None
    rig.run_for(3600)
    assert rig.posts("incident.pulse") == []

    rig.incidents.set_severity(rig.incident(1), Actor(ALICE), "p1")
    assert rig.timer("pulse", "incident:1").due_at == NOW + 600 + 3600   # overdue: due at once


# severity, commander, roles ---------------------------------------------------------------------

@pytest.mark.parametrize("actor", [Actor(ALICE), MANAGER], ids=["commander", "manager"])
def test_the_commander_or_a_manager_changes_the_severity(rig, incident, actor):
    rig.clock.advance(120)
    mark = rig.mark()
    changed = rig.incidents.set_severity(incident, actor, "SEV1")
    assert changed.severity == "SEV1"
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.actor, event.data, event.is_key) == ("severity", actor.user,
                                                                   {"from": "SEV2", "to": "SEV1"}, True)
    [post] = rig.posts(after=mark)
    assert post.payload["message"] == "incident.severity_changed"
    assert post.payload["context"] == {"incident": 1, "actor": actor.user, "from": "SEV2", "to": "SEV1"}
    assert sorted(rig.synced(after=mark)) == SURFACES
    # SEV1 pulses every 15 minutes from the last update (the declare)
    assert rig.timer("pulse", "incident:1").due_at == NOW + 15 * 60


@pytest.mark.parametrize("change", [
    lambda rig, i, a: rig.incidents.set_severity(i, a, "sev1"),
    lambda rig, i, a: rig.incidents.assign_role(i, a, "commander", CAROL),
    lambda rig, i, a: rig.incidents.assign_role(i, a, "scribe", CAROL),
    lambda rig, i, a: rig.incidents.resolve(i, a, summary="Done"),
    lambda rig, i, a: rig.incidents.snooze_pulse(i, a, 3600),
], ids=["severity", "commander", "role", "resolve", "snooze"])
def test_anyone_else_is_refused_and_nothing_changes(rig, incident, change):
    mark = rig.mark()
    with pytest.raises(IncidentError) as refused:
        change(rig, incident, Actor(BOB))
    assert refused.value.code == "commander_only" and refused.value.params["managers"] is True
    assert rig.effects(after=mark) == [] and rig.incident(1) == incident
    assert rig.incident_store.roles(1) == {"commander": ALICE}


def test_the_same_severity_is_refused(rig, incident):
    with pytest.raises(IncidentError) as refused:
        rig.incidents.set_severity(incident, Actor(ALICE), "sev2")
    assert refused.value.code == "same_severity"


def test_a_severity_without_pulses_stops_them_and_one_with_pulses_brings_them_back(rig, incident):
    rig.incidents.set_severity(incident, Actor(ALICE), "sev4")
    assert rig.timer("pulse", "incident:1") is None
    rig.clock.advance(3600)
    rig.incidents.set_severity(rig.incident(1), Actor(ALICE), "sev3")
    # an hour since the last update is already owed: due now, not in the past
    assert rig.timer("pulse", "incident:1").due_at == NOW + 3600


def test_handing_over_command_moves_the_permissions(rig, incident):
    mark = rig.mark()
    rig.incidents.assign_role(incident, Actor(ALICE), "commander", CAROL)
    assert rig.incident(1).commander == CAROL
    assert rig.incident_store.roles(1) == {"commander": CAROL}
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.data, event.is_key) == ("role", {"role": "commander", "user": CAROL,
                                                               "previous": ALICE}, True)
    [invite] = rig.effects("incident.invite", after=mark)
    assert invite.payload == {"incident": 1, "users": [CAROL]}
    [post] = rig.posts(after=mark)
    assert post.payload["message"] == "incident.role_assigned"

    with pytest.raises(IncidentError):
        rig.incidents.set_severity(rig.incident(1), Actor(ALICE), "sev1")
    assert rig.incidents.set_severity(rig.incident(1), Actor(CAROL), "sev1").severity == "SEV1"


def test_roles_are_matched_by_a_unique_prefix(rig, incident):
    rig.incidents.assign_role(incident, Actor(ALICE), "lead", BOB)   # a word of the role
    rig.incidents.assign_role(rig.incident(1), Actor(ALICE), "Subject", CAROL)
    assert rig.incident_store.roles(1) == {"commander": ALICE, "communications lead": BOB,
                                           "subject matter expert": CAROL}
    event = rig.incident_store.timeline(1)[-1]
    assert event.is_key is False   # only a new commander is a key event


@pytest.mark.parametrize("role,code", [("c", "ambiguous_role"), ("janitor", "not_a_role")])
def test_an_unknown_or_ambiguous_role_is_refused(rig, incident, role, code):
    with pytest.raises(IncidentError) as refused:
        rig.incidents.assign_role(incident, Actor(ALICE), role, BOB)
    assert refused.value.code == code


def test_giving_someone_the_role_they_hold_is_refused(rig, incident):
    with pytest.raises(IncidentError) as refused:
        rig.incidents.assign_role(incident, Actor(ALICE), "commander", ALICE)
    assert refused.value.code == "same_role"


def test_joining_invites_into_public_incidents_only(rig, incident):
    mark = rig.mark()
    rig.incidents.join(incident, Actor(CAROL))
    [invite] = rig.effects("incident.invite", after=mark)
    assert invite.payload == {"incident": 1, "users": [CAROL]}

    private = rig.declare("Data leak", is_private=True)
    with pytest.raises(IncidentError) as refused:
        rig.incidents.join(private, Actor(CAROL))
    assert refused.value.code == "private_incident"
    # and it is invisible to someone outside it, though not to a manager or the people in it
    assert [i.id for i in rig.incidents.visible(Actor(CAROL))] == [1]
    assert [i.id for i in rig.incidents.visible(MANAGER)] == [2, 1]
    assert [i.id for i in rig.incidents.visible(Actor(ALICE))] == [2, 1]
    with pytest.raises(IncidentError) as hidden:
        rig.incidents.get_for(2, Actor(CAROL))
    assert hidden.value.code == "no_such_incident"
