"""HTTP side of the sandbox: /api/<method>, /respond/<id>, the /link/
WebSocket upgrade and the Sign in with Slack pages, on one aiohttp application.

A call goes: read params (query + form + JSON, like Slack) -> record it ->
injected latency -> token check -> injected faults -> strict tiers -> scopes ->
the method, under the state lock. Logical errors are HTTP 200 with ok=false.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from ..errors import SlackError
from ..faults import ratelimited
from ..oidc_http import OidcPages
from . import chat, conversations, dnd, files, misc, openid, views_api  # noqa: F401  (register methods)
from .base import METHODS, Ctx, Params

if TYPE_CHECKING:
    from ..core import Core

log = logging.getLogger("sandbox.webapi")


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string, then form body, then JSON body; later sources win."""
    params: dict[str, Any] = dict(request.query)
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params
    body = await request.read()
    if not body:
        return params
    if ctype == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            raise SlackError("invalid_json") from None
        if isinstance(data, dict):
            params.update(data)
    elif ctype == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    else:
        # Slack is lenient about content types; try form encoding.
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _bearer(request: web.Request, params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    token = params.get("token")
    return str(token) if token else None


def _basic(request: web.Request) -> tuple[str, str] | None:
    """``Authorization: Basic`` credentials, which openid.connect.token accepts."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, sep, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class WebApi:
    def __init__(self, core: "Core") -> None:
        self.core = core

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self.handle_api)
        app.router.add_post("/respond/{rid}", self.handle_respond)
        app.router.add_post("/upload/v1/{key}", self.handle_upload)
        app.router.add_get("/link/", self.core.hub.handle)
        app.router.add_get("/link", self.core.hub.handle)
        OidcPages(self.core).add_routes(app)
        return app

    async def handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        try:
            params = await read_params(request)
        except SlackError as err:
            return web.json_response(err.body(), status=200)
        token = _bearer(request, params)
        kind = self.core.token_kind(token)
        recorded = {k: v for k, v in params.items() if k not in ("token", "client_secret")}
        call = self.core.records.begin_call(name, recorded, kind)
        try:
            body = await self._run(name, params, token, kind, _basic(request))
            status, headers = 200, {}
        except SlackError as err:
            body, status, headers = err.body(), err.status, err.headers
            if status == 429:
                self.core.records.rate_limited += 1
        except Exception:   # a sandbox bug must look like a Slack outage, not hang the app
            log.exception("method %s crashed", name)
            body, status, headers = {"ok": False, "error": "internal_error"}, 500, {}
        call.finish(status, bool(body.get("ok")), body.get("error"))
        if kind == "bot":  # Slack tells every bot-token call which scopes the token has
            headers = {**headers, "X-OAuth-Scopes": ",".join(sorted(self.core.bot_scopes))}
        return web.json_response(body, status=status, headers=headers)

    async def _run(self, name: str, params: dict[str, Any], token: str | None,
                   kind: str | None, basic: tuple[str, str] | None) -> dict[str, Any]:
        core = self.core
        spec = METHODS.get(name)
        if spec is None:
            raise SlackError("unknown_method", req_method=name)
        delay = core.faults.delay_for(name)
        if delay > 0:
            await asyncio.sleep(delay)
        if spec.token != "none":
            if not token:
                raise SlackError("not_authed")
            if kind is None:
                raise SlackError("invalid_auth")
            if kind != spec.token:
                raise SlackError("not_allowed_token_type")
        fault = core.faults.http_fault(name)
        if fault is not None:
            raise fault
        retry_after = core.limiter.check(name, params)
        if retry_after is not None:
            raise ratelimited(retry_after)
        with core.lock:
            ctx = Ctx(core, Params(params), kind, token=token, basic=basic)
            ctx.need(*spec.scopes)
            result = spec.handler(ctx)
        return {"ok": True, **result}

    async def handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal gave: raw bytes, or a multipart form with the file
        (Slack takes both)."""
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next((v for v in form.values() if isinstance(v, web.FileField)), None)
            content = part.file.read() if part is not None else b""
        else:
            content = await request.read()
        call = self.core.records.begin_call("upload", {"bytes": len(content)}, None)
        status, text = self.core.files.receive(request.match_info["key"], content)
        call.finish(status, status == 200, None if status == 200 else text)
        return web.Response(status=status, text=text)

    async def handle_respond(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
            try:
                body = json.loads(form.get("payload", "{}"))
            except ValueError:
                body = None
        call = self.core.records.begin_call("response_url", body or {}, None)
        if not isinstance(body, dict):
            status, text = 400, "invalid_payload"
        else:
            delay = self.core.faults.delay_for("response_url")
            if delay > 0:
                await asyncio.sleep(delay)
            with self.core.lock:
                status, text = self.core.responses.handle(rid, body)
        call.finish(status, status == 200, None if status == 200 else text)
        return web.Response(status=status, text=text)
