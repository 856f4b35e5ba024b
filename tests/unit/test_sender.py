"""The send lease: whoever holds it sends, and holding it while nothing sends is repaired."""

from bot.clock import Clock
from bot.sender import Sender
from storage.db import open_database
from storage.leases import LeaseStore


async def test_a_sender_whose_runner_stopped_starts_it_again_on_its_next_renewal(tmp_path):
    db = open_database(tmp_path / "w.db")
    calls: list[str] = []
    running = {"now": False}

    async def begin():
        calls.append("begin")
        running["now"] = True

    async def end():
        calls.append("end")
        running["now"] = False

    sender = Sender(LeaseStore(db), Clock(), "replica-a", begin=begin, end=end, exclusive=False,
                    alive=lambda: running["now"])
    await sender._hold()
    assert sender.is_sender and calls == ["begin"]
    await sender._hold()                      # renewing while it runs changes nothing
    assert calls == ["begin"]
    running["now"] = False                    # the effect runner died (a bug, a database hiccup)
    await sender._hold()
    assert calls == ["begin", "end", "begin"] and running["now"] and sender.is_sender
