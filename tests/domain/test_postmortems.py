"""Postmortems on both engines: the draft from the record, its versions, a person's edits kept, and an
effect that runs twice making one draft."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actor import Actor
from bot.incidents.model import IncidentError
from bot.postmortems.draft import durations, to_markdown
from kernel.incidents import Status
from tests.domain.conftest import ALICE, BOB, START


def names(user: str) -> str:
    return {ALICE: "alice", BOB: "bob"}.get(user, user)


def test_drafts_versions_and_edits_are_stored(rig):
    incident = rig.declare("Checkout errors", "sev2", by=ALICE)
    rig.clock.advance(120)
    rig.incidents.post_update(incident, Actor(ALICE), message="Bad deploy", status=Status.IDENTIFIED)
    rig.clock.advance(600)
    rig.incidents.post_update(rig.incident(1), Actor(ALICE), message="Rolled back", status=Status.MONITORING)
    rig.clock.advance(300)
    rig.incidents.resolve(rig.incident(1), Actor(ALICE), summary="Rolled back", root_cause="A bad config <b>")
    [effect] = rig.effects("postmortem.draft")
    pm = rig.domain.postmortems
    first = pm.make_draft(effect.id, 1, by=ALICE, replace=False, name_of=names)
    assert pm.make_draft(effect.id, 1, by=ALICE, replace=False, name_of=names) == first, "a retry makes no second draft"
    assert (first.number, first.origin, first.author) == (1, "draft", ALICE)
    for expected in ("| Time to acknowledge | 2 min |", "| Time to mitigate | 12 min |", "| Time to resolve | 17 min |",
                     "A bad config <b>", "Declared as SEV2 by alice"):
        assert expected in first.body, expected
    [upload] = rig.effects("postmortem.upload")
    assert upload.payload == {"incident": 1, "version": first.id}

    edited = pm.edit(rig.incident(1), Actor(BOB), first.body + "\nMore words\n", base=first.id)
    assert (edited.number, edited.origin, edited.author) == (2, "human", BOB)
    with pytest.raises(IncidentError) as stale:
        pm.edit(rig.incident(1), Actor(ALICE), "mine", base=first.id)
    assert stale.value.code == "postmortem_changed"
    assert pm.ask(rig.incident(1), Actor(ALICE)).outcome == "human_edits"

    # a draft over a person's edits is kept aside and uploads nothing; replace takes it
    later = pm.make_draft(effect.id + 1000, 1, by=ALICE, replace=False, name_of=names)
    found = pm.get(rig.incident(1))
    assert (found.current.id, found.pending.id) == (edited.id, later.id)
    assert len(rig.effects("postmortem.upload")) == 1
    pm.replace(rig.incident(1), Actor(ALICE))
    found = pm.get(rig.incident(1))
    assert (found.current.id, found.pending) == (later.id, None)
    assert [e.payload["version"] for e in rig.effects("postmortem.upload")] == [first.id, later.id]
    assert [v.number for v in pm.versions(rig.incident(1))] == [3, 2, 1]


def test_durations_come_from_key_events_and_say_when_unknown(rig):
    incident = rig.declare("Slow pages", "sev3", by=ALICE)
    rig.clock.advance(90)
    rig.record.add_note(incident, Actor(BOB), "Looking at the LB")
    found = durations(rig.incident(1), rig.incident_store.timeline(1, key_only=True))
    assert (found.to_acknowledge, found.to_mitigate, found.to_resolve) == (90, None, None)
    body = rig.domain.postmortems.render(rig.incident(1))
    assert "not recorded (never set to monitoring)" in body and "not resolved yet" in body
    assert "drafted by AI" not in body
    told = rig.domain.postmortems.render(rig.incident(1), narrative="The LB ran out of connections.")
    assert "## Narrative (drafted by AI)\n\n> Drafted by AI" in told and "The LB ran out of connections." in told


@pytest.mark.parametrize("text, expected", [
    ("<@U1> saw &lt;502&gt; &amp; more", "@alice saw <502> & more"),
    ("see <https://x.test/a|the graph> and <#C1|ops>", "see [the graph](https://x.test/a) and #ops"),
    ("two\nlines <!here>", "two lines @here"),
])
def test_recorded_mrkdwn_becomes_markdown(text, expected):
    assert to_markdown(text, lambda user: {"U1": "alice"}.get(user, user)) == expected


def test_a_long_record_shows_its_first_and_last_key_events_and_counts_the_rest(rig):
    incident = rig.declare("Long one", "sev3", by=ALICE)
    for n in range(260):
        rig.clock.advance(1)
        rig.record.add_note(incident, Actor(ALICE), f"note {n:03d}")
    body = rig.domain.postmortems.render(rig.incident(1))
    assert "Note from U" in body and "note 148" in body and "note 149" not in body
    assert "- …61 more key events here" in body and "note 209" not in body and "note 210" in body
    assert body.rstrip().endswith("Add them with `/incident followup`._") and "note 259" in body


def test_the_draft_shows_the_timeline_as_people_edited_it(rig):
    incident = rig.declare("Checkout errors", "sev2", by=ALICE)
    note = rig.record.add_note(incident, Actor(ALICE), "Suspect the CDN")
    rig.clock.advance(1800)
    edits = rig.domain.timeline
    added = edits.add(rig.incident(1), Actor(ALICE), (START + timedelta(minutes=10)).strftime("%H:%M"),
                      "Customer reported 502s", zone="UTC")
    edits.set_key(rig.incident(1), Actor(ALICE), f"e{added.id}", True)
    edits.delete(rig.incident(1), Actor(ALICE), f"e{note}")
    body = rig.domain.postmortems.render(rig.incident(1), name_of=names)
    assert "Customer reported 502s (added by alice)" in body and "Suspect the CDN" not in body
    assert "| Time to acknowledge | not recorded |" in body, "a deleted note no longer counts as the answer"
