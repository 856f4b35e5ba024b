"""The effect runner sleeps while nothing can run (no busy loop) and retries as told."""

import asyncio

from bot.clock import Clock
from bot.effects.errors import Busy, RetryLater
from bot.effects.runner import EffectRunner
from storage.db import open_database
from storage.errors import StorageUnavailable
from storage.outbox import OutboxStore


async def test_a_backing_off_lane_does_not_make_the_runner_spin(tmp_path):
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    clock = Clock()
    calls = {"n": 0}

    async def flaky(effect):
        calls["n"] += 1
        raise RetryLater("slack said 429", delay=2.0)

    async def slow(effect):
        await asyncio.sleep(1.0)
        return None

    runner = EffectRunner(outbox, {"flaky": flaky, "slow": slow}, clock)
    head = outbox.add("flaky", {}, lane="a", now=clock.time())
    outbox.add("flaky", {}, lane="a", now=clock.time())                # blocked behind the head
    outbox.add("flaky", {}, lane="b", now=clock.time(), depends_on=head)  # blocked on the head
    outbox.add("slow", {}, lane="c", now=clock.time())                 # running for a second
    dispatches = {"n": 0}
    original = runner._dispatch_ready

    def counting():
        dispatches["n"] += 1
        original()

    runner._dispatch_ready = counting
    await runner.start()
    await asyncio.sleep(1.5)
    await runner.stop()
    assert calls["n"] == 1  # the head ran once and is waiting out its Retry-After
    assert dispatches["n"] < 20, f"the loop ran {dispatches['n']} times in 1.5 s"


async def test_the_limiter_waits_for_patient_callers_and_hands_back_the_others():
    from bot.slack.ratelimit import RateLimiter

    ticks = {"now": 0.0}
    limiter = RateLimiter(clock=lambda: ticks["now"])
    for _ in range(5):  # Tier 2 allows a burst of 5
        assert await limiter.acquire("conversations.list", max_wait=0.5) == 0.0
    later = await limiter.acquire("conversations.list", max_wait=0.5)
    assert later > 0.5, "an impatient caller is told when to come back, without taking a turn"
    ticks["now"] += later
    assert await limiter.acquire("conversations.list", max_wait=0.5) == 0.0


async def test_the_runner_outlives_a_database_that_goes_away_and_performs_what_waited(tmp_path):
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    clock = Clock()
    done = []

    async def post(effect):
        done.append(effect.id)

    runner = EffectRunner(outbox, {"post": post}, clock)
    away = {"on": True}
    for method in ("claim", "next_due_at"):   # both the dispatch and the look for the next due time fail
        real = getattr(outbox, method)

        def failing(*args, _real=real, **kwargs):
            if away["on"]:
                raise StorageUnavailable("the connection to PostgreSQL was lost")
            return _real(*args, **kwargs)
        setattr(outbox, method, failing)
    await runner.start()
    await asyncio.sleep(0.3)
    assert runner.running, "the runner must not die with the database away"
    away["on"] = False
    effect = outbox.add("post", {}, lane="a", now=clock.time())
    await asyncio.sleep(1.5)   # no kick: found at its next look
    await runner.stop()
    assert done == [effect]


async def test_work_waiting_on_a_busy_kind_does_not_starve_newer_work(tmp_path):
    """A webhook receiver that hangs in an alert storm: thousands of deliveries, each told Busy (the
    sender's limit of deliveries at once is taken) and due again a moment later. Claimed in id order,
    they were always due ahead of a later declare's channel, which then waited for ever; claimed in order
    of due time, the declare goes at once."""
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    clock = Clock()
    posted = asyncio.Event()

    async def busy(effect):
        raise Busy("deliveries at their limit", delay=0.2)

    async def post(effect):
        posted.set()

    with db.transaction():
        for n in range(3000):
            outbox.add("webhook.deliver", {}, lane=f"webhook:alert:{n}", now=clock.time())
    runner = EffectRunner(outbox, {"webhook.deliver": busy, "message.post": post}, clock)
    await runner.start()
    try:
        await asyncio.sleep(0.5)
        outbox.add("message.post", {}, lane="incident:1", now=clock.time())
        runner.kick()
        await asyncio.wait_for(posted.wait(), timeout=2.0)
    finally:
        await runner.stop()


async def test_a_kind_at_its_limit_is_not_claimed_again_until_one_of_it_finishes(tmp_path):
    """While a webhook receiver hangs, the deliveries in flight hold the sender's slots: the hundreds
    waiting for a slot are claimed again once one finishes, not each put off and claimed anew every
    moment (which cost ~40% of a core for as long as the receiver hung)."""
    db = open_database(tmp_path / "w.db")
    outbox = OutboxStore(db)
    clock = Clock()
    release = asyncio.Event()
    tries = {"busy": 0, "sent": 0}
    in_flight = {"n": 0}

    async def deliver(effect):
        if in_flight["n"] >= 2:
            tries["busy"] += 1
            raise Busy("deliveries at their limit", delay=0.05)
        in_flight["n"] += 1
        try:
            await release.wait()
            tries["sent"] += 1
        finally:
            in_flight["n"] -= 1

    with db.transaction():
        for n in range(300):
            outbox.add("webhook.deliver", {}, lane=f"webhook:alert:{n}", now=clock.time())
    runner = EffectRunner(outbox, {"webhook.deliver": deliver}, clock)
    await runner.start()
    try:
        await asyncio.sleep(0.6)
        assert tries["busy"] < 60, f"{tries['busy']} deliveries were put off in 0.6 s"
        release.set()
        for _ in range(100):
            if outbox.pending_count() == 0:
                break
            await asyncio.sleep(0.05)
        assert tries["sent"] == 300 and outbox.pending_count() == 0, "every delivery went once the slots freed"
    finally:
        await runner.stop()
