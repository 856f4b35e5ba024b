"""Follow-ups in the tracker, in the domain alone on both engines: what asking for a ticket records,
what the tracker's answers change, and the poll's timer."""

from __future__ import annotations

import pytest
import yaml

from bot.actor import Actor
from bot.config import parse_config
from bot.incidents.model import IncidentError
from bot.incidents.tickets import POLL_SUBJECT, POLL_TIMER
from kernel.tickets import TicketRef, TicketState
from tests.domain.conftest import ALICE, BOB, CAROL, CONFIG, ENVIRON, MANAGER, DomainRig

TRACKER = "\ntracker: {kind: github, repo: acme/ops, poll: 2m, auto: %s}\n"
FILED = TicketRef("acme/ops#7", "7", "https://github.com/acme/ops/issues/7")


@pytest.fixture
def make(engine, postgres):
    made = []

    def build(auto: bool = True, tracker: bool = True) -> DomainRig:
        text = CONFIG + (TRACKER % str(auto).lower() if tracker else "")
        database = ":memory:" if engine == "sqlite" else postgres.migrated_schema()
        rig = DomainRig(parse_config(yaml.safe_load(text), "t.yml", {**ENVIRON, "GITHUB_TOKEN": "t"}), database)
        made.append((rig, database))
        rig.declare("Checkout errors", "sev2", by=ALICE)
        rig.finish()
        return rig

    yield build
    for rig, database in made:
        rig.close()
        if database != ":memory:":
            postgres.recycle(database)


def add(rig: DomainRig, owner: str | None = BOB) -> int:
    return rig.record.add_followup(rig.incident(1), Actor(CAROL), "Add canary checks", owner)


def test_a_followup_asks_for_its_ticket_in_the_same_transaction(make):
    rig = make()
    mark = rig.mark()
    followup = add(rig)
    ticket = rig.tickets.store.get(followup)
    assert (ticket.state, ticket.tracker, ticket.requested_by) == (TicketState.FILING, "github", None)
    assert ticket.marker.startswith(f"warroom-followup-{followup}-")
    assert [(e.kind, e.payload) for e in rig.effects(after=mark)] == [
        ("tracker.file", {"followup": followup}), ("surface.sync", {"surface": f"followup:{followup}"})]

    private = rig.declare("Leaked key", "sev1", by=ALICE, is_private=True)
    other = rig.record.add_followup(private, Actor(ALICE), "Rotate the key", None)
    assert rig.tickets.store.get(other) is None, "a private incident's follow-up is filed only by hand"


def test_filed_then_closed_marks_the_followup_done_by_the_tracker(make):
    rig = make()
    followup = add(rig)
    request = rig.tickets.to_file(followup)
    rig.tickets.filed(request, FILED)
    rig.tickets.filed(request, FILED)         # a second report of the same filing changes nothing
    assert [e.kind for e in rig.incident_store.timeline(1)].count("ticket_filed") == 1
    assert rig.tickets.to_file(followup) is None
    assert rig.timer(POLL_TIMER, POLL_SUBJECT).due_at == rig.clock.time() + 120

    mark = rig.mark()
    rig.run_for(120)
    assert [e.kind for e in rig.effects(after=mark)] == ["tracker.poll"]
    assert rig.timer(POLL_TIMER, POLL_SUBJECT) is not None, "polls again while tickets are open"
    assert rig.tickets.to_poll(50)[0].remote_id == "7"
    assert rig.tickets.read({followup: TicketState.OPEN}) == []
    assert rig.tickets.read({followup: TicketState.CLOSED}) == [followup]
    assert rig.record.followups(rig.incident(1))[0].done_at == rig.clock.time()
    done = rig.incident_store.timeline(1)[-1]
    assert (done.kind, done.actor, done.data["ref"]) == ("followup_done", None, "acme/ops#7")
    assert rig.tickets.store.get(followup).state == TicketState.CLOSED
    assert rig.tickets.read({followup: TicketState.CLOSED}) == [], "read twice, done once"

    rig.finish()
    mark = rig.mark()
    rig.run_for(120)
    assert rig.effects(after=mark) == [] and rig.timer(POLL_TIMER, POLL_SUBJECT) is None

    gone = add(rig)         # a ticket deleted in the tracker is no longer polled; its follow-up stays open
    rig.tickets.filed(rig.tickets.to_file(gone), TicketRef("acme/ops#8", "8", "https://github.com/acme/ops/issues/8"))
    assert rig.tickets.read({gone: TicketState.GONE}) == []
    assert rig.tickets.store.get(gone).state == TicketState.GONE and rig.tickets.to_poll(50) == []
    assert rig.incident_store.followup(gone).done_at is None


