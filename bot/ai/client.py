"""A client of OpenAI-compatible chat completions (OpenAI, vLLM, Ollama, LiteLLM...): one POST to
``{base_url}/chat/completions`` with a bearer key, bounded by the configured timeout. It does not
retry: the caller decides (a summary is an outbox effect the runner retries with backoff; the
postmortem's narrative is tried once and left out when it fails)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Mapping

import aiohttp

from bot.config.ai import AiSettings
from bot.logs import get_logger
from bot.notify.http import LazySession

log = get_logger("warroom.ai")

RETRYABLE_STATUSES = frozenset({408, 409, 429})   # and every 5xx, as OpenAI's own SDK retries
MAX_RETRY_AFTER = 60.0      # seconds: a Retry-After beyond this is not waited for (the SDK's bound too)
_SHOWN = 200                # characters of an error body worth showing


class ChatFailure(Exception):
    """The endpoint gave no usable answer. ``retryable``: a passing failure (timeout, 429, 5xx, network);
    ``retry_after``: seconds the endpoint asked to wait, when it said."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str | None      # "length": the answer was cut at max_tokens


class ChatCompletions:
    def __init__(self, settings: AiSettings, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self.environ = environ
        self._sessions = LazySession(limit=8)

    async def close(self) -> None:
        await self._sessions.close()

    def _key(self) -> str | None:
        name = self.settings.api_key_env
        return self.environ.get(name) if name else None

    async def complete(self, messages: list[dict[str, str]], *, max_tokens: int,
                       timeout: float | None = None) -> Completion:
        """The assistant's answer to ``messages``; raises :class:`ChatFailure`. ``timeout`` (seconds)
        shortens the configured one."""
        limit = min(timeout or self.settings.timeout.total_seconds(), self.settings.timeout.total_seconds())
        body = {"model": self.settings.model, "messages": messages, "temperature": 0.2, "max_tokens": max_tokens,
                "stream": False}
        headers = {"Content-Type": "application/json"}
        key = self._key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        started = time.monotonic()
        try:
            # the whole exchange, connecting included, within the limit: a hung local model never holds on
            async with asyncio.timeout(limit):
                async with self._sessions.get().post(f"{self.settings.base_url}/chat/completions", json=body,
                                             headers=headers) as response:
                    text = await response.text()
                    status, answer_headers = response.status, response.headers
        except TimeoutError:
            raise self._failed(ChatFailure(f"no answer within {limit:g}s", retryable=True), started) from None
        except (aiohttp.ClientError, ConnectionError, OSError) as exc:
            raise self._failed(ChatFailure(f"unreachable ({type(exc).__name__})", retryable=True), started) from None
        if status != 200:
            raise self._failed(refusal(status, text, answer_headers, key), started)
        completion = parse_completion(text, key)
        log.info("ai.answered", model=self.settings.model, seconds=round(time.monotonic() - started, 2),
                 characters=len(completion.text), finish_reason=completion.finish_reason)
        return completion

    def _failed(self, failure: ChatFailure, started: float) -> ChatFailure:
        log.warning("ai.failed", model=self.settings.model, reason=failure.reason, retryable=failure.retryable,
                    seconds=round(time.monotonic() - started, 2))
        return failure


def refusal(status: int, body: str, headers: Mapping[str, str], key: str | None) -> ChatFailure:
    message, code = _error_message(body)
    reason = _redacted(f"HTTP {status}" + (f": {message}" if message else ""), key)
    retryable = status in RETRYABLE_STATUSES or status >= 500
    if status == 429 and code == "insufficient_quota":
        retryable = False       # out of credit: asking again will not help
    should = (headers.get("x-should-retry") or "").lower()
    if should in ("true", "false"):
        retryable = should == "true"    # the endpoint knows best (OpenAI's own SDK obeys this too)
    return ChatFailure(reason, retryable=retryable, retry_after=_retry_after(headers) if retryable else None)


def _error_message(body: str) -> tuple[str, str | None]:
    """The message and code of an error body in any of its shapes: OpenAI's ``{"error": {"message",
    "code"}}``, vLLM's bare ``{"error": "Unauthorized"}`` or its older flat ``{"object": "error",
    "message"}``; anything else, its first characters."""
    try:
        data = json.loads(body)
    except ValueError:
        return " ".join(body.split())[:_SHOWN], None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            code = error.get("code")
            return str(error.get("message") or "")[:_SHOWN], str(code) if code is not None else None
        if isinstance(error, str):
            return error[:_SHOWN], None
        if isinstance(data.get("message"), str):
            return data["message"][:_SHOWN], None
    return " ".join(body.split())[:_SHOWN], None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("Retry-After", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue       # an HTTP date: back off as usual
        if 0 <= seconds <= MAX_RETRY_AFTER:
            return seconds
    return None


def parse_completion(body: str, key: str | None) -> Completion:
    try:
        data: Any = json.loads(body)
        choice = data["choices"][0]
        content = choice["message"].get("content")
        finish = choice.get("finish_reason")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise ChatFailure("the answer is not a chat completion (no choices[0].message)", retryable=False) from None
    if finish == "content_filter":
        raise ChatFailure("the endpoint's content filter withheld the answer", retryable=False)
    if not isinstance(content, str) or not content.strip():
        raise ChatFailure("the answer was empty", retryable=True)
    return Completion(_redacted(content.strip(), key), finish)


def _redacted(text: str, key: str | None) -> str:
    """The key never travels further than the request: not into a reason, a log line or a post."""
    return text.replace(key, "[key]") if key and len(key) >= 8 else text
