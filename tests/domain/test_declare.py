"""Declaring: one transaction records the incident, its timeline, its pulse and everything the chat
platform must do, in order (the channel first, then what needs it); repeats and floods are refused."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.effects.replies import ReplyTo
from bot.incidents.model import IncidentError
from kernel.incidents import Status
from tests.domain.conftest import ALICE, BOB, CAROL, CONFIG, START

NOW = START.timestamp()
BASE_NAME = "incident-2026-03-02-checkout-errors"


def test_declare_records_the_incident_and_what_the_chat_platform_must_do(rig):
    reply_to = ReplyTo(ALICE, "CGENERAL1")
    incident = rig.declare("Checkout errors", "sev2", by=ALICE, commander=CAROL, responders=(BOB,),
                           declared_in="CGENERAL1", reply_to=reply_to)

    assert (incident.id, incident.title, incident.severity, incident.status) == \
        (1, "Checkout errors", "SEV2", Status.INVESTIGATING)
    assert (incident.commander, incident.declared_by, incident.declared_at, incident.last_update_at) == \
        (CAROL, ALICE, NOW, NOW)
    assert incident.channel_name == BASE_NAME and incident.channel_id is None
    assert rig.incident_store.roles(1) == {"commander": CAROL}
    [declared] = rig.incident_store.timeline(1)
    assert (declared.kind, declared.actor, declared.text, declared.is_key) == ("declared", ALICE, "Checkout errors", True)
    assert declared.data == {"severity": "SEV2", "commander": CAROL}

    create, invite, *syncs, reply = rig.effects()
    assert (create.kind, create.lane, create.payload, create.depends_on, create.due_at) == \
        ("incident.create_channel", "incident:1:channel", {"incident": 1}, None, NOW)
    # everything else needs the channel: it waits for the create, and goes out as soon as it is done
    assert (invite.kind, invite.lane, invite.payload, invite.depends_on, invite.due_at) == \
        ("incident.invite", "incident:1:invite", {"incident": 1, "users": [ALICE, CAROL, BOB]}, create.id, NOW)
    assert [(s.payload["surface"], s.lane, s.depends_on, s.due_at) for s in syncs] == [
        ("incident:1:topic", "surface:incident:1:topic", create.id, NOW),
        ("incident:1:status", "surface:incident:1:status", create.id, NOW),
        ("incident:1:announcement", "surface:incident:1:announcement", create.id, NOW),
    ]
    assert (reply.kind, reply.lane, reply.depends_on) == ("message.reply", f"reply:{ALICE}", create.id)
    assert reply.payload == {"reply_to": reply_to.as_dict(), "message": "incident.declared", "context": {"incident": 1}}

    pulse = rig.timer("pulse", "incident:1")
    assert pulse.due_at == NOW + 30 * 60   # SEV2 pulses every 30 minutes


def test_configured_responders_are_invited_to_every_incident_once(make_rig):
    rig = make_rig(CONFIG + f"incident: {{responders: [{BOB}, {ALICE}]}}\n")
    rig.declare(by=ALICE, responders=(BOB, CAROL))
    [invite] = rig.effects("incident.invite")
    assert invite.payload["users"] == [ALICE, BOB, CAROL]


def test_a_private_incident_gets_no_announcement(rig):
    rig.declare(is_private=True)
    assert rig.synced() == ["incident:1:topic", "incident:1:status"]
    rig.finish()
    rig.clock.advance(60)
    mark = rig.mark()
    rig.incidents.post_update(rig.incident(1), Actor(ALICE), message="Still looking")
    assert sorted(rig.synced(after=mark)) == ["incident:1:status", "incident:1:topic"]


def test_the_same_title_gets_the_next_free_channel_name(rig):
    names = [rig.declare("Checkout errors", by=user).channel_name for user in (ALICE, BOB, CAROL)]
    assert names == [BASE_NAME, f"{BASE_NAME}-2", f"{BASE_NAME}-3"]
    # a title that itself ends like a suffix is a different base, and takes no name already given
    assert rig.declare("Checkout errors 2", by=ALICE).channel_name == f"{BASE_NAME}-2-2"


def test_a_repeat_within_two_minutes_is_a_retry_not_a_new_incident(rig):
    first = rig.declare("Checkout errors", "sev2", by=ALICE)
    mark = rig.mark()
    rig.clock.advance(110)
    with pytest.raises(IncidentError) as refused:
        rig.declare("  Checkout   errors ", "SEV2", by=ALICE)   # what a retried command looks like
    assert refused.value.code == "declared_already" and refused.value.params["incident"].id == first.id
    assert rig.effects(after=mark) == [] and rig.incident_store.count_open() == 1

    # not a retry: another person, or another severity, or later
    assert rig.declare("Checkout errors", "sev2", by=BOB).id == 2
    assert rig.declare("Checkout errors", "sev1", by=ALICE).id == 3
    rig.clock.advance(11)
    assert rig.declare("Checkout errors", "sev2", by=ALICE).id == 4


def test_a_sixth_declare_within_a_minute_is_refused(rig):
    for n in range(5):
        rig.declare(f"Problem {n}", by=ALICE)
        rig.clock.advance(10)
    mark = rig.mark()
    with pytest.raises(IncidentError) as refused:
        rig.declare("Problem 5", by=ALICE)
    assert refused.value.code == "declaring_too_fast" and refused.value.params == {"limit": 5}
    assert rig.effects(after=mark) == [] and rig.incident_store.count_open() == 5
    assert rig.declare("Someone else's problem", by=BOB).id == 6   # the limit is per person
    rig.clock.advance(11)   # the first one is now over a minute old
    assert rig.declare("Problem 5", by=ALICE).id == 7


@pytest.mark.parametrize("title,severity,code", [
    ("   ", "sev2", "empty_text"),
    ("x" * 151, "sev2", "text_too_long"),
    ("Checkout errors", "sev9", "not_a_severity"),
])
def test_bad_input_is_refused_and_nothing_is_recorded(rig, title, severity, code):
    with pytest.raises(IncidentError) as refused:
        rig.declare(title, severity)
    assert refused.value.code == code
    assert rig.effects() == [] and rig.timer_store.all() == [] and rig.incident_store.count_open() == 0


def test_an_unknown_severity_lists_the_ones_there_are(rig):
    with pytest.raises(IncidentError) as refused:
        rig.declare("Checkout errors", "sev9")
    assert refused.value.field == "severity"
    assert refused.value.params["options"] == ("sev1", "sev2", "sev3", "sev4")

