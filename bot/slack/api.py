"""Every Web API call warroom makes from an effect goes through here: paced, and its failures
sorted into "try again", "cannot work" and "ok after all" for the effect runner."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.effects.errors import NotReady, Permanent, RetryLater
from bot.logs import get_logger
from bot.slack.ratelimit import RateLimiter

log = get_logger("warroom.slack")

LOCAL_WAIT_LIMIT = 0.5     # longer waits for a rate tier hand the effect back to the runner

# Errors that mean "try again later" rather than "this can never work".
TRANSIENT_ERRORS = {
    "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "team_added_to_org", "timeout",
}


class SlackCallError(Exception):
    """A logical error from Slack that the caller may want to handle (name_taken...)."""

    def __init__(self, method: str, code: str, response: dict[str, Any] | None = None) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
        self.response = response or {}


# told after every call: the method, the seconds it took, Slack's HTTP status (None: not reached)
CallObserver = Callable[[str, float, "int | None"], None]


class SlackApi:
    def __init__(self, client: AsyncWebClient, limiter: RateLimiter | None = None,
                 observer: CallObserver | None = None) -> None:
        self.client = client
        self.limiter = limiter or RateLimiter()
        self.observer = observer
        self.calls = 0

    async def call(self, method: str, *, expect: tuple[str, ...] = (), json: bool = False, patient: bool = False,
                   **params: Any) -> dict:
        """Call ``method``. Error codes in ``expect`` raise :class:`SlackCallError` for the caller to
        handle; transient ones raise :class:`RetryLater`; anything else :class:`Permanent`.

        ``patient``: wait for the rate tier however long it takes (the pages of a listing, which would
        start over if handed back); otherwise a long wait hands the effect back to the runner.
        """
        channel = params.get("channel")
        later = await self.limiter.acquire(method, channel if isinstance(channel, str) else None,
                                           max_wait=None if patient else LOCAL_WAIT_LIMIT)
        if later > 0:
            # our own pacing says not yet: give the worker back and come back then (not an attempt)
            raise NotReady(f"{method}: paced by its rate tier", delay=later)
        self.calls += 1
        started = time.perf_counter()
        try:
            if json:
                response = await self.client.api_call(method, json=params)
            else:
                response = await self.client.api_call(method, params=params)
            self._observe(method, started, response.status_code)
            return dict(response.data) if isinstance(response.data, dict) else {"ok": True}
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            status = exc.response.status_code
            self._observe(method, started, status)
            code = data.get("error") or f"http_{status}"
            if status == 429:
                retry_after = _retry_after(exc.response.headers)
                self.limiter.pause(method, retry_after, channel if isinstance(channel, str) else None)
                raise RetryLater(f"{method}: rate limited for {retry_after:.0f}s", retry_after) from None
            if code in expect:
                raise SlackCallError(method, code, data) from None
            if status >= 500 or code in TRANSIENT_ERRORS:
                raise RetryLater(f"{method}: {code}") from None
            detail = "; ".join(data.get("response_metadata", {}).get("messages", []) or [])
            raise Permanent(f"{method}: {code}" + (f" ({detail})" if detail else "")) from None
        except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, OSError) as exc:
            self._observe(method, started, None)
            raise RetryLater(f"{method}: {type(exc).__name__}: {exc}") from None

    def _observe(self, method: str, started: float, status: int | None) -> None:
        if self.observer is not None:
            try:
                self.observer(method, time.perf_counter() - started, status)
            except Exception:  # counting must never turn a call that worked into one that failed
                log.warning("slack.observer_failed", exc_info=True, method=method)

    async def open_view(self, trigger_id: str, view: Any) -> dict:
        """Open a modal for a click or command that was just acked (the trigger expires in 3 s)."""
        body = view.to_dict() if hasattr(view, "to_dict") else view
        return await self.call("views.open", json=True, patient=True, trigger_id=trigger_id, view=body)

    async def publish_home(self, user: str, view: Any) -> dict:
        body = view.to_dict() if hasattr(view, "to_dict") else view
        return await self.call("views.publish", json=True, patient=True, user_id=user, view=body)


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(1.0, float(value))
    except (TypeError, ValueError, AttributeError):
        return 30.0
