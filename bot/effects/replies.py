"""Where an answer for the person who asked goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReplyTo:
    """The slash command's response_url when there is one, else the channel and user (ephemeral)."""

    user: str
    channel: str | None = None
    response_url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"user": self.user, "channel": self.channel, "response_url": self.response_url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReplyTo":
        return cls(data["user"], data.get("channel"), data.get("response_url"))
