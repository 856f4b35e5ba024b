"""The one exception Web API handlers raise to answer like Slack does."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A logical Slack error: HTTP 200 with {"ok": false, "error": code, **extra}.

    ``status`` is only changed for the transport-level answers Slack gives with a
    non-200 code (429 ratelimited, 5xx).
    """

    def __init__(self, code: str, *, status: int = 200, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    """Slack's catch-all argument error with human-readable detail lines."""
    return SlackError("invalid_arguments", response_metadata={"messages": list(messages)})
