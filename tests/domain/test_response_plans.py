"""Response plans (incident_types): declaring a type records its whole plan in the declare's
transaction; the checklist's ticks are stored and on the timeline; incidents without a type page
incident.page_on_declare. On both engines."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.alerts.model import AlertEvent
from bot.incidents.model import IncidentError
from tests.domain.conftest import ALICE, BOB, CAROL, CONFIG, DAVE, START

NOW = START.timestamp()
TYPES = """
incident_types:
  - name: security
    description: Suspected breach
    severity: sev1
    responders: [carol, SSECTEAM1]
    page: secondary
    roles: [scribe, {role: communications lead, user: carol}, {role: subject matter expert, schedule: primary}]
    checklist: [Rotate exposed credentials, Tell legal]
    runbooks: [{title: Security runbook, url: "https://wiki.example.com/security"}]
    channel_name: sec-{date}-{slug}
    private: true
  - name: plain
"""


def pages(rig, incident_id: int) -> list[tuple[str | None, tuple[str, ...]]]:
    """(policy, who was paged) of each escalation about the incident."""
    return [(e.policy, tuple(p.user for p in rig.paging.store.pages(e.id)))
            for e in rig.paging.store.for_subject(f"incident:{incident_id}")]


def test_a_typed_declare_records_its_plan_in_one_go(make_rig):
    rig = make_rig(CONFIG + TYPES)
    incident = rig.declare("Leaked API key", "", by=ALICE, incident_type="Security")

    assert (incident.severity, incident.incident_type, incident.is_private) == ("SEV1", "security", True)
    assert incident.channel_name == "sec-2026-03-02-leaked-api-key"
    # carol fills one role by name, bob another as primary's on-call this Monday; the scribe stays open
    assert rig.incident_store.roles(1) == {"commander": ALICE, "communications lead": CAROL,
                                           "subject matter expert": BOB}
    create = rig.effects("incident.create_channel")[0]
    invites = [(e.payload, e.depends_on) for e in rig.effects("incident.invite")]
    assert ({"incident": 1, "users": [CAROL, BOB], "groups": ["SSECTEAM1"]}, create.id) in invites
    assert [i.text for i in rig.plans.checklist(incident)] == ["Rotate exposed credentials", "Tell legal"]
    assert "incident:1:checklist" in rig.synced()
    assert "incident:1:announcement" not in rig.synced(), "a private type is not announced"
    [link] = rig.incident_store.links(1)
    assert (link.title, link.url) == ("Security runbook", "https://wiki.example.com/security")
    assert [(e.payload, e.depends_on) for e in rig.effects("incident.bookmark")] == \
        [({"incident": 1, "link": link.id}, create.id)]
    assert pages(rig, 1) == [(None, (DAVE,))]    # secondary: dave all week
    assert [p.payload["message"] for p in rig.posts()] == ["paging.incident_paged"]

    # an explicit severity wins over the type's; a type with nothing in it is just a label
    other = rig.declare("Odd login", "sev3", by=BOB, incident_type="plain")
    assert (other.severity, other.incident_type, other.is_private) == ("SEV3", "plain", False)
    assert other.channel_name.startswith("incident-2026-03-02-odd-login") and pages(rig, other.id) == []


def test_an_unknown_type_is_refused_with_the_known_ones_and_nothing_is_recorded(make_rig):
    rig = make_rig(CONFIG + TYPES)
    with pytest.raises(IncidentError) as refused:
        rig.declare("Leak", "", by=ALICE, incident_type="secruity")
    assert refused.value.code == "not_an_incident_type"
    assert refused.value.params == {"given": "secruity", "types": ["security", "plain"]}
    assert rig.db.scalar("SELECT count(*) FROM incidents") == 0 and rig.effects() == []


def test_checklist_ticks_are_stored_recorded_and_never_doubled(make_rig):
    rig = make_rig(CONFIG + TYPES)
    incident = rig.declare("Leaked API key", "", by=ALICE, incident_type="security")
    first, second = rig.plans.checklist(incident)
    rig.finish()   # the checklist was posted
    rig.clock.advance(60)
    mark = rig.mark()

    ticked = rig.plans.set_done(incident, Actor(CAROL), first.id, True)
    assert (ticked.done_at, ticked.done_by) == (NOW + 60, CAROL)
    assert rig.synced(after=mark) == ["incident:1:checklist"]
    with pytest.raises(IncidentError) as again:       # bob clicked the same stale Tick button
        rig.plans.set_done(incident, Actor(BOB), first.id, True)
    assert again.value.code == "checklist_unchanged" and again.value.params["item"].done_by == CAROL

    rig.clock.advance(60)
    rig.plans.set_done(incident, Actor(BOB), first.id, False)
    assert [(i.done_at, i.done_by) for i in rig.plans.checklist(incident)] == [(None, None), (None, None)]
    events = [(e.kind, e.actor, e.text, e.data, e.at) for e in rig.incident_store.timeline(1) if e.kind == "checklist"]
    assert events == [("checklist", CAROL, "Rotate exposed credentials", {"item": first.id, "done": True}, NOW + 60),
                      ("checklist", BOB, "Rotate exposed credentials", {"item": first.id, "done": False}, NOW + 120)]

    plain = rig.declare("Odd login", "", by=BOB, incident_type="plain")
    with pytest.raises(IncidentError) as elsewhere:   # an item id of another incident
        rig.plans.set_done(plain, Actor(BOB), second.id, True)
    assert elsewhere.value.code == "no_such_checklist_item"
    with pytest.raises(IncidentError) as outsider:
        rig.plans.set_done(incident, Actor("UOUTSIDE1", in_channel=False), second.id, True)
    assert outsider.value.code == "not_in_channel"


def test_incidents_without_a_type_page_page_on_declare(make_rig):
    rig = make_rig(CONFIG.replace("incident_managers:", "incident: {page_on_declare: default}\nincident_managers:")
                   + TYPES)
    rig.declare("Checkout errors", "sev2", by=ALICE)
    assert pages(rig, 1) == [("default", (BOB,))]      # the policy's first level: primary, bob today
    [event] = [e for e in rig.incident_store.timeline(1) if e.kind == "escalated"]
    assert (event.actor, event.data["policy"]) == (ALICE, "default")
    rig.declare("Leaked key", "", by=ALICE, incident_type="security")
    assert pages(rig, 2) == [(None, (DAVE,))], "a type's own page replaces page_on_declare"
    rig.alerts.receive(rig.config.alert_source("prometheus"), [AlertEvent("Disk full", dedup_key="disk")])
    rig.declare("Disk full", "sev2", by=BOB, source={"alert": 1})
    assert pages(rig, 3) == [], "an alert's escalation already paged the on-call"
