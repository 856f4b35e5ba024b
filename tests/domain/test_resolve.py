"""Resolving stops everything that runs for an open incident (pulses, pages) and records the wrap-up;
reopening brings back the status it had, its pulses and its live surfaces."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.incidents.model import IncidentError
from bot.paging.targets import PageTargets
from kernel.incidents import Status
from kernel.paging import EscalationState
from tests.domain.conftest import ALICE, BOB, CAROL, MANAGER, START

NOW = START.timestamp()
SURFACES = ["incident:1:announcement", "incident:1:status", "incident:1:topic"]


@pytest.fixture
def paged(rig):
    """A SEV2 led by alice, identified, with the default policy paging (bob first)."""
    incident = rig.declare("Checkout errors", "sev2", by=ALICE)
    rig.incidents.post_update(incident, Actor(ALICE), message="Bad deploy", status=Status.IDENTIFIED)
    rig.incidents.escalate(rig.incident(1), Actor(ALICE), PageTargets((), rig.config.policy("default")))
    rig.finish()
    rig.clock.advance(120)
    return rig.incident(1)


@pytest.mark.parametrize("actor", [Actor(ALICE), MANAGER], ids=["commander", "manager"])
def test_resolving_stops_pulses_and_pages_and_records_the_wrap_up(rig, paged, actor):
    mark = rig.mark()
    resolved = rig.incidents.resolve(paged, actor, summary="Rolled back", root_cause="Bad deploy",
                                     mitigation="Rollback")
    at = NOW + 120
    assert (resolved.status, resolved.resolved_at, resolved.summary, resolved.root_cause, resolved.mitigation) == \
        (Status.RESOLVED, at, "Rolled back", "Bad deploy", "Rollback")
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.actor, event.text, event.is_key) == ("resolved", actor.user, "Rolled back", True)
    assert event.data == {"root_cause": "Bad deploy", "mitigation": "Rollback", "status": "identified"}

    assert rig.timer("pulse", "incident:1") is None
    [escalation] = rig.paging.store.for_subject("incident:1")
    assert (escalation.state, escalation.ended_by, escalation.ended_at) == (EscalationState.RESOLVED, actor.user, at)
    assert rig.timer("escalation", f"escalation:{escalation.id}") is None

    [wrapup] = rig.posts(after=mark)
    assert (wrapup.payload["target"], wrapup.payload["message"], wrapup.payload["context"]) == \
        ("incident:1", "incident.wrapup", {"incident": 1})
    [draft] = rig.effects("postmortem.draft", after=mark)   # the postmortem, with its summary, once wrapped up
    assert (draft.payload, draft.depends_on) == ({"incident": 1, "by": actor.user, "replace": False}, wrapup.id)
    [page] = rig.paging.store.pages(escalation.id)
    assert sorted(rig.synced(after=mark)) == sorted([f"page:{page.id}", *SURFACES])   # the DM says it is over

    rig.run_for(3 * 3600)   # nothing more: no reminder, nobody else paged
    assert rig.posts("incident.pulse") == [] and len(rig.paging.store.pages(escalation.id)) == 1


def test_a_private_incident_has_no_public_summary_post(rig):
    incident = rig.declare(is_private=True)
    rig.finish()
    mark = rig.mark()
    rig.incidents.resolve(incident, Actor(ALICE), summary="Done")
    assert [p.payload["message"] for p in rig.posts(after=mark)] == ["incident.wrapup"]
    assert sorted(rig.synced(after=mark)) == ["incident:1:status", "incident:1:topic"]


def test_a_resolved_incident_takes_no_more_changes(rig, paged):
    rig.incidents.resolve(paged, Actor(ALICE), summary="Rolled back")
    resolved = rig.incident(1)
    mark = rig.mark()
    for change in (
        lambda: rig.incidents.resolve(resolved, Actor(ALICE), summary="Again"),
        lambda: rig.incidents.post_update(resolved, Actor(ALICE), message="More"),
        lambda: rig.incidents.set_severity(resolved, Actor(ALICE), "sev1"),
        lambda: rig.incidents.assign_role(resolved, Actor(ALICE), "scribe", BOB),
        lambda: rig.incidents.escalate(resolved, Actor(ALICE), PageTargets((f"user:{CAROL}",))),
        lambda: rig.incidents.join(resolved, Actor(CAROL)),
    ):
        with pytest.raises(IncidentError) as refused:
            change()
        assert refused.value.code == "incident_resolved"
    assert rig.effects(after=mark) == []


def test_an_empty_summary_is_refused(rig, paged):
    with pytest.raises(IncidentError) as refused:
        rig.incidents.resolve(paged, Actor(ALICE), summary="  ")
    assert (refused.value.code, refused.value.field) == ("empty_text", "summary")
    assert rig.incident(1).status == Status.IDENTIFIED


def test_reopening_restores_the_status_the_pulse_and_the_surfaces(rig, paged):
    rig.incidents.resolve(paged, Actor(ALICE), summary="Rolled back")
    rig.finish()
    rig.clock.advance(3600)
    mark = rig.mark()
    reopened = rig.incidents.reopen(rig.incident(1), Actor(ALICE), reason="Errors are back")

    at = NOW + 120 + 3600
    assert (reopened.status, reopened.resolved_at, reopened.last_update_at) == (Status.IDENTIFIED, None, at)
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.text, event.data, event.is_key) == ("reopened", "Errors are back",
                                                                  {"status": "identified"}, True)
    [post] = rig.posts(after=mark)
    assert (post.payload["message"], post.payload["context"]) == \
        ("incident.reopened", {"incident": 1, "actor": ALICE, "text": "Errors are back", "status": "identified"})
    assert sorted(rig.synced(after=mark)) == SURFACES
    assert rig.timer("pulse", "incident:1").due_at == at + 30 * 60
    rig.run_for(30 * 60)
    assert [p.payload["context"]["at"] for p in rig.posts("incident.pulse")] == [at + 30 * 60]


def test_reopening_is_for_the_commander_or_a_manager_and_only_when_resolved(rig, paged):
    with pytest.raises(IncidentError) as still_open:
        rig.incidents.reopen(paged, Actor(ALICE))
    assert still_open.value.code == "incident_open"
    rig.incidents.resolve(paged, Actor(ALICE), summary="Rolled back")
    with pytest.raises(IncidentError) as refused:
        rig.incidents.reopen(rig.incident(1), Actor(BOB))
    assert refused.value.code == "commander_only" and rig.incident(1).status == Status.RESOLVED
    assert rig.incidents.reopen(rig.incident(1), MANAGER).status == Status.IDENTIFIED


def test_resolving_twice_after_a_reopen_restores_the_latest_status(rig, paged):
    rig.incidents.resolve(paged, Actor(ALICE), summary="Rolled back")
    rig.incidents.reopen(rig.incident(1), Actor(ALICE))
    rig.incidents.post_update(rig.incident(1), Actor(ALICE), message="Watching", status=Status.MONITORING)
    rig.incidents.resolve(rig.incident(1), Actor(ALICE), summary="Quiet for an hour")
    assert rig.incidents.reopen(rig.incident(1), Actor(ALICE)).status == Status.MONITORING
