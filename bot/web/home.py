"""``/``: the incidents for a signed-in person, the sign-in page for anyone else."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import WebContext
from bot.web.session import viewer


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [web.get("/", home)]


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/incidents" if viewer(request) else "/signin")
