"""A webhook receiver that answers 500 for an hour loses nothing: every delivery is tried again on the
outbox's due times (no worker waits), the incident's events wait behind the first one in order, and once
the receiver is back each arrives once, in order. The delivery log on /webhooks shows the failures to an
incident manager in a real browser, and refuses everyone else."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from tests.e2e.helpers import newest_incident_channel
from tests.fakes.server import wait_until
from tests.fakes.webhook import FakeWebhookReceiver
from tests.web.axe import violations

SECRET = "whsec_" + base64.b64encode(b"receiver-down-for-an-hour-key-32").decode()
EVENTS = ["incident.declared", "incident.severity_changed", "incident.resolved"]


@pytest.fixture
def receiver():
    fake = FakeWebhookReceiver(SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def config_text(sandbox, receiver, monkeypatch):
    monkeypatch.setenv("OPS_HOOK_SECRET", SECRET)
    managers = sandbox.add_usergroup("incident-managers", users=[sandbox.user("carol")["id"]])
    return f"""
incident_managers: {managers}
webhooks:
  - {{name: ops-bus, url: "{receiver.url}/hook", events: [{', '.join(EVENTS)}], secret_env: OPS_HOOK_SECRET}}
"""


def attempts(bot) -> list[tuple]:
    return bot.query("SELECT message_id, event, attempt, status_code, outcome FROM webhook_deliveries ORDER BY id")


def next_attempt_at(bot) -> float:
    """The head of the lane: the others wait behind it whatever their own due time."""
    return bot.query("SELECT due_at FROM outbox WHERE kind = 'webhook.deliver' AND state = 'pending' "
                     "ORDER BY id LIMIT 1")[0][0]


def until_next_attempt(bot) -> None:
    """Move the bot's clock to the next attempt's due time and wait for that attempt to be logged."""
    before = len(attempts(bot))
    bot.advance(timedelta(seconds=max(0.0, next_attempt_at(bot) - bot.bot.clock.time()) + 0.5))
    bot.bot.runner.kick()
    wait_until(lambda: len(attempts(bot)) > before, message="the due attempt was never made")


def test_a_receiver_down_for_an_hour_gets_everything_once_and_in_order(bot, sandbox, receiver, web, page):
    receiver.now = bot.bot.clock.time            # it checks each attempt's timestamp against the bot's time
    receiver.fail(500, times=10_000)
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "declare Checkout errors sev2").ack is not None
    bot.settle(horizon=0)            # Slack's work done; the delivery waits for its next attempt
    channel = newest_incident_channel(sandbox)["id"]
    for text in ("severity sev1", "resolve Rolled back payments 512"):
        assert alice.command("/incident", text, channel=channel).ack is not None
    wait_until(lambda: attempts(bot), message="the first delivery was never tried")

    began = bot.bot.clock.time()
    while bot.bot.clock.time() - began < 3600:
        until_next_attempt(bot)
    failed = attempts(bot)
    assert len(failed) >= 8 and {(a[1], a[3], a[4]) for a in failed} == {("incident.declared", 500, "retry")}, \
        "only the lane's head is tried while it fails: the rest wait behind it, in order"
    assert [a[2] for a in failed] == list(range(1, len(failed) + 1))
    assert len({a[0] for a in failed}) == 1, "one delivery id on every attempt"
    assert not receiver.received

    receiver.heal()
    until_next_attempt(bot)
    wait_until(lambda: bot.query("SELECT count(*) FROM outbox WHERE kind = 'webhook.deliver' AND state != 'done'")
               == [(0,)], message=f"{len(receiver.received)} of 3 delivered")
    assert [b["type"] for b in receiver.received] == EVENTS
    assert receiver.ids[0] == failed[0][0] and len(set(receiver.ids)) == 3
    delivered = [a for a in attempts(bot) if a[4] == "delivered"]
    assert [(a[1], a[3]) for a in delivered] == [(e, 204) for e in EVENTS]

    page.goto(web.login_link(sandbox.user("carol")["id"]))
    page.goto(web.base + "/webhooks")
    assert page.locator("#webhook-ops-bus .waiting").inner_text() == "nothing waiting"
    rows = page.locator("table.deliveries tbody tr")
    assert rows.count() == len(failed) + 3
    newest = rows.nth(0).locator("td").all_inner_texts()
    assert newest[1:6] == ["ops-bus", "incident.resolved", "Incident #1", "1", "Delivered"] and newest[6] == "HTTP 204"
    oldest = rows.nth(rows.count() - 1).locator("td").all_inner_texts()
    assert oldest[2:5] == ["incident.declared", "Incident #1", "1"] and oldest[5].startswith("Failed, next attempt")
    assert oldest[6].startswith("HTTP 500") and oldest[8] == failed[0][0]
    assert violations(page) == [], "no serious or critical accessibility violation (axe-core)"
    web.sign_in(sandbox.user("carol")["id"])
    for before in ("%C2%B2", "9" * 30):   # int() refuses '²'; 30 digits overflow the database: both were a 500
        assert "Delivered" in web.get(f"/webhooks?before={before}").body

    web.sign_in(sandbox.user("bob")["id"])
    refused = web.get("/webhooks")
    assert refused.status == 403 and "Only incident managers can read the webhooks' delivery log" in refused.body


def test_a_receiver_that_answers_410_is_disabled_said_in_slack_and_enabled_again_on_the_web(bot, sandbox, receiver,
                                                                                           web, page):
    """410 Gone: the receiver says it is gone for good (Standard Webhooks). warroom stops sending to it at
    once, says so in the alerts channel, sends nothing more, and an incident manager enables it again
    on /webhooks; a refused delivery (404) three times over is given up and told once an hour at most."""
    receiver.now = bot.bot.clock.time
    receiver.fail(410, times=1)
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "declare Checkout errors sev2").ack is not None
    bot.settle()
    channel = newest_incident_channel(sandbox)["id"]
    wait_until(lambda: [a[3:] for a in attempts(bot)] == [(410, "failed")], message="the 410 was never logged")
    bot.settle()
    notice = [m for m in sandbox.messages("alerts") if "ops-bus" in sandbox.render(m)]
    assert len(notice) == 1 and "answered 410 Gone, so warroom sends it nothing more" in sandbox.render(notice[0])

    assert alice.command("/incident", "severity sev1", channel=channel).ack is not None
    bot.settle()
    assert receiver.received == [] and [a[3:] for a in attempts(bot)][-1] == (None, "failed"), \
        "nothing is sent to a receiver that said it is gone"
    assert len([m for m in sandbox.messages("alerts") if "ops-bus" in sandbox.render(m)]) == 1, "told once"

    page.goto(web.login_link(sandbox.user("carol")["id"]))
    page.goto(web.base + "/webhooks")
    state = page.locator("#webhook-ops-bus .state")
    assert "Disabled" in state.inner_text() and "HTTP 410" in state.inner_text()
    page.get_by_role("button", name="Enable ops-bus again").click()
    assert "ops-bus is enabled again" in page.locator("[role=status]").inner_text()
    assert page.locator("#webhook-ops-bus .state").inner_text().strip() == "Active"
    web.sign_in(sandbox.user("bob")["id"])
    form = web.get("/webhooks")
    assert form.status == 403
    assert alice.command("/incident", "resolve Rolled back", channel=channel).ack is not None
    wait_until(lambda: [b["type"] for b in receiver.received] == ["incident.resolved"],
               message="the enabled webhook got nothing")

    receiver.fail(404, times=3)     # refused three times: given up, and told in Slack
    assert alice.command("/incident", "declare Search is slow sev2").ack is not None
    wait_until(lambda: attempts(bot)[-1][3] == 404, message="the new incident's delivery was never tried")
    for _ in range(2):
        until_next_attempt(bot)
    assert [a[3:] for a in attempts(bot)][-3:] == [(404, "retry"), (404, "retry"), (404, "failed")]
    bot.settle()
    told = [sandbox.render(m) for m in sandbox.messages("alerts") if "ops-bus" in sandbox.render(m)]
    assert len(told) == 2 and "did not take incident.declared (incident #2), and warroom gave up on it: " \
        "HTTP 404" in told[1], told
    receiver.fail(404, times=3)     # the next one given up within the hour is logged, not told again
    assert alice.command("/incident", "declare Login is slow sev2").ack is not None
    wait_until(lambda: attempts(bot)[-1][1:4] == ("incident.declared", 1, 404), message="never tried")
    for _ in range(2):
        until_next_attempt(bot)
    assert attempts(bot)[-1][3:] == (404, "failed")
    bot.settle()
    assert len([m for m in sandbox.messages("alerts") if "ops-bus" in sandbox.render(m)]) == 2
