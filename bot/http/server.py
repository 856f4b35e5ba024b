"""Monitoring webhooks in (``POST /alerts/{source}``) and a health check (``GET /healthz``).

An aiohttp app on the bot's own asyncio loop, the one that also answers Slack. A request is checked
(key, the source's rate, size, JSON, payload), then its events are stored a slice at a time (see
:mod:`bot.http.store_queue`), and only then answered: whatever got a 2xx is on disk, whatever did
not can be sent again. Connections are bounded by :mod:`bot.http.guard`, numbers by
:mod:`bot.http.limits`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import secrets
import time
from typing import Any, Awaitable, Callable, Mapping

from aiohttp import web

from bot.alerts.heartbeats import Heartbeats
from bot.alerts.intake import Delivery, SlicedIntake
from bot.alerts.payloads import PayloadError, TooManyEvents
from bot.alerts.service import AlertService
from bot.config import Config
from bot.http.guard import GuardedSite
from bot.http.health import WriteHealth
from bot.http.limits import (
    BACKLOG,
    LINGER_TIMEOUT,
    MAX_BODY,
    RETRY_AFTER_BUSY,
    RETRY_AFTER_FULL,
    SHUTDOWN_TIMEOUT,
    ConnectionLimits,
    SourceRates,
    TokenBucket,
    connection_limit,
)
from bot.http.store_queue import StoreQueue, parse_in_slices
from bot.log_throttle import Throttled
from bot.logs import get_logger
from bot.process_limits import open_files_limit
from kernel.alerts import AlertSource
from storage.errors import StorageUnavailable
from storage.health import probe_write

log = get_logger("warroom.http")

# the webhook intake (/alerts/<source>, any method), probes, the API and scrapers; the web's alerts page
# is /alerts, its buttons /alert-actions/
MACHINE_PATHS = ("/alerts/", "/healthz", "/api/", "/metrics", "/status.json", "/heartbeat/", "/twilio/")
_NAME_IN_ERROR = 64              # characters of a source's name echoed back

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebhookServerError(Exception):
    """The webhook server cannot start; the message says why and what to change."""


class _Refused(Exception):
    """A request answered before its events are stored (``status`` and ``error`` are the reply)."""

    def __init__(self, status: int, error: str, *, headers: dict[str, str] | None = None,
                 throttle: str | None = None, unread: bool = False) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers
        self.throttle = throttle             # log such replies at a bounded rate under this key
        self.unread = unread                 # close the connection without draining what is left of the body


class WebhookServer:
    def __init__(self, config: Config, alerts: AlertService, environ: Mapping[str, str] = os.environ,
                 connections: ConnectionLimits = ConnectionLimits(),
                 slack_connected: Callable[[], Awaitable[bool]] | None = None,
                 heartbeats: Heartbeats | None = None) -> None:
        """``slack_connected``: whether this replica's Socket Mode link is up (None: not asked, for an
        intake run without Slack)."""
        self.config = config
        self.slack_connected = slack_connected
        self.connections = connections
        self.alerts = alerts
        self.heartbeats = heartbeats
        self.environ = environ
        self.health = WriteHealth(lambda: probe_write(alerts.store.db, time.time()))
        self.queue = StoreQueue(SlicedIntake(alerts), self.health.record)
        self.rates = SourceRates()
        self.throttled = Throttled(log)  # for what a stranger or a runaway sender can repeat at will
        self._decoy = secrets.token_bytes(32)  # what a key for no source is compared with
        self.port: int | None = None
        self.connection_limit = 0
        self._runner: web.AppRunner | None = None
        self.app = web.Application(client_max_size=MAX_BODY, middlewares=[_json_errors])
        self.app.router.add_post("/alerts/{source}", self._post_alerts)
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_post("/heartbeat/{source}", self._heartbeat)
        self.app.router.add_get("/heartbeat/{source}", self._heartbeat)

    # lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on ``config.http`` (port 0: any free port, then see ``.port``)."""
        host, port = self.config.http.host, self.config.http.port
        # access_log=None: our own line per request is enough, and must be the only one (no headers)
        limits = self.connections
        # auto_decompress=False: aiohttp would unpack a gzip body on this loop as it arrives, before any
        # key is checked (1 MB of gzip is 1 GB of JSON); such bodies are refused unread instead
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT,
                               keepalive_timeout=limits.keepalive_timeout, lingering_time=LINGER_TIMEOUT,
                               auto_decompress=False)
        await runner.setup()
        self.connection_limit = limits.max_connections or connection_limit(open_files_limit())
        try:
            await GuardedSite(runner, host, port, limit=self.connection_limit, head_timeout=limits.head_timeout,
                              backlog=BACKLOG, log=self.throttled).start()
        except OSError as exc:
            await runner.cleanup()
            raise WebhookServerError(
                f"cannot listen for webhooks on {host}:{port}: {exc.strerror or exc}; "
                "change http.listen in warroom.yml or stop what uses that port") from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        sources = [s.name for s in self.config.alert_sources if s.type != "slack"]
        log.info("http.listening", host=host, port=self.port, sources=",".join(sources) or "-",
                 max_connections=self.connection_limit)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.throttled.flush_all()
            log.info("http.stopped")

    # POST /alerts/{source} ---------------------------------------------------------------------
    async def _post_alerts(self, request: web.Request) -> web.Response:
        began = time.perf_counter()
        name = request.match_info["source"]
        try:
            _identity_only(request)
        except _Refused as refused:
            return await self._refuse_unread(request, began, refused, source=name[:_NAME_IN_ERROR])
        source = self.config.alert_source(name)
        if source is not None and source.type == "slack":
            source = None
        refusal = self._check_key(source, request.headers.get("Authorization"))
        if source is None or refusal is not None:
            return self._refuse_key(request, began, name[:_NAME_IN_ERROR], refusal or "unknown_source")
        if source.type == "heartbeat":
            return self._answer(request, began, 400, {"ok": False, "error": (
                f"{source.name!r} is a heartbeat source: ping /heartbeat/{source.name} instead")}, source=source.name)
        try:
            bucket = self._admit(source)
            events = await parse_in_slices(source.type, parse_json(await self._body(request)))
        except _Refused as refused:
            if refused.unread:
                return await self._refuse_unread(request, began, refused, source=source.name)
            return self._answer(request, began, refused.status, {"ok": False, "error": refused.error},
                                source=source.name, headers=refused.headers, throttle=refused.throttle)
        except TooManyEvents as exc:
            return self._answer(request, began, 413, {"ok": False, "error": exc.reason}, source=source.name)
        except PayloadError as exc:
            return self._answer(request, began, 400, {"ok": False, "error": exc.reason}, source=source.name)
        bucket.charge(len(events) - 1)  # _admit() took one
        delivery = Delivery(source, events)
        try:
            await self.queue.submit(delivery)  # committed when it returns
        except StorageUnavailable as exc:  # locked, busy, disk full: the sender retries
            return self._answer(
                request, began, 503, {"ok": False, "error": "warroom could not store it (database busy or "
                                                            "unavailable); send it again"},
                source=source.name, count=len(events), error=str(exc), headers={"Retry-After": str(RETRY_AFTER_BUSY)})
        self.alerts.stored(source.name, len(events) - delivery.refused)
        if delivery.refused:
            return self._answer(request, began, 507, _source_full(source, delivery), source=source.name,
                                count=len(events), refused=delivery.refused,
                                headers={"Retry-After": str(RETRY_AFTER_FULL)})
        return self._answer(request, began, 202, _accepted(delivery), source=source.name,
                            count=len(events), created=sum(r.created for r in delivery.results))

    def _admit(self, source: AlertSource) -> TokenBucket:
        """The source's bucket, with one event taken; refused (429) before the body is read when empty."""
        bucket = self.rates.bucket(source)
        wait = bucket.admit()
        if wait:
            limits = source.limits
            raise _Refused(429, f"alert source {source.name!r} is over its limit of {limits.alerts_per_second} "
                                f"alerts a second (burst {limits.burst}); send it again in {wait} s",
                           headers={"Retry-After": str(wait)}, throttle=f"429:{source.name}")
        return bucket

    async def _body(self, request: web.Request) -> bytes:
        too_large = _Refused(413, f"the body is over {MAX_BODY} bytes; send fewer alerts per request")
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise too_large
        try:
            async with asyncio.timeout(self.connections.body_timeout):
                return await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise too_large from None
        except TimeoutError:
            raise _Refused(408, "the body took too long to arrive") from None
        except (web.RequestPayloadError, ConnectionError) as exc:  # a broken chunked body, one cut short
            raise _Refused(400, f"the body could not be read ({_reason(exc)}); send it again, whole",
                           throttle="400:body", unread=True) from None

    def _check_key(self, source: AlertSource | None, header: str | None) -> str | None:
        """None when the request carries the source's key; else why not (for the log, never the key).
        A source that does not exist costs the same comparison, so answers cannot tell which exist."""
        scheme, _, given = (header or "").strip().partition(" ")
        given_bytes = given.strip().encode("utf-8", "replace")
        if source is None:
            hmac.compare_digest(given_bytes, self._decoy)
            return "unknown_source"
        expected = self.environ.get(source.key_env or "", "")
        if not expected:
            self.throttled.error(f"key_not_set:{source.name}", "http.key_not_set", source=source.name,
                                 key_env=source.key_env or "-")
            return "key_not_set"
        if scheme.lower() != "bearer" or not given_bytes:
            return "missing"
        if not hmac.compare_digest(given_bytes, expected.encode("utf-8", "replace")):
            return "wrong"
        return None

    def _refuse_key(self, request: web.Request, began: float, shown: str, reason: str) -> web.Response:
        """One answer for a wrong key, no key and no such source, so source names cannot be probed; the
        connection is closed, so each guess costs a new one (and connections are capped)."""
        response = self._answer(
            request, began, 401, {"ok": False, "error": f"missing or wrong bearer key for alert source {shown!r}"},
            source=shown, reason=reason, headers={"WWW-Authenticate": 'Bearer realm="warroom"'},
            throttle=f"401:{reason}:{shown if reason != 'unknown_source' else '*'}")
        response.force_close()
        return response

    async def _refuse_unread(self, request: web.Request, began: float, refused: _Refused, *,
                             source: str) -> web.Response:
        """The refusal written now, then the connection closed: what is left of the body is never read,
        drained or decoded (aiohttp would drain it after the handler)."""
        response = self._answer(request, began, refused.status, {"ok": False, "error": refused.error},
                                source=source, headers=refused.headers, throttle=refused.throttle)
        response.force_close()
        try:
            await response.prepare(request)
            await response.write_eof()
        except ConnectionError:
            pass  # the sender is gone already: nobody to tell
        request.protocol.force_close()
        return response

    def _answer(self, request: web.Request, began: float, status: int, body: dict[str, Any], *, source: str,
                count: int = 0, headers: dict[str, str] | None = None, throttle: str | None = None,
                **fields: Any) -> web.Response:
        """The reply, and its log line; ``throttle``: a key under which such lines are rate limited."""
        fields.update(source=source, status=status, count=count, remote=request.remote or "-",
                      ms=round((time.perf_counter() - began) * 1000, 1))
        if throttle is not None:
            self.throttled.info(throttle, "http.alerts", **fields)
        else:
            (log.warning if status >= 500 else log.info)("http.alerts", **fields)
        return web.json_response(body, status=status, headers=headers)

    # POST|GET /heartbeat/{source} ------------------------------------------------------------
    async def _heartbeat(self, request: web.Request) -> web.Response:
        """A monitor says it is alive (same key checks as /alerts). The body is not needed; an
        Alertmanager notification (its Watchdog routed here) counts only while something fires, so
        the "resolved" Alertmanager sends when Watchdog stops is not taken for a sign of life."""
        began = time.perf_counter()
        name = request.match_info["source"]
        source = self.config.alert_source(name)
        if source is not None and source.type != "heartbeat":
            source = None
        refusal = self._check_key(source, request.headers.get("Authorization"))
        if source is None or refusal is not None or self.heartbeats is None:
            return self._refuse_key(request, began, name[:_NAME_IN_ERROR], refusal or "unknown_source")
        try:
            self._admit(source)
            body = await self._body(request) if request.method == "POST" else b""
        except _Refused as refused:
            return self._answer(request, began, refused.status, {"ok": False, "error": refused.error},
                                source=source.name, headers=refused.headers, throttle=refused.throttle)
        if not _alive(body):
            return self._answer(request, began, 202, {"ok": True, "ping": False,
                                                      "ignored": "nothing is firing in this notification"},
                                source=source.name, throttle=f"heartbeat:{source.name}")
        try:
            resolved = self.heartbeats.ping(source)
        except StorageUnavailable as exc:
            return self._answer(request, began, 503, {"ok": False, "error": "warroom could not store the ping; "
                                                      "send it again"}, source=source.name, error=str(exc),
                                headers={"Retry-After": str(RETRY_AFTER_BUSY)})
        return self._answer(request, began, 202, {"ok": True, "ping": True, "resolved": resolved},
                            source=source.name, throttle=None if resolved else f"heartbeat:{source.name}")

    # GET /healthz ------------------------------------------------------------------------------
    async def _healthz(self, request: web.Request) -> web.Response:
        """This replica's health, for a load balancer or systemd: it records (the database takes
        writes) and it hears Slack (its Socket Mode link is up)."""
        problems = []
        if not self.health.writable():
            problems.append("the database cannot take writes")
        if self.slack_connected is not None and not await self.slack_connected():
            problems.append("not connected to Slack (Socket Mode)")
        if not problems:
            return web.json_response({"ok": True})
        return web.json_response({"ok": False, "error": "; ".join(problems)}, status=503)


