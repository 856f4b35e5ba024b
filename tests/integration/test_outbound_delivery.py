"""The webhook.deliver handler under the real effect runner, against a receiver that hangs: at most four
deliveries are in flight at once, so the runner's other workers stay free for Slack; the others wait in
the outbox without counting an attempt, and all go once the receiver answers."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from bot.clock import Clock
from bot.effects.outbox import Effects
from bot.effects.runner import EffectRunner
from bot.webhooks.delivery import MAX_IN_FLIGHT, WebhookSender
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


async def wait_for(check, timeout: float = 10.0):
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


async def test_a_hanging_receiver_holds_at_most_four_workers_and_loses_nothing(tmp_path, receiver):
    db = open_database(tmp_path / "w.db")
    config = make_config(f"webhooks: [{{name: ops, url: '{receiver.url}/hook', events: '*', secret_env: HOOK}}]",
                         environ={"HOOK": SECRET})
    clock, work, outbox = Clock(), Work(db), OutboxStore(db)
    sender = WebhookSender(config, WebhookLogStore(db), work, clock, environ={"HOOK": SECRET})
    effects = Effects(outbox, clock)
    for n in range(1, 7):          # six alerts: six lanes, nothing keeps them apart but the limit
        body = json.dumps({"type": "alert.created", "id": f"msg_{n}", "data": {"alert": {"id": n}}})
        effects.do("webhook.deliver", {"webhook": "ops", "message_id": f"msg_{n}", "event": "alert.created",
                                       "subject": f"alert:{n}", "body": body}, lane=f"webhook:ops:alert:{n}")
    receiver.hold()
    runner = EffectRunner(outbox, sender.handlers, clock, concurrency=16)
    await runner.start()
    try:
        await wait_for(lambda: receiver.waiting == MAX_IN_FLIGHT)
        await asyncio.sleep(0.6)                    # the others looked again, and again were told to wait
        assert receiver.waiting == MAX_IN_FLIGHT == 4 and sender.in_flight == 4
        assert db.query("SELECT count(*) FROM webhook_deliveries") == [(0,)]
        receiver.release()
        assert await runner.drain(timeout=10, horizon=1.0)
    finally:
        await runner.stop()
        await sender.close()
    assert sorted(receiver.ids) == [f"msg_{n}" for n in range(1, 7)]
    # each delivered at its first attempt: waiting for a free slot was never counted as one
    assert db.query("SELECT count(*), min(attempt), max(attempt) FROM webhook_deliveries WHERE outcome = "
                    "'delivered'") == [(6, 1, 1)]
    assert db.query("SELECT max(attempts) FROM outbox") == [(1,)]
