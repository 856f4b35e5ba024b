"""The JSON API under /api/v1/ (issue 10): incidents, alerts and on-call for scripts and other tools,
with API keys from warroom.yml that each act as one person, described at /api/v1/openapi.json."""

from __future__ import annotations

import json

from aiohttp import web

from bot.web.api.core import Api
from bot.web.api.endpoint import PREFIX, no_such_endpoint, serve
from bot.web.api.openapi import DOCUMENT_PATH, build_document, every_endpoint
from bot.web.context import WebContext


def routes(ctx: WebContext) -> list[web.RouteDef]:
    api = Api(ctx)
    endpoints = every_endpoint(ctx.config)
    body = json.dumps(build_document(endpoints, ctx.public_url), indent=1).encode()

    async def openapi(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, content_type="application/json")

    async def elsewhere(request: web.Request) -> web.StreamResponse:
        return await no_such_endpoint(api, request)

    found = [web.get(DOCUMENT_PATH, openapi)]
    found += [web.route(e.method, PREFIX + e.path, serve(api, e)) for e in endpoints]
    found.append(web.route("*", "/api/{tail:.*}", elsewhere))   # last: what no endpoint above takes
    return found