def _identity_only(request: web.Request) -> None:
    """Bodies come as they are: a compressed one is refused before a byte of it is read."""
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise _Refused(415, f"warroom does not take bodies with Content-Encoding {encoding[:32]!r}; send the "
                            "JSON uncompressed (no Content-Encoding header)",
                       headers={"Accept-Encoding": "identity"}, throttle="415", unread=True)


def _alive(body: bytes) -> bool:
    """Whether a ping's body says the monitor is alive: anything but an Alertmanager notification in
    which nothing fires."""
    try:
        data = json.loads(body) if body.strip() else None
    except ValueError:
        return True
    if isinstance(data, dict) and isinstance(data.get("alerts"), list) and data["alerts"]:
        return any(isinstance(a, dict) and a.get("status") == "firing" for a in data["alerts"])
    return True


def _reason(exc: BaseException) -> str:
    """The last line of an aiohttp error ("400, message:\n  Not enough data to satisfy ...")."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[-1].strip()


def parse_json(raw: bytes) -> Any:
    """A request's JSON body (webhooks, the API), or a PayloadError saying why it is not JSON."""
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise PayloadError("the body is not JSON warroom can read: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise PayloadError(f"the body is not JSON: {exc}") from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _accepted(delivery: Delivery) -> dict[str, Any]:
    return {
        "ok": True,
        "alerts": [{"id": r.alert.id, "created": r.created, "status": str(r.alert.status)} for r in delivery.results],
        "ignored": delivery.ignored,   # "resolved" for something not open: late or repeated
    }


def _source_full(source: AlertSource, delivery: Delivery) -> dict[str, Any]:
    return dict(_accepted(delivery), ok=False, refused=delivery.refused, error=(
        f"alert source {source.name!r} has {delivery.refused_limit} open alerts, the most warroom keeps open "
        f"for one source: {delivery.refused} new alert(s) were not created, the other events were stored. "
        "Resolve some and send it again"))


def is_machine_request(request: web.Request) -> bool:
    """A monitor, a script or a scraper, answered in JSON; not a person at a browser."""
    return request.path.startswith(MACHINE_PATHS)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer to a machine is JSON, also aiohttp's own (no such path, wrong method) and a crash;
    pages for people (bot.web) answer their errors as pages."""
    if not is_machine_request(request):
        return await handler(request)
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
