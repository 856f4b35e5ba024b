"""Alerts: raised by people or monitoring, deduplicated by key, posted to their channel in batches,
paged through their policy (level 1 only when low priority), accepted or resolved once."""

from __future__ import annotations

import pytest

from bot.actor import Actor
from bot.alerts.model import AlertError, AlertEvent
from bot.alerts.service import SLACK_SOURCE
from bot.paging.model import PagingError
from kernel.alerts import AlertStatus
from kernel.paging import EscalationState
from tests.domain.conftest import ALICE, BOB, CAROL, ERIN, START

NOW = START.timestamp()
MINUTE = 60.0


def source(rig, name: str):
    return rig.config.alert_source(name)


def fire(rig, key: str | None = "disk-full", summary: str = "Disk full on db-1", source_name: str = "prometheus"):
    [result] = rig.alerts.receive(source(rig, source_name), [AlertEvent(summary, dedup_key=key)])
    return result


def escalation_of(rig, alert_id: int):
    [escalation] = rig.paging.store.for_subject(f"alert:{alert_id}")
    return escalation


def paged(rig, alert_id: int) -> list[tuple[str, int, int]]:
    return [(p.user, p.level, p.round) for p in rig.paging.store.pages(escalation_of(rig, alert_id).id)]


def log(rig, alert_id: int) -> list[str]:
    return [r[0] for r in rig.db.query("SELECT kind FROM alert_log WHERE alert_id = ? ORDER BY id", (alert_id,))]


def test_an_alert_is_recorded_posted_and_paged(rig):
    result = rig.alerts.raise_alert(source(rig, "ops"), AlertEvent("Checkout 500s", "since 09:00"), actor=ALICE,
                                    policy="default")
    alert = result.alert
    assert result.created is True
    assert (alert.id, alert.source, alert.summary, alert.details, alert.status, alert.priority, alert.policy) == \
        (1, "ops", "Checkout 500s", "since 09:00", AlertStatus.PENDING, "high", "default")
    assert (alert.channel, alert.created_by, alert.batch_id) == ("alerts", ALICE, 1)   # the alerts channel
    assert log(rig, 1) == ["created", "paged"]
    assert paged(rig, 1) == [(BOB, 0, 0)]   # primary's on call
    page = rig.paging.store.pages(escalation_of(rig, 1).id)[0]
    # the channel message and the page's DM go out at once
    assert [(e.payload["surface"], e.due_at) for e in rig.effects("surface.sync")] == \
        [("alertbatch:1", NOW), (f"alertdm:{page.id}", NOW)]
    assert rig.timer("escalation", f"escalation:{escalation_of(rig, 1).id}").due_at == NOW + 5 * MINUTE


def test_the_same_key_updates_the_open_alert(rig):
    first = fire(rig, "disk-full", "Disk 90% full")
    rig.clock.advance(30)
    again = fire(rig, "disk-full", "Disk 95% full")
    assert (first.created, again.created) == (True, False)
    alert = rig.alerts.get(1)
    assert (alert.summary, alert.event_count, alert.updated_at) == ("Disk 95% full", 2, NOW + 30)
    assert rig.alert_store.count_open() == 1
    assert len(rig.paging.store.for_subject("alert:1")) == 1   # nobody is paged again
    assert fire(rig, "cpu-high").alert.id == 2   # another key is another alert
    assert fire(rig, None).alert.id == 3 and fire(rig, None).alert.id == 4   # no key: always new


def test_a_resolve_by_key_ends_the_alert_and_its_pages(rig):
    fire(rig, "disk-full")
    rig.clock.advance(MINUTE)
    [result] = rig.alerts.receive(source(rig, "prometheus"), [AlertEvent("", dedup_key="disk-full", resolve=True)])
    alert = result.alert
    assert (result.created, alert.status, alert.resolved_by, alert.resolved_at) == \
        (False, AlertStatus.RESOLVED, None, NOW + MINUTE)
    escalation = escalation_of(rig, 1)
    assert escalation.state == EscalationState.RESOLVED
    assert rig.timer("escalation", f"escalation:{escalation.id}") is None
    assert log(rig, 1)[-1] == "resolved"
    rig.run_for(3600)
    assert paged(rig, 1) == [(BOB, 0, 0)]

    assert fire(rig, "disk-full").alert.id == 2   # firing again after a resolve is a new alert
    # a resolve for nothing open (late, repeated, unknown) is ignored
    assert rig.alerts.receive(source(rig, "prometheus"), [AlertEvent("", dedup_key="nope", resolve=True)]) == []


