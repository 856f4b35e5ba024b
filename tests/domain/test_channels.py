"""The incident's channel as the domain sees it: what the chat adapter reports back (created, a name
taken outside warroom, people it could not invite, a failure) is recorded so retries carry on."""

from __future__ import annotations

from bot.effects.replies import ReplyTo
from bot.incidents import naming
from tests.domain.conftest import ALICE, BOB, CAROL, START

NOW = START.timestamp()
BASE_NAME = "incident-2026-03-02-checkout-errors"


def test_a_name_taken_outside_warroom_moves_the_incident_to_the_next_suffix(rig):
    rig.declare("Checkout errors")
    assert rig.channels.name_taken(1, BASE_NAME) == f"{BASE_NAME}-2"
    assert rig.incident(1).channel_name == f"{BASE_NAME}-2"   # recorded: a retry starts from here
    assert rig.channels.name_taken(1, f"{BASE_NAME}-2") == f"{BASE_NAME}-3"
    assert rig.incident(1).channel_name == f"{BASE_NAME}-3"


def test_the_next_suffix_skips_names_other_incidents_were_given(rig):
    rig.declare("Checkout errors", by=ALICE)
    rig.declare("Checkout errors", by=BOB)      # -2
    rig.declare("Checkout errors", by=CAROL)    # -3
    assert rig.channels.name_taken(1, BASE_NAME) == f"{BASE_NAME}-4"
    assert [rig.incident(n).channel_name for n in (1, 2, 3)] == [f"{BASE_NAME}-4", f"{BASE_NAME}-2", f"{BASE_NAME}-3"]


def test_when_every_suffix_is_taken_there_is_no_next_name(rig):
    rig.declare("Checkout errors")
    last = naming.with_suffix(BASE_NAME, 99)
    assert rig.channels.name_taken(1, last) is None
    assert rig.incident(1).channel_name == BASE_NAME


def test_once_created_the_channel_is_the_incidents(rig):
    rig.declare("Checkout errors")
    rig.channels.created(1, "C0INCIDENT", f"{BASE_NAME}-2")
    incident = rig.incident(1)
    assert (incident.channel_id, incident.channel_name) == ("C0INCIDENT", f"{BASE_NAME}-2")
    assert rig.incidents.in_channel("C0INCIDENT") == incident
    assert rig.channels.name_taken(1, f"{BASE_NAME}-2") is None   # a late report changes nothing


def test_people_who_could_not_be_invited_are_named_in_the_channel(rig):
    rig.declare("Checkout errors")
    mark = rig.mark()
    rig.channels.invites_failed(1, {BOB: "user_not_found"})
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.data) == ("invite_failed", {"problems": {BOB: "user_not_found"}})
    [post] = rig.effects(after=mark)
    assert post.payload == {"target": "incident:1", "message": "incident.invite_failed",
                            "context": {"incident": 1, "problems": {BOB: "user_not_found"}}}


def test_a_channel_that_cannot_be_made_is_told_to_the_declarer(rig):
    rig.declare("Checkout errors", by=BOB, declared_in="CGENERAL1", reply_to=ReplyTo(BOB, "CGENERAL1", "https://hooks/1"))
    mark = rig.mark()
    rig.channels.setup_failed(1, "restricted_action")

    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.data, event.is_key) == ("setup_failed", {"reason": "restricted_action"}, True)
    [reply] = rig.effects(after=mark)
    # the command's response_url is long gone by then: an ephemeral message where they declared
    assert (reply.kind, reply.lane, reply.depends_on, reply.due_at) == ("message.reply", f"reply:{BOB}", None, NOW)
    assert reply.payload == {"reply_to": {"user": BOB, "channel": "CGENERAL1", "response_url": None},
                             "message": "incident.setup_failed",
                             "context": {"incident": 1, "reason": "restricted_action"}}
    assert rig.timer("pulse", "incident:1") is None


def test_the_name_follows_the_configured_template_and_the_local_date(make_rig):
    rig = make_rig('timezone: Pacific/Kiritimati\nincident: {channel_name: "inc-{date}-{severity}-{number}-{slug}"}\n')
    rig.clock.advance(2 * 3600)   # 11:00 UTC is 01:00 the next day at UTC+14
    assert rig.declare("API latency > 5s!", "sev1").channel_name == "inc-2026-03-03-sev1-1-api-latency-5s"
