"""Puts the web side on the server that takes the webhooks: one listener per replica serves both.

Each feature is a module with ``routes(ctx) -> list[web.RouteDef]``; FEATURES says which exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from bot.http.server import is_machine_request
from bot.logs import get_logger
from bot.web import (ack, alerts, api, calendar_feed, home, incident_forms, incidents, insights, metrics, oncall,
                     postmortems, signin, status, twilio, webhooks)
from bot.web.context import WebContext
from bot.web.pages import CONTEXT, render
from bot.web.session import Sessions, session_middleware

log = get_logger("warroom.web")
STATIC = Path(__file__).resolve().parent / "static"
FEATURES = (home, signin, incidents, incident_forms, oncall, alerts, calendar_feed, status, insights, metrics, api,
            ack, twilio, webhooks, postmortems)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def mount_web(app: web.Application, ctx: WebContext) -> None:
    """Add the web side's routes and middlewares to ``app`` (before it starts)."""
    app[CONTEXT] = ctx
    app.middlewares.append(_html_errors)
    app.middlewares.append(session_middleware(Sessions(ctx)))
    app.router.add_static("/static/", STATIC, append_version=False)
    for feature in FEATURES:
        app.router.add_routes(feature.routes(ctx))


@web.middleware
async def _html_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A person sees a page saying what went wrong; machines get JSON from the server's middleware."""
    if is_machine_request(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return render(request, "error.j2", status=exc.status, title=f"{exc.status} {exc.reason}",
                      message=exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else _plain(exc.status))
    except Exception:
        log.error("web.failed", exc_info=True, path=request.path, method=request.method)
        return render(request, "error.j2", status=500, title="Something went wrong",
                      message="warroom could not show this page; what happened is in its log. Try again.")


def _plain(status: int) -> str:
    return {404: "There is nothing here. Check the address, or go back to the incidents.",
            405: "This address does not take that kind of request."}.get(status, "That did not work.")