def test_alerts_arriving_together_share_one_channel_message(rig):
    for key in ("a", "b", "c"):
        fire(rig, key)
    assert {rig.alerts.get(n).batch_id for n in (1, 2, 3)} == {1}
    assert [e.payload["surface"] for e in rig.effects("surface.sync")].count("alertbatch:1") == 1

    # the adapter writes the message: the batch is closed and shows all three
    assert [a.id for a in rig.alerts.close_batch(1)] == [1, 2, 3]
    rig.clock.advance(0.2)
    mark = rig.mark()
    fire(rig, "d")
    assert rig.alerts.get(4).batch_id == 2
    [sync] = [e for e in rig.effects("surface.sync", after=mark) if e.payload["surface"] == "alertbatch:2"]
    assert sync.due_at == NOW + 1.0   # at most one new message a second per channel
    # another channel has its own batch
    rig.alerts.raise_alert(source(rig, "ops"), AlertEvent("Checkout 500s"), actor=ALICE, policy="default")
    assert rig.alerts.get(5).batch_id == 3


def test_a_repeat_of_an_alert_in_a_posted_batch_edits_that_message(rig):
    fire(rig, "disk-full")
    rig.alerts.close_batch(1)
    rig.finish()
    mark = rig.mark()
    rig.clock.advance(5)
    fire(rig, "disk-full", "Disk 99% full")
    [sync] = rig.effects("surface.sync", after=mark)
    assert (sync.payload["surface"], sync.due_at) == ("alertbatch:1", NOW + 5 + 1)


def test_a_low_priority_alert_pages_level_one_only(rig):
    fire(rig, "nightly-backup", "Nightly backup failed", source_name="batchjobs")
    escalation = escalation_of(rig, 1)
    assert (escalation.levels[0].timeout, escalation.repeat) == (None, 0)
    assert rig.timer("escalation", f"escalation:{escalation.id}") is None
    rig.run_for(24 * 3600)
    assert paged(rig, 1) == [(BOB, 0, 0)]
    assert rig.paging.get(escalation.id).state == EscalationState.ACTIVE


def test_an_alert_nobody_answers_is_said_in_its_channel(rig):
    fire(rig, "disk-full")
    rig.run_for(30 * MINUTE)   # bob, carol, bob, carol
    assert paged(rig, 1) == [(BOB, 0, 0), (CAROL, 1, 0), (BOB, 0, 1), (CAROL, 1, 1)]
    [post] = rig.posts("alerts.unanswered")
    assert post.payload == {"target": "channel:prod-alerts", "message": "alerts.unanswered",
                            "context": {"alert": 1, "repeats": 1, "policy": "default"}}
    assert log(rig, 1)[-1] == "unanswered" and rig.alerts.get(1).status == AlertStatus.PENDING
    assert rig.alerts.accept(1, Actor(CAROL)).status == AlertStatus.ACCEPTED   # still acknowledgeable


def test_a_policy_with_nobody_on_call_says_so_in_the_channel(rig):
    rig.alerts.raise_alert(source(rig, "ops"), AlertEvent("Checkout 500s"), actor=ALICE, policy="nights")
    [post] = rig.posts("alerts.nobody_on_call")
    assert post.payload == {"target": "channel:alerts", "message": "alerts.nobody_on_call",
                            "context": {"alert": 1, "target": "schedule:nights"}}


def test_accepting_stops_the_paging_and_a_second_accept_is_refused(rig):
    fire(rig, "disk-full")
    rig.run_for(6 * MINUTE)
    accepted = rig.alerts.accept(1, Actor(CAROL), note="looking")
    assert (accepted.status, accepted.accepted_by, accepted.accepted_at) == \
        (AlertStatus.ACCEPTED, CAROL, NOW + 6 * MINUTE)
    escalation = escalation_of(rig, 1)
    assert (escalation.state, escalation.acked_by, escalation.ack_note) == \
        (EscalationState.ACKNOWLEDGED, CAROL, "looking")
    assert rig.timer("escalation", f"escalation:{escalation.id}") is None

    with pytest.raises(AlertError) as again:
        rig.alerts.accept(1, Actor(BOB))
    assert again.value.code == "alert_not_pending" and rig.alerts.get(1).accepted_by == CAROL
    rig.run_for(3600)
    assert len(paged(rig, 1)) == 2

    resolved = rig.alerts.resolve(1, Actor(CAROL))
    assert (resolved.status, resolved.resolved_by) == (AlertStatus.RESOLVED, CAROL)
    assert escalation_of(rig, 1).state == EscalationState.ACKNOWLEDGED   # who answered stays on record
    with pytest.raises(AlertError):
        rig.alerts.resolve(1, Actor(CAROL))


