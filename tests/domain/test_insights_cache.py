"""Insights reports are kept while nothing changes (bot/insights.py): every change to what they count is
seen on the very next report, with a clock that stands still between changes (the change key may not
lean on time moving), and a private incident counts only for who may see it, whoever asked first.
On both engines."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.actor import Actor
from bot.alerts.model import AlertEvent
from bot.insights import Insights, Report, parse_range
from kernel.incidents import Status
from storage.insights import InsightsStore
from tests.domain.conftest import ALICE, BOB, CAROL, MANAGER


def test_every_change_is_seen_on_the_next_report_and_private_ones_only_by_their_people(rig):
    insights = Insights(InsightsStore(rig.db), rig.config)
    today = datetime.fromtimestamp(rig.clock.time(), timezone.utc).date()
    span = parse_range(None, None, "UTC", today)

    def report(actor: Actor = MANAGER) -> Report:
        return insights.report(actor, span)

    def cell(found: Report, which: str, severity: str = "SEV2") -> tuple:
        [row] = [r for r in getattr(found, which) if r.severity == severity and r.incidents]
        return row.incidents, row.measured, row.mean

    empty = report()
    again = report()
    assert empty.incidents == 0 and (again.mtta, again.alerts, again.pages) == (empty.mtta, empty.alerts, empty.pages)
    assert again.mtta is empty.mtta, "nothing changed: kept, not computed again"

    incident = rig.declare("Checkout errors", "sev2", by=ALICE)
    assert report().incidents == 1 and cell(report(), "mtta") == (1, 0, None)
    rig.clock.advance(300)
    rig.incidents.post_update(incident, Actor(ALICE), message="Rolling back", status=Status.IDENTIFIED)
    assert cell(report(), "mtta") == (1, 1, 300)
    rig.incidents.set_severity(rig.incident(1), Actor(ALICE), "sev1")
    assert cell(report(), "mtta", "SEV1") == (1, 1, 300)
    # a first response moved by a timeline edit, the clock standing still
    [update] = [e for e in rig.incident_store.timeline(1) if e.kind == "update"]
    rig.timeline.edit(rig.incident(1), Actor(ALICE), str(update.id), when="09:02", zone="UTC")
    assert cell(report(), "mtta", "SEV1") == (1, 1, 120)
    rig.clock.advance(600)
    rig.incidents.resolve(rig.incident(1), Actor(ALICE), summary="Rolled back")
    assert cell(report(), "mttr", "SEV1") == (1, 1, 900)

    # alerts: new, repeated (same instant), resolved; its page and the acknowledgement
    prometheus = rig.config.alert_source("prometheus")
    [fired] = rig.alerts.receive(prometheus, [AlertEvent("Disk full", dedup_key="disk")])
    assert [(a.source, a.alerts, a.events) for a in report().alerts] == [("prometheus", 1, 1)]
    rig.alerts.receive(prometheus, [AlertEvent("Disk full", dedup_key="disk")])
    assert [(a.alerts, a.events) for a in report().alerts] == [(1, 2)]
    assert [(p.user, p.pages, p.acknowledged) for p in report().pages] == [(BOB, 1, 0)], "bob is on call"
    [escalation] = rig.paging.store.for_subject(f"alert:{fired.alert.id}")
    rig.paging.acknowledge(escalation.id, BOB)
    assert [(p.user, p.pages, p.acknowledged) for p in report().pages] == [(BOB, 1, 1)]
    [cpu] = rig.alerts.receive(prometheus, [AlertEvent("CPU hot", dedup_key="cpu")])
    assert [(p.user, p.pages, p.acknowledged) for p in report().pages] == [(BOB, 2, 1)]
    [second] = rig.paging.store.for_subject(f"alert:{cpu.alert.id}")
    rig.paging.acknowledge(second.id, BOB)          # at the same instant as the first acknowledgement
    assert [(p.user, p.pages, p.acknowledged) for p in report().pages] == [(BOB, 2, 2)]
    rig.alerts.resolve(fired.alert.id, Actor(BOB))
    rig.alerts.receive(prometheus, [AlertEvent("Disk full", dedup_key="disk")])   # a new alert under the key
    assert [(a.alerts, a.events) for a in report().alerts] == [(3, 4)]

    # carol's private incident: hers and the managers' to count, not alice's, though alice asked first
    as_alice = report(Actor(ALICE))
    rig.declare("Leaked key", "sev2", by=CAROL, is_private=True)
    assert report(Actor(ALICE)).incidents == 1 and report(Actor(BOB)).incidents == 1
    assert report(Actor(CAROL)).incidents == 2 and report().incidents == 2
    assert report(Actor(ALICE)).alerts is as_alice.alerts, "an incident changed: the alerts are not counted again"
    # alice is given a role in it: from the next report on it counts for her too
    rig.incidents.assign_role(rig.incident(2), Actor(CAROL), "scribe", ALICE)
    assert report(Actor(ALICE)).incidents == 2 and report(Actor(BOB)).incidents == 1
