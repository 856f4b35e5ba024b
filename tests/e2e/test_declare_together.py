"""Issue 8, bug 1: twenty people declare at once with Slack's rate tiers in force, five of them the
same title. Every declarer gets exactly one channel of their own, with distinct names, within what
conversations.create's tier allows; nobody retries a taken name."""

import threading
import time

from bot.app import Options
from bot.clock import Clock
from harness import make_config
from harness.bots import BotThread

SAME_TITLE = "Checkout errors"


def test_twenty_declares_at_once_get_twenty_distinct_channels(sandbox, tmp_path):
    people = [sandbox.user(n)["id"] for n in ("alice", "bob", "carol", "dave")]
    for n in range(16):
        people.append(sandbox.add_user(f"responder{n}"))
        sandbox.as_user(people[-1]).join("general")
    sandbox.strict_rate_limits = True
    # the bot paces itself at twice the documented tier floor: it must defer create calls, which is
    # what used to restart the name search from the unsuffixed name
    bot = BotThread(sandbox, make_config(), str(tmp_path / "w.db"),
                    options=Options(clock=Clock(), rate_limit_scale=2.0, surface_settle=0.05)).start()
    try:
        titles = [SAME_TITLE if n < 5 else f"Outage number {n}" for n in range(20)]
        results = [None] * 20

        def declare(n: int) -> None:
            results[n] = sandbox.as_user(people[n]).command("/incident", f"declare {titles[n]} sev2", channel="general")

        began = time.monotonic()
        threads = [threading.Thread(target=declare, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(r.ack is not None for r in results), "a command was not acked within Slack's 3 s"
        # each declarer is told, on the ack or (those that came in a crowd) moments later through response_url
        for result in results:
            result.wait_reply("Declaring incident", timeout=15)
        # 40 creates a minute with a burst of 10: the last of 20 is due after about 15 s
        sandbox.wait_for(lambda: len([c for c in sandbox.channels() if c["name"].startswith("incident-")]) == 20,
                         timeout=40, message="not every incident got its channel")
        took = time.monotonic() - began
        bot.settle(timeout=30)
        channels = [c for c in sandbox.channels() if c["name"].startswith("incident-")]
        names = [c["name"] for c in channels]
        assert len(set(names)) == 20
        same = sorted(n for n in names if "checkout-errors" in n)
        assert len(same) == 5 and same[0].endswith("checkout-errors")
        for n, person in enumerate(people):
            mine = [c for c in channels if person in c["members"]]
            assert len(mine) == 1, f"declarer {n} is in {len(mine)} incident channels"
        creates = [c for c in sandbox.calls if c.method == "conversations.create"]
        assert len(creates) == 20 and all(c.ok for c in creates), [c.error for c in creates if not c.ok]
        assert took < 35, took
        rows = bot.query("SELECT count(DISTINCT channel_name), count(*) FROM incidents")
        assert rows == [(20, 20)]
    finally:
        bot.stop()
