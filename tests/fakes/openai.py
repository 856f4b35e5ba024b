"""A fake OpenAI-compatible chat-completions server (../shared/external-apis.md §9): ``POST
/v1/chat/completions`` with bearer auth, the request's fields checked as OpenAI and vLLM check them,
OpenAI's error shape (``{"error": {"message", "type", "param", "code"}}``; vLLM's bare
``{"error": "Unauthorized"}`` for a missing key), and a chat.completion answer. It records every
request it was sent (what a test asserts was, and was not, in a prompt), and can be told to answer a
given text, to be slow, or to refuse the next requests (500, 429 with Retry-After, insufficient_quota)."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

ROLES = {"system", "user", "assistant", "tool", "developer"}


class FakeChatCompletions(FakeServer):
    def __init__(self, key: str | None = "sk-test-0123456789abcdef", models: tuple[str, ...] = ("warroom-test",),
                 prefix: str = "/v1") -> None:
        super().__init__()
        self.key = key
        self.models = set(models)
        self.prefix = prefix
        self.reply = "• The checkout service is failing.\n• Nobody knows why yet."
        self.delay = 0.0
        self.received: list[dict[str, Any]] = []      # every request body that passed auth, in order
        self._refusals: list[tuple[int, dict[str, str], Any]] = []
        self._refusal_lock = threading.Lock()

    # what a test sets up ----------------------------------------------------------------------
    def answer(self, text: str) -> None:
        self.reply = text

    def slow(self, seconds: float) -> None:
        """Every answer from now on takes this long (a cold local model, a hung one)."""
        self.delay = seconds

    def refuse(self, status: int = 500, times: int = 1, *, retry_after: float | None = None,
               code: str | None = None) -> None:
        """The next ``times`` requests are refused with ``status`` (429: with Retry-After when given)."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        kind = {429: "requests", 401: "invalid_request_error"}.get(status, "server_error")
        body = _error("injected" if status != 429 else "Rate limit reached for requests", kind, None,
                      code or ("rate_limit_exceeded" if status == 429 else None))
        with self._refusal_lock:
            self._refusals.extend([(status, headers, body)] * times)

    # what a test reads ------------------------------------------------------------------------
    def prompts(self) -> list[str]:
        """All the text of each request's messages, one string per request."""
        return ["\n".join(m["content"] for m in body["messages"]) for body in self.received]

    # the API ----------------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post(f"{self.prefix}/chat/completions", self.complete),
                web.get(f"{self.prefix}/models", self.list_models)]

    def error_body(self, status: int) -> Any:
        return _error("The server had an error while processing your request.", "server_error", None, None)

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if self.key is None:
            return None
        given = request.headers.get("Authorization", "")
        if not given:
            return web.json_response({"error": "Unauthorized"}, status=401)     # vLLM's shape
        if given != f"Bearer {self.key}":
            return web.json_response(_error("Incorrect API key provided.", "invalid_request_error", None,
                                            "invalid_api_key"), status=401)
        return None

    async def list_models(self, request: web.Request) -> web.StreamResponse:
        refused = self._unauthorized(request)
        return refused or web.json_response({"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in sorted(self.models)]})

    async def complete(self, request: web.Request) -> web.StreamResponse:
        refused = self._unauthorized(request)
        if refused:
            return refused
        if request.content_type != "application/json":
            return _bad("Unsupported content type; send application/json", None)
        try:
            body = json.loads(await request.text())
        except ValueError:
            return _bad("We could not parse the JSON body of your request.", None)
        problem = _check(body, self.models)
        if problem is not None:
            return problem
        self.received.append(body)
        with self._refusal_lock:
            refusal = self._refusals.pop(0) if self._refusals else None
        if refusal is not None:
            status, headers, error = refusal
            return web.json_response(error, status=status, headers=headers)
        if self.delay:
            await _linger(request, self.delay)
        prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4
        completion_tokens = len(self.reply) // 4
        return web.json_response({
            "id": "chatcmpl-" + secrets.token_hex(12), "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}})


async def _linger(request: web.Request, seconds: float) -> None:
    """Take ``seconds`` to answer, as a slow model does, but stop when the client gave up and left."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if request.transport is None or request.transport.is_closing():
            return
        await asyncio.sleep(0.02)


def _check(body: Any, models: set[str]) -> web.Response | None:
    """What OpenAI refuses in a chat-completions request, with its error shape."""
    if not isinstance(body, dict):
        return _bad("The request body must be a JSON object.", None)
    if not isinstance(body.get("model"), str) or not body["model"]:
        return _bad("you must provide a model parameter", "model")
    if body["model"] not in models:
        return web.json_response(_error(f"The model `{body['model']}` does not exist or you do not have access "
                                        "to it.", "invalid_request_error", None, "model_not_found"), status=404)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _bad("'messages' must be a non-empty array", "messages")
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return _bad(f"Invalid value for 'messages[{n}].role'", f"messages[{n}].role")
        if not isinstance(message.get("content"), str):
            return _bad(f"Invalid type for 'messages[{n}].content': expected a string", f"messages[{n}].content")
    if body.get("stream") not in (None, False):
        return _bad("this fake answers only stream: false", "stream")
    temperature = body.get("temperature", 1)
    if not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
        return _bad("Invalid 'temperature': must be between 0 and 2", "temperature")
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1):
        return _bad("Invalid 'max_tokens': integer below minimum value", "max_tokens")
    return None


def _error(message: str, kind: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _bad(message: str, param: str | None) -> web.Response:
    return web.json_response(_error(message, "invalid_request_error", param, None), status=400)
