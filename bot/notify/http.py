"""What a provider's HTTP answer means for the effect runner: done, try again later, or never."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

import aiohttp

from bot.effects.errors import Permanent, RetryLater

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
_SHOWN = 200


class LazySession:
    """The aiohttp session for calls to one kind of outside service: made on first use, inside the running
    loop (a session belongs to the loop it was made in), and closed with the bot. trust_env stays off: a
    provider's base URL is exactly what the config says (tests point it at fakes)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.limit))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def check(provider: str, status: int, body: str, headers: Any = None) -> None:
    """Raise for anything but a 2xx: 429 and 5xx pass (retry), any other 4xx is the request's fault."""
    if 200 <= status < 300:
        return
    text = " ".join(body.split())[:_SHOWN]
    if status == 429 or status >= 500:
        raise RetryLater(f"{provider}: HTTP {status} {text}".strip(), _retry_after(headers))
    raise Permanent(f"{provider}: HTTP {status} {text}".strip())


def _retry_after(headers: Any) -> float | None:
    value = (headers or {}).get("Retry-After") if headers is not None else None
    try:
        return max(1.0, float(value)) if value else None
    except ValueError:
        return None


async def reach(provider: str, call: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``call``; an unreachable provider (refused, reset, timed out) is a passing failure."""
    try:
        return await call()
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, OSError) as exc:
        raise RetryLater(f"{provider}: unreachable ({type(exc).__name__}: {exc})".strip()) from None