def test_a_refusal_is_told_to_the_owner_and_asking_again_keeps_the_marker(make):
    rig = make()
    followup = add(rig, owner=None)
    marker = rig.tickets.store.get(followup).marker
    mark = rig.mark()
    rig.tickets.failed(rig.tickets.to_file(followup), "GitHub: HTTP 401 Bad credentials")
    [post] = rig.posts("incident.ticket_failed", after=mark)
    assert post.payload["context"]["tell"] == ALICE, "no owner: the commander hears it"
    assert rig.incident_store.timeline(1)[-1].data["reason"] == "GitHub: HTTP 401 Bad credentials"
    assert rig.record.followups(rig.incident(1))[0].done_at is None

    rig.tickets.request(rig.incident(1), Actor(ALICE), followup)
    again = rig.tickets.store.get(followup)
    assert (again.state, again.marker, again.requested_by) == (TicketState.FILING, marker, ALICE)
    assert again.error == "GitHub: HTTP 401 Bad credentials", "kept: the next attempt looks for it first"
    with pytest.raises(IncidentError) as twice:
        rig.tickets.request(rig.incident(1), Actor(ALICE), followup)
    assert twice.value.code == "ticket_exists"


def test_with_auto_off_the_owner_the_commander_or_a_manager_asks(make):
    rig = make(auto=False)
    for who, allowed in ((Actor(CAROL), False), (Actor(BOB), True), (MANAGER, True), (Actor(ALICE), True)):
        followup = add(rig)
        assert rig.tickets.store.get(followup) is None
        if not allowed:
            with pytest.raises(IncidentError) as refused:
                rig.tickets.request(rig.incident(1), who, followup)
            assert refused.value.code == "ticket_not_yours" and rig.tickets.store.get(followup) is None
        else:
            rig.tickets.request(rig.incident(1), who, followup)
            assert rig.tickets.store.get(followup).requested_by == who.user


def test_without_a_tracker_or_once_done_there_is_no_ticket_to_ask_for(make):
    rig = make(tracker=False)
    followup = add(rig)
    with pytest.raises(IncidentError) as refused:
        rig.tickets.request(rig.incident(1), Actor(BOB), followup)
    assert refused.value.code == "no_tracker"
    rig = make(auto=False)
    followup = add(rig)
    rig.record.complete_followup(rig.incident(1), Actor(BOB), followup)
    with pytest.raises(IncidentError) as done:
        rig.tickets.request(rig.incident(1), Actor(BOB), followup)
    assert done.value.code == "followup_done_already"


def test_a_followup_marked_done_by_hand_shows_it_on_its_message(make):
    rig = make(auto=False)
    followup = add(rig)
    old = add(rig)
    rig.finish()
    with rig.work():   # the first one's message was written; the other stands for one posted before tickets
        rig.db.execute("INSERT INTO surfaces (key, channel, ts, digest, updated_at) VALUES (?, 'C1', '1.2', 'x', 0)",
                       (f"followup:{followup}",))
    mark = rig.mark()
    for done in (followup, old):
        rig.record.complete_followup(rig.incident(1), Actor(BOB), done)
    assert rig.synced(after=mark) == [f"followup:{followup}"], "an old follow-up is not posted again"


def test_what_leaves_for_the_tracker_and_a_filing_the_runner_gave_up_on(make):
    from bot.text import Texts
    from bot.tracker.sender import TrackerSender

    rig = make()
    sender = TrackerSender(rig.tickets, rig.config.tracker, Texts(), environ={}, public_url=lambda: "https://w.example",
                           name_of={BOB: "bob"}.get)
    followup = add(rig)
    ticket = sender.new_ticket(rig.tickets.to_file(followup))
    assert ticket.title == "Add canary checks" and ticket.labels == ("warroom",)
    assert "incident #1: Checkout errors (SEV2)" in ticket.body and "https://w.example/incidents/1" in ticket.body
    assert "Owner: bob" in ticket.body and ticket.body.endswith(f"warroom reference: {ticket.marker}")
    private = rig.declare("Leaked signing key", "sev1", by=ALICE, is_private=True)
    secret = rig.record.add_followup(private, Actor(ALICE), "Rotate it", None)
    rig.tickets.request(private, Actor(ALICE), secret)
    body = sender.new_ticket(rig.tickets.to_file(secret)).body
    assert "Leaked signing key" not in body and f"private incident (#{private.id})" in body

    [effect] = [e for e in rig.effects("tracker.file") if e.payload == {"followup": followup}]
    sender.gave_up(effect, "ValueError: a bug")
    assert rig.tickets.store.get(followup).state == TicketState.FAILED, "not Filing… for ever"
