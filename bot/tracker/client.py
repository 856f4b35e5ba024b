"""The port a tracker client implements, and what its answers mean for the effect runner."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

import aiohttp

from bot.effects.errors import Permanent, RetryLater
from kernel.tickets import Ticket, TicketRef, TicketState

TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)
DEFAULT_WAIT = 60.0      # a rate limit that says nothing of when it ends: GitHub asks for at least a minute
SHOWN = 200              # of a tracker's error message, in the timeline and in Slack


@dataclass(frozen=True)
class NewTicket:
    title: str
    body: str                  # Markdown (GitHub, Linear); Jira gets it as ADF paragraphs
    marker: str                # also inside ``body``: how the ticket is found again
    labels: tuple[str, ...]
    assignee: str | None       # the tracker's account, when the owner has one mapped


class TrackerClient(Protocol):
    async def create(self, ticket: NewTicket) -> TicketRef: ...

    async def find(self, marker: str) -> TicketRef | None:
        """The ticket whose body carries ``marker``, among the newest ones, if an earlier attempt filed it."""

    async def states(self, tickets: list[Ticket]) -> dict[int, TicketState]:
        """Each ticket's state by follow-up id: open, closed or gone (a ticket the tracker no longer has)."""


class Refused(Permanent):
    """The tracker refused the request (credentials, permission, a project that does not exist, a field
    it will not take): trying again unchanged cannot help. ``status`` is the HTTP status."""

    def __init__(self, tracker: str, status: int, message: str) -> None:
        self.status = status
        self.message = " ".join(message.split())[:SHOWN]
        super().__init__(f"{tracker}: HTTP {status} {self.message}".strip())


def carries(text: str, marker: str) -> bool:
    """The marker stands in ``text`` as a whole word (``…-1-ab`` is not inside ``…-1-abc``)."""
    return re.search(rf"(?<![\w-]){re.escape(marker)}(?![\w-])", text or "") is not None


async def read_json(response: aiohttp.ClientResponse) -> Any:
    """The answer's JSON, or None when it has none (a proxy's HTML error page, an empty 204)."""
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from a 429/403/503's headers: Retry-After, else GitHub's x-ratelimit-reset (unix
    seconds) when nothing remains; None when they say nothing."""
    value = headers.get("Retry-After")
    if value:
        try:
            return max(1.0, float(value))
        except ValueError:
            pass
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        try:
            return max(1.0, float(headers["x-ratelimit-reset"]) - (time.time() if now is None else now))
        except ValueError:
            pass
    return None


def judge(tracker: str, status: int, headers: Mapping[str, str], message: str) -> None:
    """Raise for anything but a 2xx: rate limits and 5xx pass (RetryLater, after what the headers say),
    GitHub's 403 with no requests left is a rate limit too; any other 4xx is Refused."""
    if 200 <= status < 300:
        return
    wait = retry_after(headers)
    limited = status == 429 or (status == 403 and (headers.get("x-ratelimit-remaining") == "0"
                                                   or "Retry-After" in headers))
    if limited:
        raise RetryLater(f"{tracker}: rate limited (HTTP {status})", wait if wait is not None else DEFAULT_WAIT)
    if status >= 500:
        raise RetryLater(f"{tracker}: HTTP {status} {' '.join(message.split())[:SHOWN]}".strip(), wait)
    raise Refused(tracker, status, message)