def test_one_persons_pages_about_one_source_share_a_dm(rig):
    fire(rig, "a")
    fire(rig, "b")
    first, second = (rig.paging.store.pages(escalation_of(rig, n).id)[0] for n in (1, 2))
    assert first.dm_group == second.dm_group == f"alertdm:{first.id}"
    assert [e.payload["surface"] for e in rig.effects("surface.sync")].count(f"alertdm:{first.id}") == 1
    assert rig.alerts.in_dm_group(first.dm_group) == [1, 2]
    # another source is another DM
    rig.alerts.raise_alert(source(rig, "ops"), AlertEvent("Checkout 500s"), actor=ALICE, policy="default")
    assert rig.paging.store.pages(escalation_of(rig, 3).id)[0].dm_group != first.dm_group

    assert rig.alerts.accept_many([1, 2], Actor(BOB)) == (2, 0)
    assert rig.alerts.accept_many([1, 2], Actor(BOB)) == (0, 0)   # the second click finds nothing to do
    assert rig.alerts.resolve_many([1, 2, 3], Actor(BOB)) == (3, 0)


def test_the_escalate_button_on_an_alert(rig):
    fire(rig, "disk-full")
    rig.alerts.escalate(1, Actor(BOB), seen=(0, 0))
    assert paged(rig, 1) == [(BOB, 0, 0), (CAROL, 1, 0)]
    assert log(rig, 1)[-1] == "escalated"
    with pytest.raises(PagingError) as stale:
        rig.alerts.escalate(1, Actor(BOB), seen=(0, 0))
    assert stale.value.code == "already_escalated" and len(paged(rig, 1)) == 2
    rig.alerts.accept(1, Actor(CAROL))
    with pytest.raises(AlertError) as accepted:
        rig.alerts.escalate(1, Actor(BOB), seen=(1, 0))
    assert accepted.value.code == "alert_not_pending"


def test_an_incident_declared_from_an_alert_is_linked_once(rig):
    fire(rig, "disk-full")
    rig.declare("Database down", by=BOB, source={"alert": 1})
    alert = rig.alerts.get(1)
    assert alert.incident_id == 1 and log(rig, 1)[-1] == "incident_declared"

    mark = rig.mark()
    with pytest.raises(AlertError) as refused:   # a second Declare click on the same alert
        rig.declare("Database down again", by=CAROL, source={"alert": 1})
    assert refused.value.code == "alert_already_declared"
    # the whole declaration is rolled back: no second incident, nothing for Slack to do
    assert rig.incident_store.count_open() == 1 and rig.effects(after=mark) == []
    assert [t.subject for t in rig.timer_store.all() if t.kind == "pulse"] == ["incident:1"]


def test_who_may_raise_what_where(rig):
    listed = rig.alerts.raise_options(ALICE, "C0RANDOM1", "random")
    assert (listed.source.name, listed.policies, listed.priority_fixed) == \
        (SLACK_SOURCE, ("default", "team", "nights"), None)
    in_ops = rig.alerts.raise_options(ERIN, "C0OPS0001", "ops")
    assert (in_ops.source.name, in_ops.policies, in_ops.priority_fixed) == ("ops", ("default", "team"), "high")
    with pytest.raises(AlertError) as elsewhere:
        rig.alerts.raise_options(ERIN, "C0RANDOM1", "random")
    assert elsewhere.value.code == "no_slack_source_here"


@pytest.mark.parametrize("event,policy,code", [
    (AlertEvent("   "), "default", "empty_summary"),
    (AlertEvent("Checkout 500s"), "nights", "not_a_policy"),
])
def test_a_raise_that_cannot_be_done_records_nothing(rig, event, policy, code):
    with pytest.raises(AlertError) as refused:
        rig.alerts.raise_alert(source(rig, "ops"), event, actor=ERIN, policy=policy,
                               allowed_policies=("default", "team"))
    assert refused.value.code == code
    assert rig.alert_store.count_open() == 0 and rig.effects() == []
