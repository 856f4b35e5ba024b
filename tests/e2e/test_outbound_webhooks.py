"""Outbound webhooks end to end: an incident run in Slack and an alert raised by monitoring, acknowledged
in Slack and resolved by monitoring, reach the team's receiver signed with its secret, one delivery per
change and in order; a private incident reaches only a webhook that asks for private incidents; a
``warroom run`` killed with -9 mid-delivery delivers again after its restart, with the same delivery id."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from harness.bots import BotProcess, query
from tests.e2e.helpers import declare, newest_incident_channel
from tests.e2e.oncall_config import oncall_yaml
from tests.fakes.server import wait_until
from tests.fakes.webhook import FakeWebhookReceiver

SECRET = "whsec_" + base64.b64encode(b"outbound-webhook-test-key-32b!!!").decode()
PRIVATE_SECRET = "whsec_" + base64.b64encode(b"private-receiver-test-key-32b!!!").decode()
MONITORING_KEY = "monitoring-key-for-outbound-tests"


@pytest.fixture
def receivers():
    started = FakeWebhookReceiver(SECRET).start(), FakeWebhookReceiver(PRIVATE_SECRET).start()
    yield started
    for fake in started:
        fake.stop()


@pytest.fixture
def config_text(sandbox, receivers, monkeypatch):
    monkeypatch.setenv("OPS_HOOK_SECRET", SECRET)
    monkeypatch.setenv("SECURITY_HOOK_SECRET", PRIVATE_SECRET)
    monkeypatch.setenv("MONITORING_KEY", MONITORING_KEY)
    ops, security = receivers
    return oncall_yaml(sandbox, extra=f"""
  - {{name: monitoring, type: webhook, escalation_policy: default, key_env: MONITORING_KEY}}
webhooks:
  - {{name: ops-bus, url: "{ops.url}/hook", events: "*", secret_env: OPS_HOOK_SECRET}}
  - name: security
    url: "{security.url}/hook"
    events: [incident.declared, incident.resolved]
    secret_env: SECURITY_HOOK_SECRET
    include_private: true
