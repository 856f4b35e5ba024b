"""The public status page, no sign-in: ``/status`` (HTML), ``/status.json`` and ``/status/feed.atom``.

Every replica keeps the rendered bodies in memory, keyed on a cheap "last change" value from the
database (StatusPage.change_key) and the UTC day (the 90-day bars move at midnight), so a request is
one small query and a dict lookup. The bodies depend on nothing about the visitor (no session, no
zone: times are UTC), which is what makes them cacheable here and in any proxy (strong ETag, short
max-age).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from aiohttp import web

from bot.incidents.status_board import Board, IncidentView
from bot.web.context import WebContext
from bot.web.pages import context, render

CACHE_CONTROL = "public, max-age=15"
HTML = "text/html; charset=utf-8"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"


def routes(ctx: WebContext) -> list[web.RouteDef]:
    ctx.extras["status_cache"] = StatusCache(ctx)
    return [
        web.get("/status", status_html),
        web.get("/status.json", status_json),
        web.get("/status/feed.atom", status_feed),
    ]


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    content_type: str


class StatusCache:
    """The rendered page, feed and JSON for the current change key; one entry each, replaced on change."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self._key: tuple | None = None
        self._board: Board | None = None
        self._bodies: dict[str, Rendered] = {}

    def get(self, kind: str) -> Rendered:
        # no await in here: one request's check-and-fill cannot interleave with another's
        page = self.ctx.domain.status_page
        now = self.ctx.clock.time()
        key = (page.change_key(), datetime.fromtimestamp(now, tz=timezone.utc).date())
        if key != self._key:
            self._key, self._board, self._bodies = key, None, {}
        found = self._bodies.get(kind)
        if found is None:
            if self._board is None:
                self._board = page.board(now)
            body, content_type = RENDERERS[kind](self.ctx, self._board)
            found = Rendered(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', content_type)
            self._bodies[kind] = found
        return found


async def status_html(request: web.Request) -> web.StreamResponse:
    return _answer(request, "html")


async def status_json(request: web.Request) -> web.StreamResponse:
    return _answer(request, "json")


async def status_feed(request: web.Request) -> web.StreamResponse:
    return _answer(request, "atom")


def _answer(request: web.Request, kind: str) -> web.StreamResponse:
    ctx = context(request)
    if not ctx.config.status_page.enabled:
        if kind == "json":
            return web.json_response({"error": "no_status_page"}, status=404)
        return render(request, "status_off.j2", status=404)
    rendered = ctx.extras["status_cache"].get(kind)
    headers = {"ETag": rendered.etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("If-None-Match"), rendered.etag):
        return web.Response(status=304, headers=headers)
    return web.Response(body=rendered.body, headers={**headers, "Content-Type": rendered.content_type})


def _matches(header: str | None, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x"; * matches anything."""
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


# rendering ----------------------------------------------------------------------------------------

def iso(ts: float | None) -> str:
    return datetime.fromtimestamp(ts or 0, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _words(ctx: WebContext) -> Any:
    """templates/web/status_words.j2: the names of states and the standard words of an empty update."""
    return ctx.templates.get_template("status_words.j2").module


def _html(ctx: WebContext, board: Board) -> tuple[bytes, str]:
    html = ctx.templates.get_template("status.j2").render(board=board, iso=iso, base=ctx.public_url)
    return html.encode("utf-8"), HTML


def _atom(ctx: WebContext, board: Board) -> tuple[bytes, str]:
    xml = ctx.templates.get_template("status_feed.atom.j2").render(board=board, iso=iso, base=ctx.public_url)
    return xml.encode("utf-8"), ATOM


def _json(ctx: WebContext, board: Board) -> tuple[bytes, str]:
    words = _words(ctx)

    def incident(view: IncidentView) -> dict[str, Any]:
        return {"id": view.id, "url": f"{ctx.public_url}/status#incident-{view.id}", "status": view.status,
                "impact": str(view.impact), "components": list(view.components),
                "started_at": iso(view.started_at), "resolved_at": iso(view.resolved_at) if view.resolved_at else None,
                "updates": [{"id": u.id, "at": iso(u.at), "status": u.status,
                             "text": u.text or str(words.standard_text(u.status).unescape())}
                            for u in view.updates]}

    document = {
        "page": {"title": board.title, "url": f"{ctx.public_url}/status",
                 "updated_at": iso(board.updated_at) if board.updated_at else None},
        "status": {"state": str(board.state)},
        "components": [{"name": c.name, "description": c.description, "state": str(c.state),
                        "history": [{"date": d.day.isoformat(), "state": str(d.state)} for d in c.days]}
                       for c in board.components],
        "incidents": [incident(v) for v in board.open],
        "history": [incident(v) for v in board.history],
    }
    return json.dumps(document, separators=(",", ":")).encode("utf-8"), JSON


RENDERERS: dict[str, Callable[[WebContext, Board], tuple[bytes, str]]] = {"html": _html, "json": _json, "atom": _atom}
