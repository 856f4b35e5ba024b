"""After a commit that planned a timer, the timer service looks at the database only if that timer
falls due before its next wake-up: a pulse half an hour away costs no look (on PostgreSQL three round
trips on the loop that answers Slack, once per command), a timer due now fires at once."""

import asyncio

from bot.clock import Clock
from bot.timers import IDLE_WAKE, TimerService
from storage.db import open_database
from storage.timers import TimerStore


def test_a_later_timer_costs_no_look_and_a_due_one_fires_at_once(database_url):
    db = open_database(database_url)
    store = TimerStore(db)
    fired: list[str] = []
    looks: list[float] = []
    claim_due = store.claim_due

    def counted_claim(*args, **kwargs):
        looks.append(args[0])
        return claim_due(*args, **kwargs)
    store.claim_due = counted_claim

    async def pulse(timer) -> None:
        fired.append(timer.subject)

    async def story() -> None:
        clock = Clock()
        service = TimerService(store, clock, {"pulse": pulse}, owner="me")
        await service.start()
        await asyncio.sleep(0.05)                       # the first look, at start
        assert len(looks) == 1
        with db.transaction():
            store.set("pulse", "incident:1", clock.time() + 1800)
        service.flush()
        await asyncio.sleep(0.1)
        assert len(looks) == 1 and fired == []          # not due before the next wake-up: no look now
        with db.transaction():
            store.set("pulse", "incident:2", clock.time())
            store.set("pulse", "incident:3", clock.time() + 3600)
        service.flush()
        await asyncio.sleep(0.2)
        assert fired == ["incident:2"] and len(looks) == 2   # the soonest counts: fired at once, not in 5 s
        await service.stop()

    try:
        asyncio.run(asyncio.wait_for(story(), IDLE_WAKE - 1))
        assert sorted(t.subject for t in store.all()) == ["incident:1", "incident:3"]
    finally:
        db.close()