""")


def monitoring(bot, event: dict) -> dict:
    request = urllib.request.Request(
        f"{bot.bot.web.public_url}/alerts/monitoring", method="POST", data=json.dumps(event).encode(),
        headers={"Authorization": f"Bearer {MONITORING_KEY}", "Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
        assert response.status == 202
        return json.loads(response.read())


def run(sandbox, bot, text: str, channel: str, user: str = "alice") -> None:
    assert sandbox.as_user(user).command("/incident", text, channel=channel).ack is not None
    bot.settle()


def test_an_incident_and_an_alert_reach_the_receivers_signed_once_each_and_in_order(bot, sandbox, receivers):
    ops, security = receivers
    channel = declare(sandbox, bot, "Checkout errors sev2")["id"]
    run(sandbox, bot, "severity sev1", channel)
    run(sandbox, bot, "status identified Bad deploy of payments, rolling back", channel)
    run(sandbox, bot, "status Still rolling back", channel)              # no new status: no event
    run(sandbox, bot, "role scribe @bob", channel)
    run(sandbox, bot, "resolve Rolled back payments <512> & cache", channel)

    fired = monitoring(bot, {"summary": "Disk 91% on db-3", "dedup_key": "disk-db3"})["alerts"][0]["id"]
    bot.settle()
    post = next(m for m in reversed(sandbox.messages("alerts")) if f"Alert #{fired}" in sandbox.render(m))
    assert sandbox.as_user("alice").click("Acknowledge", message=post).ack == {}
    bot.settle()
    monitoring(bot, {"summary": "Disk 91% on db-3", "dedup_key": "disk-db3", "status": "resolved"})
    bot.settle()

    wait_until(lambda: len(ops.received) >= 8, message=f"the receiver got {len(ops.received)} of 8")
    assert [b["type"] for b in ops.received] == [
        "incident.declared", "incident.severity_changed", "incident.status_changed", "incident.role_assigned",
        "incident.resolved", "alert.created", "alert.acknowledged", "alert.resolved"]
    # every one passed the receiver's signature and timestamp checks; each its own delivery id, in the body too
    assert len(set(ops.ids)) == 8 and ops.ids == [b["id"] for b in ops.received]
    declared, severity, status, role, resolved, created, acked, alert_resolved = ops.received
    alice, bob = sandbox.user("alice")["id"], sandbox.user("bob")["id"]
    incident = declared["data"]["incident"]
    assert (incident["id"], incident["title"], incident["severity"], incident["status"], incident["private"]) == \
        (1, "Checkout errors", "SEV2", "investigating", False)
    assert declared["version"] == 1 and declared["data"]["actor"] == alice and declared["timestamp"].endswith("Z")
    assert severity["data"]["change"] == {"from": "SEV2", "to": "SEV1"}
    assert severity["data"]["incident"]["severity"] == "SEV1"     # the incident as it was after the change
    assert status["data"]["change"] == {"from": "investigating", "to": "identified",
                                        "text": "Bad deploy of payments, rolling back"}
    assert role["data"]["change"] == {"role": "scribe", "user": bob, "previous": None}
    assert role["data"]["incident"]["roles"] == {"commander": alice, "scribe": bob}
    assert role["data"]["incident"]["channel"]["name"] == newest_incident_channel(sandbox)["name"]
    assert resolved["data"]["incident"]["status"] == "resolved"
    assert resolved["data"]["change"] == {"summary": "Rolled back payments <512> & cache"}, "as typed, not as Slack escapes it"
    assert resolved["data"]["incident"]["summary"] == "Rolled back payments <512> & cache"
    assert [b["data"]["alert"]["status"] for b in (created, acked, alert_resolved)] == ["pending", "accepted", "resolved"]
    assert created["data"]["alert"]["summary"] == "Disk 91% on db-3" and acked["data"]["actor"] == alice
    assert [b["type"] for b in security.received] == ["incident.declared", "incident.resolved"]
    assert security.ids[0] == ops.ids[0], "one event, one id, whichever webhook carries it"

    # a private incident goes only where include_private says
    alice_user = sandbox.as_user("alice")
    alice_user.command("/incident", "", channel="general")
    sandbox.wait_for(alice_user.view, message="declare modal never opened")
    assert alice_user.submit_view({"title": "Leaked credentials", "severity": "sev1", "private": ["private"]}).ack == {}
    bot.settle()
    wait_until(lambda: len(security.received) == 3, message="the private incident never reached security")
    assert security.received[2]["data"]["incident"]["private"] is True
    assert len(ops.received) == 8, "a webhook without include_private never hears of a private incident"

    log = bot.query("SELECT webhook, event, attempt, status_code, outcome FROM webhook_deliveries ORDER BY id")
    assert len(log) == 11 and {(row[2], row[3], row[4]) for row in log} == {(1, 204, "delivered")}


def test_a_receiver_that_hangs_holds_two_deliveries_and_the_other_webhooks_keep_going(bot, sandbox, receivers):
    """Deliveries share 4 slots a process; one webhook takes at most 2. Its receiver hanging (each request
    held until it times out) delays its own lanes, not another webhook's."""
    ops, security = receivers
    ops.hold()
    try:
        for title in ("Checkout errors", "Search slow", "Login fails", "Payments down"):
            assert sandbox.as_user("alice").command("/incident", f"declare {title} sev2", channel="general").ack
        wait_until(lambda: len(security.received) == 4, timeout=5,
                   message=f"security got {len(security.received)} of 4 while ops-bus hung")
        assert ops.received == []
    finally:
        ops.release()
    wait_until(lambda: len(ops.received) == 4, timeout=20, message=f"ops-bus got {len(ops.received)} of 4")
    assert sorted(b["data"]["incident"]["id"] for b in ops.received) == [1, 2, 3, 4]


@pytest.fixture
def process(sandbox, tmp_path, database_url, receivers):
    ops, _ = receivers
    config = f'webhooks: [{{name: ops-bus, url: "{ops.url}/hook", events: "*", secret_env: OPS_HOOK_SECRET}}]'
    started = BotProcess(sandbox, tmp_path, config, database=database_url, env={"OPS_HOOK_SECRET": SECRET})
    yield started
    started.stop()


def test_a_kill_mid_delivery_delivers_again_after_the_restart_with_the_same_delivery_id(sandbox, process, receivers):
    ops, _ = receivers
    ops.hold()                                  # the POST reaches the receiver and waits for its answer
    process.start()
    sandbox.as_user("alice").command("/incident", "declare Killed mid delivery sev2", channel="general")
    wait_until(lambda: ops.waiting == 1, message="the delivery never reached the receiver")
    process.kill9()
    ops.release()                               # the receiver took it; warroom never heard the answer
    process.start()
    wait_until(lambda: query(process.db_path, "SELECT state, attempts FROM outbox WHERE kind = 'webhook.deliver'")
               == [("done", 2)], timeout=20, message="the delivery was not finished after the restart")
    assert {b["type"] for b in ops.received} == {"incident.declared"} and 1 <= len(ops.received) <= 2
    assert len(set(ops.ids)) == 1, "a repeat carries the same webhook-id, so the receiver can skip it"
    assert query(process.db_path, "SELECT attempt, outcome FROM webhook_deliveries") == [(2, "delivered")]
