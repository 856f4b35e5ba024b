"""How many Slack requests are waiting for their ack right now (the effect runner yields to them)."""

from __future__ import annotations


class AckPressure:
    def __init__(self) -> None:
        self.waiting = 0

    def busy(self) -> bool:
        return self.waiting > 0

    async def middleware(self, next):  # a Bolt global middleware: runs around every listener until its ack
        self.waiting += 1
        try:
            return await next()
        finally:
            self.waiting -= 1
