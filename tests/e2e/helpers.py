"""Small steps that e2e tests repeat: declare, find the incident channel, read what people see."""

from __future__ import annotations

from typing import Any

from sandbox import Sandbox


def declare(sandbox: Sandbox, bot, text: str = "Checkout errors sev2", *, user: str = "alice",
            channel: str = "general") -> dict[str, Any]:
    """Declare by text and wait until the incident channel is fully set up; returns the channel."""
    result = sandbox.as_user(user).command("/incident", f"declare {text}", channel=channel)
    assert result.ack, "declare was not acked"
    bot.settle()
    return newest_incident_channel(sandbox)


def newest_incident_channel(sandbox: Sandbox) -> dict[str, Any]:
    channels = [c for c in sandbox.channels() if c["name"].startswith("incident-")]
    assert channels, "no incident channel was created"
    return channels[-1]  # the sandbox lists channels in creation order


def pinned(sandbox: Sandbox, channel: str) -> list[dict[str, Any]]:
    info = sandbox.channel(channel)
    return [sandbox.message(info["id"], ts) for ts in info["pins"]]


def pinned_text(sandbox: Sandbox, channel: str) -> str:
    messages = pinned(sandbox, channel)
    assert len(messages) == 1, f"expected one pinned status, got {len(messages)}"
    return sandbox.render(messages[0])


def texts(sandbox: Sandbox, channel: str) -> list[str]:
    return [sandbox.render(m) for m in sandbox.messages(channel)]


def last_text(sandbox: Sandbox, channel: str) -> str:
    return texts(sandbox, channel)[-1]


def in_flight(sandbox, method):
    """A call to ``method`` the sandbox has started and not yet answered."""
    return any(c.method == method and c.http_status == 0 for c in sandbox.calls)
