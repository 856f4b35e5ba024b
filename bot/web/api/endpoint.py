"""One endpoint of the API, declared once (method, path, what it takes, what it answers) and served by
one wrapper that does what every endpoint needs: the key, the fields, the body's limits, refusals as
JSON with their status, the log line. A handler gets the checked fields, calls the domain and shapes the
answer; it decides nothing the domain decides for Slack."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from aiohttp import web

from bot.actor import Actor
from bot.config.api_keys import ApiKey
from bot.errors import UserError
from bot.log_throttle import Throttled
from bot.logs import get_logger
from bot.web.api.fields import Body, Field, parse_fields, parse_query
from bot.web.api.problems import ApiError, status_of
from storage.errors import StorageUnavailable

if TYPE_CHECKING:
    from bot.web.api.core import Api

log = get_logger("warroom.api")

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024           # bytes: the longest request (a resolve with its three texts) is under 20 KB
BODY_TIMEOUT = 10.0            # seconds for a body to arrive
RETRY_AFTER_BUSY = 5
_PATH_SHOWN = 200              # characters of a path a log line or an answer repeats
ALWAYS = (400, 401, 503)       # every endpoint that takes a key may answer these


@dataclass(frozen=True)
class Call:
    """One authenticated request, its fields checked: what a handler gets."""

    key: ApiKey
    actor: Actor
    path: dict[str, Any]
    query: dict[str, Any]
    body: dict[str, Any]


Handler = Callable[["Api", Call], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str                                  # below PREFIX, as aiohttp writes it: /incidents/{id}
    handler: Handler
    summary: str
    description: str
    tag: str
    response: str                              # the component schema of what a success answers
    status: int = 200
    path_fields: tuple[Field, ...] = ()
    query: tuple[Field, ...] = ()
    body: Body | None = None
    errors: tuple[int, ...] = ()               # refusals it may answer besides ALWAYS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @property
    def statuses(self) -> tuple[int, ...]:
        more = (408, 413, 415) if self.body is not None else ()
        return tuple(sorted({*ALWAYS, *self.errors, *more}))


class Refusals:
    """Answers and log lines for refused requests; what strangers can repeat at will is logged at a
    bounded rate (bot.log_throttle), and no line ever carries a key's secret or a request's body."""

    def __init__(self) -> None:
        self.throttled = Throttled(log)

    def answer(self, request: web.Request, began: float, status: int, payload: dict[str, Any], *,
               key: ApiKey | None, code: str, headers: dict[str, str] | None = None, close: bool = False,
               **fields: Any) -> web.Response:
        fields.update(method=request.method, path=request.path[:_PATH_SHOWN], status=status, code=code,
                      api_key=key.name if key else "-", remote=request.remote or "-",
                      ms=round((time.perf_counter() - began) * 1000, 1))
        if status >= 500:
            log.warning("api.request", **fields)
        elif status >= 400:
            self.throttled.info(f"{status}:{code}:{key.name if key else '-'}", "api.request", **fields)
        else:
            log.info("api.request", **fields)
        response = web.json_response(payload, status=status, headers=headers)
        if close:   # what is left of a body too large or too slow is not read
            response.force_close()
        return response


async def read_body(request: web.Request) -> bytes:
    """The body, at most MAX_BODY bytes within BODY_TIMEOUT, uncompressed and JSON."""
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ApiError(415, "body_encoded", given=encoding[:32], close=True)
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, "body_too_large", limit=MAX_BODY, close=True)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > MAX_BODY:
                    raise ApiError(413, "body_too_large", limit=MAX_BODY, close=True)
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(408, "body_slow", close=True) from None
    except (web.RequestPayloadError, ConnectionError) as exc:
        raise ApiError(400, "body_unreadable", what=type(exc).__name__, close=True) from None
    raw = b"".join(chunks)
    declared = request.headers.get("Content-Type")
    if raw.strip() and declared is not None and not _is_json(request.content_type):
        raise ApiError(415, "body_not_json_type", given=declared[:60])
    return raw


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def serve(api: "Api", endpoint: Endpoint) -> Callable[[web.Request], Any]:
    """The aiohttp handler of ``endpoint``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        began = time.perf_counter()
        key: ApiKey | None = None
        try:
            key = api.keyring.identify(request.headers.get("Authorization"))
            path = parse_fields(endpoint.path_fields, request.match_info, "the path", from_text=True)
            query = parse_query(endpoint.query, request.query, [name for name, _ in request.query.items()])
            body = endpoint.body.parse(await read_body(request)) if endpoint.body is not None else {}
            call = Call(key, api.actor(key.user), path, query, body)
            result = endpoint.handler(api, call)
        except ApiError as exc:
            return api.refusals.answer(request, began, exc.status, api.refusal(exc.code, exc.params, key),
                                       key=key, code=exc.code, headers=exc.headers, close=exc.close,
                                       reason=exc.reason)
        except UserError as exc:
            return api.refusals.answer(request, began, status_of(exc), api.refusal(exc.code, exc.params, key),
                                       key=key, code=exc.code)
        except StorageUnavailable as exc:
            return api.refusals.answer(request, began, 503, api.refusal("not_recorded", {}, key), key=key,
                                       code="not_recorded", headers={"Retry-After": str(RETRY_AFTER_BUSY)},
                                       error=str(exc)[:200])
        except Exception:
            reference = secrets.token_hex(4)
            log.error("api.crashed", exc_info=True, method=request.method, path=request.path[:_PATH_SHOWN],
                      api_key=key.name if key else "-", reference=reference)
            return web.json_response(api.refusal("crashed", {"reference": reference}, key), status=500)
        return api.refusals.answer(request, began, endpoint.status, {"ok": True, **result}, key=key, code="ok")

    handle.__name__ = endpoint.operation_id
    return handle


async def no_such_endpoint(api: "Api", request: web.Request) -> web.StreamResponse:
    """Anything under /api/ that no endpoint takes: 405 with Allow when the path exists for other
    methods, else 404; both say where the endpoints are described."""
    began = time.perf_counter()
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource.canonical.startswith(PREFIX) and "{tail" not in resource.canonical:
            match, methods = await resource.resolve(request)
            if match is None:
                allowed |= methods
    shown = request.path[:_PATH_SHOWN]
    if allowed:
        ordered = sorted(allowed)
        return api.refusals.answer(request, began, 405, api.refusal(
            "method_not_allowed", {"path": shown, "method": request.method[:20], "allowed": ordered}, None),
            key=None, code="method_not_allowed", headers={"Allow": ", ".join(ordered)})
    return api.refusals.answer(request, began, 404, api.refusal(
        "no_such_endpoint", {"path": shown, "method": request.method[:20]}, None), key=None, code="no_such_endpoint")
