"""Outbound webhooks in the domain, on both engines: the changes that are webhook events record one
delivery per webhook that wants them, in the change's own transaction (a change rolled back records none),
in one lane per webhook and subject, with the incident or alert as it was after the change; a private
incident goes only to webhooks with include_private, and an alert never names a private incident to others."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from bot.actor import Actor
from bot.alerts.model import AlertEvent
from bot.config import parse_config
from kernel.incidents import Status
from storage.webhooks import WebhookLogStore
from tests.domain.conftest import ALICE, BOB, CONFIG, ENVIRON, MANAGER, DomainRig

SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()
HOOKS = """
webhooks:
  - {name: ops, url: "https://ops.example.com/hook", events: "*", secret_env: HOOK_SECRET}
  - {name: security, url: "https://sec.example.com/hook", include_private: true, secret_env: HOOK_SECRET,
     events: [incident.declared, incident.status_changed, alert.created]}
web: {public_url: "https://warroom.example.com"}
"""


@pytest.fixture
def rig(engine, postgres):
    database = ":memory:" if engine == "sqlite" else postgres.migrated_schema()
    config = parse_config(yaml.safe_load(CONFIG + HOOKS), "domain-test.yml", {**ENVIRON, "HOOK_SECRET": SECRET})
    made = DomainRig(config, database)
    yield made
    made.close()
    if database != ":memory:":
        postgres.recycle(database)


def deliveries(rig, after: int = 0) -> list[tuple[str, str, str, dict]]:
    """(webhook, event, lane, body) of every delivery recorded after ``after``."""
    return [(e.payload["webhook"], e.payload["event"], e.lane, json.loads(e.payload["body"]))
            for e in rig.effects("webhook.deliver", after=after)]


def test_an_incident_s_changes_are_recorded_for_the_webhooks_that_want_them_in_one_lane_each(rig):
    incident = rig.declare("Checkout errors", "sev2", by=ALICE)
    rig.clock.advance(60)
    incident = rig.incidents.set_severity(incident, Actor(ALICE), "sev1")
    incident = rig.incidents.post_update(incident, Actor(ALICE), message="Still looking")       # no new status
    incident = rig.incidents.post_update(incident, Actor(ALICE), message="Bad deploy", status=Status.IDENTIFIED)
    rig.record.add_note(incident, Actor(ALICE), "a note is no event")
    incident = rig.incidents.assign_role(incident, Actor(ALICE), "scribe", BOB)
    incident = rig.incidents.resolve(incident, Actor(ALICE), summary="Rolled back")
    rig.incidents.reopen(incident, MANAGER, reason="It is back")

    found = deliveries(rig)
    assert [(hook, event) for hook, event, _, _ in found] == [
        ("ops", "incident.declared"), ("security", "incident.declared"), ("ops", "incident.severity_changed"),
        ("ops", "incident.status_changed"), ("security", "incident.status_changed"), ("ops", "incident.role_assigned"),
        ("ops", "incident.resolved"), ("ops", "incident.status_changed"), ("security", "incident.status_changed")]
    assert {lane for hook, _, lane, _ in found} == {"webhook:ops:incident:1", "webhook:security:incident:1"}
    bodies = [body for hook, _, _, body in found if hook == "ops"]
    declared, severity, status, role, resolved, reopened = bodies
    assert declared["timestamp"] == "2026-03-02T09:00:00.000Z" and declared["version"] == 1
    assert declared["data"]["incident"]["url"] == "https://warroom.example.com/incidents/1"
    assert declared["data"]["incident"]["roles"] == {"commander": ALICE}
    assert (severity["data"]["change"], severity["data"]["incident"]["severity"]) == ({"from": "SEV2", "to": "SEV1"},
                                                                                     "SEV1")
    assert status["data"]["change"] == {"from": "investigating", "to": "identified", "text": "Bad deploy"}
    assert role["data"]["incident"]["roles"] == {"commander": ALICE, "scribe": BOB}
    assert resolved["data"]["incident"]["status"] == "resolved" and resolved["data"]["incident"]["resolved_at"]
    assert reopened["data"]["change"] == {"from": "resolved", "to": "identified", "text": "It is back"}
    assert reopened["data"]["actor"] == MANAGER.user
    ids = [body["id"] for _, _, _, body in found]
    assert ids[0] == ids[1] and len(set(ids)) == 6, "one id per event, shared by the webhooks that carry it"


def test_a_private_incident_goes_only_to_webhooks_that_include_private_ones(rig):
    rig.declare("Leaked credentials", "sev1", by=ALICE, is_private=True)
    assert [(hook, event) for hook, event, _, _ in deliveries(rig)] == [("security", "incident.declared")]


def test_a_change_rolled_back_records_no_delivery(rig):
    def refuse(incident_id, request, now):
        raise RuntimeError("a declare hook refused")
    rig.incidents.declare_hooks.append(refuse)
    with pytest.raises(RuntimeError):
        rig.declare("Checkout errors", "sev2", by=ALICE)
    assert deliveries(rig) == [] and rig.db.scalar("SELECT count(*) FROM incidents") == 0


def test_an_alert_s_life_is_three_events_and_a_private_incident_it_became_is_named_only_where_allowed(rig):
    prometheus = rig.config.alert_source("prometheus")
    [fired] = rig.alerts.receive(prometheus, [AlertEvent("Disk full on db-1", dedup_key="disk")])
    rig.alerts.receive(prometheus, [AlertEvent("Disk full on db-1", dedup_key="disk")])      # a repeat: no event
    incident = rig.declare("Disk full", "sev2", by=ALICE, is_private=True)
    mark = rig.mark()
    rig.alerts.link_incident(fired.alert.id, incident.id, ALICE)
    rig.alerts.accept(fired.alert.id, Actor(ALICE))
    rig.alerts.receive(prometheus, [AlertEvent("Disk full on db-1", dedup_key="disk", resolve=True)])

    alert_events = [(hook, event, lane) for hook, event, lane, _ in deliveries(rig) if event.startswith("alert.")]
    lane = f"webhook:ops:alert:{fired.alert.id}"
    assert alert_events == [("ops", "alert.created", lane), ("security", "alert.created",
                                                              f"webhook:security:alert:{fired.alert.id}"),
                            ("ops", "alert.acknowledged", lane), ("ops", "alert.resolved", lane)]
    later = [body["data"] for _, _, _, body in deliveries(rig, after=mark)]
    assert [d["alert"]["status"] for d in later] == ["accepted", "resolved"]
    assert [d["alert"]["incident"] for d in later] == [None, None], "ops does not hear of private incidents"
    assert later[0]["actor"] == ALICE and later[1]["actor"] is None
    created = [body for hook, event, _, body in deliveries(rig) if event == "alert.created"]
    assert created[0]["id"] == created[1]["id"], "one event, one id, whichever webhook carries it"
    first = deliveries(rig)[0][3]["data"]["alert"]
    assert (first["summary"], first["source"], first["event_count"], first["dedup_key"]) == \
        ("Disk full on db-1", "prometheus", 1, "disk")


def test_without_webhooks_nothing_listens(make_rig):
    plain = make_rig(CONFIG)
    assert plain.incident_store.observers == [] and plain.alert_store.observers == []
    plain.declare("Checkout errors", "sev2", by=ALICE)
    assert plain.effects("webhook.deliver") == []


def test_the_delivery_log_pages_filters_says_what_waits_and_forgets_old_attempts(rig):
    log = WebhookLogStore(rig.db)
    for n, (hook, outcome) in enumerate([("ops", "retry"), ("ops", "delivered"), ("security", "failed")], 1):
        log.record(webhook=hook, message_id=f"msg_{n}", event="incident.declared", subject="incident:1", attempt=n,
                   at=1000.0 * n, duration_ms=12, status_code=500 if outcome != "delivered" else 204,
                   error="boom" if outcome != "delivered" else None, outcome=outcome,
                   retry_at=1005.0 if outcome == "retry" else None)
    assert [a.message_id for a in log.recent()] == ["msg_3", "msg_2", "msg_1"]
    assert [a.message_id for a in log.recent(webhook="ops", before=2)] == ["msg_1"]
    first = log.recent(webhook="ops")[-1]
    assert (first.status_code, first.error, first.outcome, first.retry_at, first.duration_ms) == (500, "boom", "retry",
                                                                                                  1005.0, 12)
    rig.declare("Checkout errors", "sev2", by=ALICE)
    rig.declare("Checkout slow", "sev3", by=BOB)
    waiting = log.waiting()
    assert set(waiting) == {"ops", "security"} and waiting["ops"][0] == 2 and waiting["security"][0] == 2
    assert log.prune(older_than=2500.0) == 2 and [a.message_id for a in log.recent()] == ["msg_3"]
