"""Paging an incident's people: a policy's levels page in turn as their timeouts pass, the policy
repeats, then the channel hears nobody answered; acknowledging stops it once and for all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actor import Actor
from bot.paging.model import PagingError
from bot.paging.service import CONFIRM_ABOVE
from bot.paging.targets import PageTargets
from kernel.paging import EscalationState, Level
from tests.domain.conftest import ALICE, BOB, CAROL, DAVE, ONCALL_GROUP, START

NOW = START.timestamp()
MINUTE = 60.0


def escalate(rig, *targets: str, policy: str | None = None):
    """Page for incident 1 as /incident escalate does; returns the escalation."""
    page = PageTargets((), rig.config.policy(policy)) if policy else PageTargets(targets)
    escalation_id = rig.incidents.escalate(rig.incident(1), Actor(ALICE), page)
    return rig.paging.get(escalation_id)


def paged(rig, escalation_id: int) -> list[tuple[str, int, int, float]]:
    """Who was paged, at which level and round, when."""
    return [(p.user, p.level, p.round, p.sent_at) for p in rig.paging.store.pages(escalation_id)]


def timer_due(rig, escalation_id: int) -> tuple[float, dict] | None:
    timer = rig.timer("escalation", f"escalation:{escalation_id}")
    return (timer.due_at, timer.payload) if timer else None



def test_a_policy_pages_level_by_level_repeats_then_gives_up(rig, incident):
    mark = rig.mark()
    escalation = escalate(rig, policy="default")   # primary (bob today) 5m, then carol 10m; once more
    assert (escalation.level, escalation.round, escalation.state) == (0, 0, EscalationState.ACTIVE)
    assert paged(rig, escalation.id) == [(BOB, 0, 0, NOW)]
    assert rig.paging.store.pages(escalation.id)[0].via == "schedule:primary"
    assert timer_due(rig, escalation.id) == (NOW + 5 * MINUTE, {"level": 0, "round": 0})
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.data) == ("escalated", {"targets": ["policy:default"], "policy": "default",
                                                      "escalation": escalation.id})
    page_sync, invite, post = rig.effects(after=mark)
    [page] = rig.paging.store.pages(escalation.id)
    assert (page_sync.payload, page_sync.due_at) == ({"surface": f"page:{page.id}"}, NOW)   # the DM goes at once
    assert invite.payload == {"incident": 1, "users": [BOB]}     # the paged person is brought into the channel
    assert post.payload == {"target": "incident:1", "message": "paging.incident_paged",
                            "context": {"actor": ALICE, "targets": ["policy:default"], "policy": "default"}}

    rig.run_for(5 * MINUTE - 1)
    assert len(paged(rig, escalation.id)) == 1
    rig.run_for(1)
    assert paged(rig, escalation.id)[-1] == (CAROL, 1, 0, NOW + 5 * MINUTE)
    assert timer_due(rig, escalation.id) == (NOW + 15 * MINUTE, {"level": 1, "round": 0})
    rig.run_for(10 * MINUTE)
    assert paged(rig, escalation.id)[-1] == (BOB, 0, 1, NOW + 15 * MINUTE)
    rig.run_for(5 * MINUTE)
    assert paged(rig, escalation.id)[-1] == (CAROL, 1, 1, NOW + 20 * MINUTE)

    rig.finish()
    mark = rig.mark()
    rig.run_for(10 * MINUTE)
    assert rig.paging.get(escalation.id).state == EscalationState.EXHAUSTED
    assert timer_due(rig, escalation.id) is None
    assert len(paged(rig, escalation.id)) == 4
    [post] = rig.posts("paging.incident_exhausted", after=mark)
    assert post.payload == {"target": "incident:1", "message": "paging.incident_exhausted", "context": {"repeats": 1}}
    [event] = [e for e in rig.incident_store.timeline(1) if e.kind == "page_unanswered"]
    assert (event.at, event.is_key) == (NOW + 30 * MINUTE, True)
    # every DM drops its Escalate button
    assert sorted(rig.synced(after=mark)) == sorted(f"page:{p.id}" for p in rig.paging.store.pages(escalation.id))

    rig.run_for(24 * 3600)
    assert len(paged(rig, escalation.id)) == 4


def test_one_big_jump_of_the_clock_pages_one_level_at_a_time(rig, incident):
    """A bot that was down for an hour does not page every level at once when it comes back."""
    escalation = escalate(rig, policy="default")
    rig.clock.advance(3600)
    rig.fire_due()
    assert paged(rig, escalation.id)[-1] == (CAROL, 1, 0, NOW + 3600)
    assert timer_due(rig, escalation.id) == (NOW + 3600 + 10 * MINUTE, {"level": 1, "round": 0})


def test_acknowledging_stops_the_escalation_once(rig, incident):
    escalation = escalate(rig, policy="default")
    rig.run_for(6 * MINUTE)   # carol has been paged too
    rig.finish()
    mark = rig.mark()
    outcome = rig.paging.acknowledge(escalation.id, CAROL, note="  on it  ")
    assert outcome.already is False
    acked = rig.paging.get(escalation.id)
    assert (acked.state, acked.acked_by, acked.acked_at, acked.ack_note) == \
        (EscalationState.ACKNOWLEDGED, CAROL, NOW + 6 * MINUTE, "on it")
    assert timer_due(rig, escalation.id) is None
    event = rig.incident_store.timeline(1)[-1]
    assert (event.kind, event.actor, event.text, event.is_key) == ("acknowledged", CAROL, "on it", True)
    [post] = rig.posts(after=mark)
    assert post.payload["message"] == "paging.incident_acknowledged"
    assert post.payload["context"] == {"user": CAROL, "note": "on it"}
    assert sorted(rig.synced(after=mark)) == sorted(f"page:{p.id}" for p in rig.paging.store.pages(escalation.id))

    rig.finish()
    mark = rig.mark()
    late = rig.paging.acknowledge(escalation.id, BOB, note="me too")
    assert late.already is True and late.escalation.acked_by == CAROL   # the late click hears who answered
    assert rig.paging.get(escalation.id) == acked and rig.effects(after=mark) == []

    rig.run_for(3600)
    assert len(paged(rig, escalation.id)) == 2


def test_the_escalate_button_pages_the_next_level_now_and_a_stale_click_does_nothing(rig, incident):
    escalation = escalate(rig, policy="default")
    rig.clock.advance(MINUTE)
    moved = rig.paging.escalate_now(escalation.id, BOB, seen=(0, 0))
    assert (moved.level, moved.round) == (1, 0)
    assert paged(rig, escalation.id)[-1] == (CAROL, 1, 0, NOW + MINUTE)
    assert timer_due(rig, escalation.id) == (NOW + 11 * MINUTE, {"level": 1, "round": 0})

    mark = rig.mark()
    with pytest.raises(PagingError) as stale:   # the same button clicked again, or in another DM
        rig.paging.escalate_now(escalation.id, BOB, seen=(0, 0))
    assert stale.value.code == "already_escalated"
    assert rig.paging.get(escalation.id) == moved and rig.effects(after=mark) == []

    rig.run_for(10 * MINUTE - 1)   # level 0's old timeout (at 5 minutes) is gone with it
    assert len(paged(rig, escalation.id)) == 2
    rig.run_for(1)
    assert paged(rig, escalation.id)[-1] == (BOB, 0, 1, NOW + 11 * MINUTE)


def test_the_escalate_button_on_the_last_level_or_an_answered_page_is_refused(rig, incident):
    escalation = escalate(rig, f"user:{BOB}")   # direct pages: one level that waits for ever
    assert timer_due(rig, escalation.id) is None
    with pytest.raises(PagingError) as last:
        rig.paging.escalate_now(escalation.id, BOB, seen=(0, 0))
    assert last.value.code == "last_level"
    rig.paging.acknowledge(escalation.id, BOB)
    with pytest.raises(PagingError) as answered:
        rig.paging.escalate_now(escalation.id, BOB)
    assert answered.value.code == "page_not_active"


def test_direct_pages_wait_for_ever(rig, incident):
    escalation = escalate(rig, f"user:{BOB}", f"user:{CAROL}", "schedule:secondary")
    assert [(u, level, rnd) for u, level, rnd, _ in paged(rig, escalation.id)] == \
        [(BOB, 0, 0), (CAROL, 0, 0), (DAVE, 0, 0)]
    rig.run_for(7 * 24 * 3600)
    assert len(paged(rig, escalation.id)) == 3
    assert rig.paging.get(escalation.id).state == EscalationState.ACTIVE


def test_a_user_group_is_recorded_for_the_chat_platform_to_expand(rig, incident):
    escalation = escalate(rig, policy="team")   # alice and the on-call group, then secondary (dave)
    assert paged(rig, escalation.id) == [(ALICE, 0, 0, NOW)]
    [expand] = rig.effects("paging.expand_group")
    assert (expand.lane, expand.payload) == (f"escalation:{escalation.id}", {
        "escalation": escalation.id, "groups": [ONCALL_GROUP], "level": 0, "round": 0, "by": ALICE,
        "confirmed": False})

    # the adapter learnt who is in it: alice was paged already at this level, so only bob and carol are
    mark = rig.mark()
    assert rig.paging.page_group_members(escalation.id, {ONCALL_GROUP: [ALICE, BOB, CAROL]}, level=0, round=0) == 2
    assert [(u, via) for u, via in ((p.user, p.via) for p in rig.paging.store.pages(escalation.id))] == \
        [(ALICE, "user"), (BOB, f"usergroup:{ONCALL_GROUP}"), (CAROL, f"usergroup:{ONCALL_GROUP}")]
    invited = [e.payload["users"] for e in rig.effects("incident.invite", after=mark)]
    assert invited == [[BOB], [CAROL]]

    rig.run_for(5 * MINUTE)
    assert paged(rig, escalation.id)[-1] == (DAVE, 1, 0, NOW + 5 * MINUTE)
    # an answer about level 0 that arrives after the escalation moved on pages nobody
    assert rig.paging.page_group_members(escalation.id, {ONCALL_GROUP: [DAVE, ALICE]}, level=0, round=0) == 0
    assert len(paged(rig, escalation.id)) == 4


def test_a_schedule_pages_whoever_is_on_call_then(rig, incident):
    primary = rig.oncall.schedule("primary")
    rig.oncall.override(primary, CAROL, until=NOW + 3600, by=Actor(CAROL))
    escalation = escalate(rig, policy="default")
    assert paged(rig, escalation.id)[0][:3] == (CAROL, 0, 0)
    rig.run_for(15 * MINUTE)   # round 2 is paged at 09:15: carol still holds the pager
    assert paged(rig, escalation.id)[2][:3] == (CAROL, 0, 1)

    tomorrow = rig.declare("Tomorrow's problem", by=BOB)
    rig.clock.advance(timedelta(days=1))   # Tuesday: alice's day in the rotation, override over
    escalation_id = rig.incidents.escalate(rig.incident(tomorrow.id), Actor(BOB), PageTargets(("schedule:primary",)))
    assert paged(rig, escalation_id)[0][0] == ALICE


def test_a_schedule_with_nobody_on_call_says_so_in_the_channel(rig, incident):
    mark = rig.mark()
    escalation = escalate(rig, "schedule:nights", f"user:{BOB}")   # nights starts at 18:00
    assert [p[0] for p in paged(rig, escalation.id)] == [BOB]
    nobody = rig.posts("paging.incident_nobody_on_call", after=mark)
    assert [p.payload for p in nobody] == [{"target": "incident:1", "message": "paging.incident_nobody_on_call",
                                            "context": {"target": "schedule:nights"}}]


def test_starting_with_nobody_to_page_is_refused(rig, incident):
    with pytest.raises(PagingError) as refused:
        rig.paging.start("incident:1", (Level((), None),))
    assert refused.value.code == "nobody_to_page"
    assert rig.paging.store.for_subject("incident:1") == []


# how many people one hand-named page may wake without asking (review 7) ------------------------------
def people(n: int, prefix: str = "UMANY") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def confirm_asked(rig, mark: int) -> list[dict]:
    return [r.payload["context"] for r in rig.replies("paging.confirm_group", after=mark)]


def test_many_people_named_one_by_one_are_paged_only_after_confirming(rig, incident):
    mark = rig.mark()
    named = people(CONFIRM_ABOVE + 5)
    escalation = escalate(rig, *[f"user:{u}" for u in named])
    assert paged(rig, escalation.id) == []
    [asked] = confirm_asked(rig, mark)
    assert (asked["count"], asked["people"], asked["groups"], asked["already"]) == (CONFIRM_ABOVE + 5, 30, [], 0)
    rig.paging.confirm_group(escalation.id, level=0, round=0, by=ALICE)
    assert sorted(u for u, *_ in paged(rig, escalation.id)) == named


def test_the_cap_counts_every_group_of_the_page_together(rig, incident):
    """Three groups of 24 are each under the cap; together they wake 72 people."""
    groups = {f"SGROUP{g}": people(24, f"UG{g}") for g in range(3)}
    mark = rig.mark()
    escalation = escalate(rig, *[f"usergroup:{g}" for g in groups])
    [expand] = rig.effects("paging.expand_group", after=mark)
    assert expand.payload["groups"] == list(groups)
    assert rig.paging.page_group_members(escalation.id, groups, level=0, round=0, by=ALICE) == 0
    [asked] = confirm_asked(rig, mark)
    assert (asked["count"], asked["groups"], asked["already"]) == (72, list(groups), 0)
    rig.paging.confirm_group(escalation.id, level=0, round=0, by=ALICE)
    [again] = rig.effects("paging.expand_group", after=expand.id)
    assert again.payload["confirmed"] is True
    assert rig.paging.page_group_members(escalation.id, groups, level=0, round=0, by=ALICE, confirmed=True) == 72


def test_people_named_with_a_group_count_towards_the_cap(rig, incident):
    mark = rig.mark()
    named = people(10)
    escalation = escalate(rig, *[f"user:{u}" for u in named], f"usergroup:{ONCALL_GROUP}")
    assert len(paged(rig, escalation.id)) == 10   # within the cap on their own: paged at once
    assert rig.paging.page_group_members(escalation.id, {ONCALL_GROUP: people(20, "UOC")}, level=0, round=0,
                                         by=ALICE) == 0
    [asked] = confirm_asked(rig, mark)
    assert (asked["count"], asked["people"], asked["already"]) == (30, 10, 10)
    small = {ONCALL_GROUP: people(CONFIRM_ABOVE - 10, "UOC")}   # 25 in all: the cap itself is fine
    assert rig.paging.page_group_members(escalation.id, small, level=0, round=0, by=ALICE) == CONFIRM_ABOVE - 10


def test_a_configured_policy_is_never_held_for_confirmation(rig, incident):
    mark = rig.mark()
    escalation = escalate(rig, policy="team")
    assert rig.paging.page_group_members(escalation.id, {ONCALL_GROUP: people(60)}, level=0, round=0,
                                         by=ALICE) == 60
    assert confirm_asked(rig, mark) == []
