"""How many Slack requests are waiting for their ack right now (the effect runner yields to them)."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

RequestListener = Callable[[Any, Any], Awaitable[None]]


class AckPressure:
    """Counts Slack's requests from the moment the Socket Mode client reads them to the moment their
    ack is on the wire, including those still queued in the client. (A Bolt global middleware cannot
    count them: Bolt's ``next()`` only marks the chain to go on, and returns before the listener runs.)"""

    def __init__(self) -> None:
        self.waiting = 0
        self.commands_waiting = 0   # of them, slash commands (the ones that come in bursts and cost the most)
        self.answers_owed = 0       # commands acked before they were handled, not handled yet (bot.slack.commands)
        self._queued: Callable[[], int] = lambda: 0
        self._quiet: asyncio.Event | None = None   # set when the last request waiting was acked

    def busy(self, *, answers_too: bool = False) -> bool:
        return self.waiting > 0 or self._queued() > 0 or (answers_too and self.answers_owed > 0)

    def owe(self) -> None:
        self.answers_owed += 1

    def answered(self) -> None:
        self.answers_owed -= 1
        self._maybe_quiet()

    def other_commands_waiting(self) -> int:
        """Slash commands waiting for their acks besides the one asking (which counts itself)."""
        return max(0, self.commands_waiting - 1)

    async def settled(self, at_most: float, *, answers_too: bool = False) -> None:
        """Return once no request waits for its ack (``answers_too``: nor any command acked before it was
        handled waits for its answer), or after ``at_most`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + at_most
        while self.busy(answers_too=answers_too) and (left := deadline - loop.time()) > 0:
            if self._quiet is None:
                self._quiet = asyncio.Event()
            counted = self.waiting or (answers_too and self.answers_owed)
            try:   # read off the socket, not yet counted: a moment, then look again
                await asyncio.wait_for(self._quiet.wait(), left if counted else min(left, 0.002))
            except asyncio.TimeoutError:
                pass

    async def answered_and_settled(self, at_most: float) -> None:
        """For work that goes after people: their acks and the answers owed to them first."""
        await self.settled(at_most, answers_too=True)

    def _maybe_quiet(self) -> None:
        if self.waiting == 0 and self.answers_owed == 0 and self._quiet is not None:
            self._quiet.set()
            self._quiet = None

    def watch(self, client: Any) -> None:
        """Count every request ``client`` (slack_sdk's Socket Mode client) hands to its listeners."""
        self._queued = client.message_queue.qsize
        client.socket_mode_request_listeners[:] = [self._counted(listener)
                                                   for listener in client.socket_mode_request_listeners]

    def _counted(self, listener: RequestListener) -> RequestListener:
        async def counted(client: Any, request: Any) -> None:
            command = getattr(request, "type", None) == "slash_commands"
            self.waiting += 1
            self.commands_waiting += command
            try:
                await listener(client, request)   # Bolt's dispatch, then the ack written to the socket
            finally:
                self.waiting -= 1
                self.commands_waiting -= command
                if self.waiting == 0 and self._quiet is not None:
                    self._quiet.set()   # acks are out: whoever waits only for them goes (and looks again)
                    self._quiet = None
        return counted
