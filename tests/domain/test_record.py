"""Notes, links and follow-ups: what people add to an incident's record, and who may close a follow-up."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.incidents.model import IncidentError
from tests.domain.conftest import ALICE, BOB, CAROL, DAVE, MANAGER, START

NOW = START.timestamp()



def test_a_note_is_a_key_event_posted_to_the_channel(rig, incident):
    mark = rig.mark()
    event_id = rig.record.add_note(incident, Actor(BOB), "  Cache hit rate fell at 09:02  ")
    event = rig.incident_store.timeline(1)[-1]
    assert (event.id, event.kind, event.actor, event.text, event.is_key) == \
        (event_id, "note", BOB, "Cache hit rate fell at 09:02", True)
    [post] = rig.effects(after=mark)
    assert (post.kind, post.payload) == ("message.post", {
        "target": "incident:1", "message": "incident.note",
        "context": {"incident": 1, "author": BOB, "text": "Cache hit rate fell at 09:02"}})


def test_a_note_written_on_the_web_says_so_in_the_record_and_the_post(rig, incident):
    mark = rig.mark()
    rig.record.add_note(incident, Actor(BOB), "Seen from the status page", via="web")
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.data, event.is_key) == ("note", {"via": "web"}, True)
    [post] = rig.effects(after=mark)
    assert post.payload["context"] == {"incident": 1, "author": BOB, "text": "Seen from the status page", "via": "web"}


def test_a_link_is_recorded_bookmarked_and_shown_on_the_status(rig, incident):
    mark = rig.mark()
    link_id = rig.record.add_link(incident, Actor(BOB), "https://runbooks.example.com/cdn", "CDN runbook")
    [link] = rig.incident_store.links(1)
    assert (link.id, link.url, link.title, link.added_by, link.bookmark_id) == \
        (link_id, "https://runbooks.example.com/cdn", "CDN runbook", BOB, None)
    bookmark, post, sync = rig.effects(after=mark)
    assert (bookmark.kind, bookmark.lane, bookmark.payload) == \
        ("incident.bookmark", "incident:1:bookmarks", {"incident": 1, "link": link_id})
    assert post.payload["message"] == "incident.link_added" and post.payload["context"]["title"] == "CDN runbook"
    assert (sync.payload["surface"], sync.due_at) == ("incident:1:status", NOW + 1)

    rig.channels.bookmarked(link_id, "Bk0123")   # what the adapter reports back
    assert rig.incident_store.link(link_id).bookmark_id == "Bk0123"


def test_a_link_without_a_title_is_titled_by_its_url(rig, incident):
    rig.record.add_link(incident, Actor(BOB), "https://status.example.com", None)
    assert rig.incident_store.links(1)[0].title == "https://status.example.com"


@pytest.mark.parametrize("url", ["runbooks.example.com/cdn", "ftp://files.example.com", "https://"])
def test_what_is_not_a_link_is_refused(rig, incident, url):
    mark = rig.mark()
    with pytest.raises(IncidentError) as refused:
        rig.record.add_link(incident, Actor(BOB), url, None)
    assert refused.value.code == "not_a_link" and refused.value.params == {"given": url}
    assert rig.effects(after=mark) == [] and rig.incident_store.links(1) == []


def test_a_follow_up_is_recorded_with_its_owner(rig, incident):
    mark = rig.mark()
    followup_id = rig.record.add_followup(incident, Actor(CAROL), "Alert on cache hit rate", BOB)
    [followup] = rig.record.followups(incident)
    assert (followup.id, followup.text, followup.owner, followup.created_by, followup.done_at) == \
        (followup_id, "Alert on cache hit rate", BOB, CAROL, None)
    [message] = rig.effects(after=mark)   # its message, kept current as its ticket is filed and closed
    assert (message.kind, message.payload) == ("surface.sync", {"surface": f"followup:{followup_id}"})


@pytest.mark.parametrize("closer", [Actor(BOB), Actor(ALICE), MANAGER], ids=["owner", "commander", "manager"])
def test_the_owner_the_commander_or_a_manager_marks_a_follow_up_done(rig, incident, closer):
    followup_id = rig.record.add_followup(incident, Actor(CAROL), "Alert on cache hit rate", BOB)
    rig.clock.advance(300)
    rig.record.complete_followup(incident, closer, followup_id)
    assert rig.record.followups(incident)[0].done_at == NOW + 300
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.actor, event.data) == ("followup_done", closer.user, {"followup": followup_id})

    with pytest.raises(IncidentError) as again:   # a second click changes nothing
        rig.record.complete_followup(incident, closer, followup_id)
    assert again.value.code == "followup_done_already" and again.value.params == {"done_at": NOW + 300}


@pytest.mark.parametrize("owner", [BOB, None], ids=["owned", "unowned"])
def test_anyone_else_may_not_mark_it_done_not_even_who_wrote_it(rig, incident, owner):
    followup_id = rig.record.add_followup(incident, Actor(CAROL), "Alert on cache hit rate", owner)
    for outsider in (CAROL, DAVE):
        with pytest.raises(IncidentError) as refused:
            rig.record.complete_followup(incident, Actor(outsider), followup_id)
        assert refused.value.code == "followup_not_yours"
    assert rig.record.followups(incident)[0].done_at is None


def test_a_follow_up_of_another_incident_is_not_found(rig, incident):
    other = rig.declare("Another problem", by=BOB)
    followup_id = rig.record.add_followup(other, Actor(BOB), "Fix it", None)
    with pytest.raises(IncidentError) as refused:
        rig.record.complete_followup(incident, Actor(ALICE), followup_id)
    assert refused.value.code == "no_such_followup"
    assert rig.record.followups(other)[0].done_at is None
