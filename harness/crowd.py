"""Many people typing slash commands at the same moment: for the tests and the ack benchmark."""

from __future__ import annotations

import threading
import time
from typing import Any

from sandbox import Sandbox


def commands_at_once(sandbox: Sandbox, commands: list[tuple[str, str, str, str]]) -> tuple[list[Any], list[float]]:
    """Every (user, command, text, channel) sent from a thread of its own, released together: the sandbox's
    results and the wall-clock time each was sent (the sandbox stamps what people see with that clock)."""
    results: list[Any] = [None] * len(commands)
    sent: list[float] = [0.0] * len(commands)
    gate = threading.Barrier(len(commands))

    def one(index: int) -> None:
        user, command, text, channel = commands[index]
        person = sandbox.as_user(user)
        gate.wait()
        sent[index] = time.time()
        results[index] = person.command(command, text, channel=channel)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, sent
