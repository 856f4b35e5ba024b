"""The timeline writes itself from the incident channel: messages, edits, deletes, key events, joins."""

from __future__ import annotations

from bot.actor import Actor
from tests.domain.conftest import ALICE, BOB, CAROL, START

CHANNEL = "C0INCIDENT"
TS = f"{START.timestamp() + 30:.6f}"


def messages(rig):
    return [(e.actor, e.text, e.is_key, e.edited_at is not None) for e in rig.incident_store.timeline(1)
            if e.kind == "message"]


def test_messages_in_the_channel_are_recorded_once_with_edits_and_deletes(rig):
    rig.declare()
    rig.channels.created(1, CHANNEL, "incident-2026-03-02-checkout-errors")
    assert rig.channel_log.message(CHANNEL, user=BOB, ts=TS, text="Seeing 500s on checkout") is True
    assert rig.channel_log.message(CHANNEL, user=BOB, ts=TS, text="Seeing 500s on checkout") is False   # redelivered
    assert rig.channel_log.message("C0ELSEWHERE", user=BOB, ts=TS, text="not an incident") is False
    assert messages(rig) == [(BOB, "Seeing 500s on checkout", False, False)]

    rig.clock.advance(60)
    assert rig.channel_log.edited(CHANNEL, ts=TS, text="Seeing 500s on checkout and cart") is True
    assert rig.channel_log.mark_key(CHANNEL, ts=TS, by=ALICE) is True
    assert rig.channel_log.mark_key(CHANNEL, ts=TS, by=CAROL) is False   # a second pin changes nothing
    assert messages(rig) == [(BOB, "Seeing 500s on checkout and cart", True, True)]
    assert [e.at for e in rig.incident_store.timeline(1, key_only=True) if e.kind == "message"] == [float(TS)]

    assert rig.channel_log.edited(CHANNEL, ts=TS, text="Seeing 500s on checkout and cart") is False  # no change

    assert rig.channel_log.deleted(CHANNEL, ts=TS) is True
    assert rig.channel_log.deleted(CHANNEL, ts=TS) is False
    assert messages(rig) == []
    assert len([e for e in rig.incident_store.timeline(1, include_deleted=True) if e.kind == "message"]) == 1
    trail = [(c.action, c.actor, c.old_text, c.new_text) for c in rig.timeline.audit.changes(1)]
    assert trail == [("edited", BOB, "Seeing 500s on checkout", "Seeing 500s on checkout and cart"),
                     ("deleted", BOB, "Seeing 500s on checkout and cart", None)], "Slack's edits are in the audit trail"


def test_joining_the_channel_of_a_private_incident_lets_one_see_it(rig):
    rig.declare(is_private=True)
    rig.channels.created(1, CHANNEL, "incident-2026-03-02-checkout-errors")
    assert not rig.incidents.can_see(rig.incident(1), Actor(CAROL))
    assert rig.channel_log.joined(CHANNEL, user=CAROL, at=rig.clock.time()) is True
    assert rig.incidents.can_see(rig.incident(1), Actor(CAROL))
