"""Monitoring webhooks in (``POST /alerts/{source}``) and a health check (``GET /healthz``).

An aiohttp app on the bot's own asyncio loop. A request is checked (source, key, size, JSON,
payload), then its events are stored by ``AlertService.receive`` in one SQLite transaction, and
only then answered: whatever got a 2xx is on disk, whatever did not can be sent again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import time
from typing import Any, Awaitable, Callable, Mapping

from aiohttp import web

from bot.alerts.payloads import PayloadError, parse
from bot.alerts.service import AlertService, FireResult
from bot.config import Config
from bot.logs import get_logger
from kernel.alerts import AlertSource
from storage.errors import StorageUnavailable

log = get_logger("warroom.http")

MAX_BODY = 1024 * 1024           # bytes; Alertmanager's largest groups are a few hundred kB
BODY_TIMEOUT = 10.0              # seconds to receive a body: a sender that trickles is cut off
RETRY_AFTER_BUSY = 5             # seconds, when the database is busy
SHUTDOWN_TIMEOUT = 5.0           # seconds stop() waits for requests in flight
_NAME_IN_ERROR = 64              # characters of an unknown source's name echoed back

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebhookServerError(Exception):
    """The webhook server cannot start; the message says why and what to change."""


class GroupCommit:
    """Requests that reach the store in the same turn of the event loop share one SQLite transaction
    (each in its own savepoint). A commit is the expensive part of storing an alert; under load this
    shares it, and every request still gets its reply only after its alerts are committed."""

    def __init__(self, alerts: AlertService) -> None:
        self.alerts = alerts
        self._waiting: list[tuple[AlertSource, list, asyncio.Future]] = []

    async def submit(self, source: AlertSource, events: list) -> list[FireResult]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._waiting.append((source, events, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._commit)  # after the other handlers that are ready this turn
        return await future

    def _commit(self) -> None:
        batch, self._waiting = self._waiting, []
        try:
            results = self.alerts.receive_many([(source, events) for source, events, _ in batch])
        except Exception as exc:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, _, future), result in zip(batch, results):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


class WebhookServer:
    def __init__(self, config: Config, alerts: AlertService, environ: Mapping[str, str] = os.environ) -> None:
        self._group = GroupCommit(alerts)
        self.config = config
        self.alerts = alerts
        self.environ = environ
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self.app = web.Application(client_max_size=MAX_BODY, middlewares=[_json_errors])
        self.app.router.add_post("/alerts/{source}", self._post_alerts)
        self.app.router.add_get("/healthz", self._healthz)

    # lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on ``config.http`` (port 0: any free port, then see ``.port``)."""
        host, port = self.config.http.host, self.config.http.port
        # access_log=None: our own line per request is enough, and must be the only one (no headers)
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise WebhookServerError(
                f"cannot listen for webhooks on {host}:{port}: {exc.strerror or exc}; "
                "change http.listen in warroom.yml or stop what uses that port") from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        sources = [s.name for s in self.config.alert_sources if s.type != "slack"]
        log.info("http.listening", host=host, port=self.port, sources=",".join(sources) or "-")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            log.info("http.stopped")

    # POST /alerts/{source} ---------------------------------------------------------------------
    async def _post_alerts(self, request: web.Request) -> web.Response:
        began = time.perf_counter()
        name = request.match_info["source"]
        source = self.config.alert_source(name)
        if source is None or source.type == "slack":
            shown = name[:_NAME_IN_ERROR]
            return _answer(request, began, 404, {"ok": False, "error": f"unknown alert source {shown!r}"},
                           source=shown)
        refusal = self._check_key(source, request.headers.get("Authorization"))
        if refusal is not None:
            return _answer(request, began, 401,
                           {"ok": False, "error": f"missing or wrong bearer key for alert source {source.name!r}"},
                           source=source.name, reason=refusal,
                           headers={"WWW-Authenticate": 'Bearer realm="warroom"'})
        too_large = {"ok": False, "error": f"the body is over {MAX_BODY} bytes; send fewer alerts per request"}
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _answer(request, began, 413, too_large, source=source.name)
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _answer(request, began, 413, too_large, source=source.name)
        except TimeoutError:
            return _answer(request, began, 408, {"ok": False, "error": "the body took too long to arrive"},
                           source=source.name)
        try:
            events = parse(source.type, _json(raw))
        except PayloadError as exc:
            return _answer(request, began, 400, {"ok": False, "error": exc.reason}, source=source.name)
        try:
            results = await self._group.submit(source, events)  # committed when it returns
        except StorageUnavailable as exc:  # locked, busy, disk full: nothing was stored, the sender retries
            return _answer(request, began, 503,
                           {"ok": False, "error": "warroom could not store it (database busy or unavailable); "
                                                  "send it again"},
                           source=source.name, count=len(events), error=str(exc),
                           headers={"Retry-After": str(RETRY_AFTER_BUSY)})
        return _answer(request, began, 202, _accepted(results, len(events)), source=source.name,
                       count=len(events), created=sum(r.created for r in results))

    def _check_key(self, source: AlertSource, header: str | None) -> str | None:
        """None when the request carries the source's key; else why not (for the log, never the key)."""
        expected = self.environ.get(source.key_env or "", "")
        if not expected:
            log.error("http.key_not_set", source=source.name, key_env=source.key_env or "-")
            return "key_not_set"
        scheme, _, given = (header or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return "missing"
        if not hmac.compare_digest(given.strip().encode("utf-8", "replace"), expected.encode("utf-8", "replace")):
            return "wrong"
        return None

    # GET /healthz ------------------------------------------------------------------------------
    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            body = {"ok": True, "open_alerts": self.alerts.store.count_open(),
                    "pending_effects": self.alerts.effects.store.pending_count()}
        except Exception as exc:  # any failure to answer is "unhealthy", which is what the probe asks
            log.warning("http.unhealthy", error=f"{type(exc).__name__}: {exc}")
            return web.json_response({"ok": False, "error": "the database does not answer"}, status=503)
        return web.json_response(body)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise PayloadError("the body is not JSON warroom can read: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise PayloadError(f"the body is not JSON: {exc}") from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _accepted(results: list[FireResult], events: int) -> dict[str, Any]:
    return {
        "ok": True,
        "alerts": [{"id": r.alert.id, "created": r.created, "status": str(r.alert.status)} for r in results],
        "ignored": events - len(results),   # "resolved" for something not open: late or repeated
    }


def _answer(request: web.Request, began: float, status: int, body: dict[str, Any], *, source: str,
            count: int = 0, headers: dict[str, str] | None = None, **fields: Any) -> web.Response:
    write = log.warning if status >= 500 else log.info
    write("http.alerts", source=source, status=status, count=count, remote=request.remote or "-",
          ms=round((time.perf_counter() - began) * 1000, 1), **fields)
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer is JSON, also aiohttp's own (no such path, wrong method) and a crash."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return web.json_response({"ok": False, "error": exc.reason.lower()}, status=exc.status,
                                 headers={k: v for k, v in exc.headers.items() if k in ("Allow",)})
    except Exception:
        log.error("http.failed", exc_info=True, path=request.path, method=request.method)
        return web.json_response({"ok": False, "error": "internal error; it is in warroom's log"}, status=500)
