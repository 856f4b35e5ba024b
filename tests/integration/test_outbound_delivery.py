"""The webhook.deliver handler under the real effect runner and a clock the test moves, against a receiver
that hangs (at most two of a process's four deliveries at once to one webhook, so the runner's other
workers stay free for Slack and other webhooks; the others wait in the outbox without counting an attempt),
refuses, or stays down for more than a day."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from bot.clock import Clock
from bot.effects.outbox import Effects
from bot.effects.runner import EffectRunner
from bot.webhooks.delivery import MAX_IN_FLIGHT, PER_WEBHOOK, WebhookSender
from bot.work import Work
from harness import make_config
from storage.db import open_database
from storage.outbox import OutboxStore
from storage.webhooks import WebhookLogStore
from tests.fakes.webhook import FakeWebhookReceiver

SECRET = "whsec_" + base64.b64encode(b"hanging-receiver-test-key-32b!!!").decode()


@pytest.fixture
def receiver():
    fake = FakeWebhookReceiver(SECRET).start()
    yield fake
    fake.release()
    fake.stop()


@pytest.fixture
def rig(tmp_path, receiver):
    """(database, clock, outbox, sender) for the webhook ``ops`` pointing at ``receiver``."""
    db = open_database(tmp_path / "w.db")
    config = make_config(f"webhooks: [{{name: ops, url: '{receiver.url}/hook', events: '*', secret_env: HOOK}}]",
                         environ={"HOOK": SECRET})
    clock = Clock()
    receiver.now = clock.time       # it checks timestamps against the clock the tests move
    yield db, clock, OutboxStore(db), WebhookSender(config, WebhookLogStore(db), Work(db), clock,
                                                     environ={"HOOK": SECRET})
    db.close()


async def wait_for(check, timeout: float = 10.0):
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


async def test_a_hanging_receiver_holds_at_most_its_webhooks_share_of_workers_and_loses_nothing(rig, receiver):
    """Of the 4 deliveries a process makes at once, one webhook's take at most 2: the rest of its lanes wait
    (not counted as attempts), and go once the receiver answers again."""
    db, clock, outbox, sender = rig
    effects = Effects(outbox, clock)
    for n in range(1, 7):          # six alerts: six lanes, nothing keeps them apart but the limit
        body = json.dumps({"type": "alert.created", "id": f"msg_{n}", "data": {"alert": {"id": n}}})
        effects.do("webhook.deliver", {"webhook": "ops", "message_id": f"msg_{n}", "event": "alert.created",
                                       "subject": f"alert:{n}", "body": body}, lane=f"webhook:ops:alert:{n}")
    receiver.hold()
    runner = EffectRunner(outbox, sender.handlers, clock, concurrency=16)
    await runner.start()
    try:
        await wait_for(lambda: receiver.waiting == PER_WEBHOOK)
        await asyncio.sleep(0.6)                    # the others looked, and were told to wait
        assert receiver.waiting == PER_WEBHOOK == 2 and sender.in_flight == 2 and MAX_IN_FLIGHT == 4
        assert db.query("SELECT count(*) FROM webhook_deliveries") == [(0,)]
        receiver.release()
        await wait_for(lambda: len(receiver.ids) == 6, timeout=30)   # the waiting ones look again within 5 s
        assert await runner.drain(timeout=10, horizon=1.0)
    finally:
        await runner.stop()
        await sender.close()
    assert sorted(receiver.ids) == [f"msg_{n}" for n in range(1, 7)]
    # each delivered at its first attempt: waiting for a free slot was never counted as one
    assert db.query("SELECT count(*), min(attempt), max(attempt) FROM webhook_deliveries WHERE outcome = "
                    "'delivered'") == [(6, 1, 1)]
    assert db.query("SELECT max(attempts) FROM outbox") == [(1,)]


async def test_a_receiver_that_refuses_a_delivery_gets_it_three_times_then_the_lane_moves_on(rig, receiver):
    """404 (or any 4xx but 408, 425 and 429) refuses the delivery as sent: tried 3 times in all, then given up
    and logged, and the next event of the same incident goes; a delivery for a webhook no longer in
    warroom.yml is given up at once."""
    db, clock, outbox, sender = rig
    effects = Effects(outbox, clock)
    for n, hook in ((1, "ops"), (2, "ops"), (3, "removed")):
        effects.do("webhook.deliver", {"webhook": hook, "message_id": f"msg_{n}", "event": "incident.declared",
                                       "subject": "incident:1", "body": json.dumps({"id": f"msg_{n}"})},
                   lane=f"webhook:{hook}:incident:1")
    receiver.fail(404, times=3)
    runner = EffectRunner(outbox, sender.handlers, clock, concurrency=16)
    await runner.start()
    try:
        for logged in (1, 2, 3):
            await wait_for(lambda: db.scalar("SELECT count(*) FROM webhook_deliveries WHERE message_id = 'msg_1'")
                           == logged)
            clock.advance(60)
            runner.kick()
        await wait_for(lambda: receiver.ids == ["msg_2"])
        assert await runner.drain(timeout=10, horizon=1.0)
    finally:
        await runner.stop()
        await sender.close()
    assert db.query("SELECT message_id, attempt, status_code, outcome FROM webhook_deliveries ORDER BY id") == [
        ("msg_3", 1, None, "failed"), ("msg_1", 1, 404, "retry"), ("msg_1", 2, 404, "retry"),
        ("msg_1", 3, 404, "failed"), ("msg_2", 1, 204, "delivered")]
    assert db.query("SELECT payload, state FROM outbox ORDER BY id")[0][1] == "failed"


async def test_a_receiver_down_for_more_than_a_day_is_given_up_at_last(rig, receiver):
    db, clock, outbox, sender = rig
    Effects(outbox, clock).do("webhook.deliver", {"webhook": "ops", "message_id": "msg_1", "event": "alert.created",
                                                  "subject": "alert:1", "body": "{}"}, lane="webhook:ops:alert:1")
    receiver.fail(503, times=3)
    runner = EffectRunner(outbox, sender.handlers, clock, concurrency=16)
    await runner.start()
    try:
        await wait_for(lambda: db.scalar("SELECT count(*) FROM webhook_deliveries") == 1)
        clock.advance(24 * 3600)           # still within the day and an hour: tried again
        runner.kick()
        await wait_for(lambda: db.scalar("SELECT count(*) FROM webhook_deliveries") == 2)
        clock.advance(3600)
        runner.kick()
        await wait_for(lambda: outbox.state_of(1) == "failed")
    finally:
        await runner.stop()
        await sender.close()
    assert db.query("SELECT attempt, status_code, outcome FROM webhook_deliveries ORDER BY id") == [
        (1, 503, "retry"), (2, 503, "retry"), (3, 503, "failed")]
    assert receiver.ids == []
