"""A fake SMTP server (aiosmtpd on loopback) that keeps what it is sent and can answer a transient (4xx)
or permanent (5xx) error, or be down."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    """aiosmtpd checks its server by connecting to it, so it needs a real port up front."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, fake: "FakeSmtp") -> None:
        self.fake = fake

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if self.fake.refusals:
            return self.fake.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.fake.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class FakeSmtp:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: list[str] = []            # replies to give the next RCPT TOs
        self.port = _free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> "FakeSmtp":
        self.controller.start()
        return self

    def stop(self) -> None:
        try:
            self.controller.stop()
        except AssertionError:  # already stopped (down)
            pass

    def fail(self, reply: str = "451 4.3.0 Try again later", times: int = 1) -> None:
        self.refusals.extend([reply] * times)

    def down(self) -> None:
        self.controller.stop()

    def up(self) -> None:
        self.controller = Controller(self.controller.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]
