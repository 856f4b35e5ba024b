"""``/incidents/<n>/postmortem``: the postmortem of record, to read, download (.md) and edit; when a
newer draft was kept aside because of a person's edits, the page offers to replace or keep them.
Same visibility as the incident (``visible_incident``); changes go through the domain (``Postmortems``)
as the signed-in person, CSRF checked by the session middleware first."""

from __future__ import annotations

from aiohttp import web

from bot.errors import UserError
from bot.web.context import WebContext
from bot.web.incident_forms import as_responder
from bot.web.incidents import error_html, visible_incident
from bot.web.pages import context, render, row_number

PATH = r"/incidents/{number:\d{1,9}}/postmortem"


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [web.get(PATH, page), web.get(PATH + ".md", download), web.post(PATH, save),
            web.post(PATH + "/replace", choose("replace")), web.post(PATH + "/keep", choose("keep"))]


def _show(request: web.Request, incident, actor, *, status: int = 200, error=None, typed: str | None = None):
    ctx = context(request)
    postmortems = ctx.domain.postmortems
    found = postmortems.get(incident)
    return render(request, "postmortem.j2", status=status, incident=incident, postmortem=found,
                  versions=postmortems.versions(incident), error=error,
                  body=typed if typed is not None else (found.current.body if found and found.current else ""))


async def page(request: web.Request) -> web.StreamResponse:
    _, actor, incident = visible_incident(request)
    return _show(request, incident, actor)


async def download(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    _, _, incident = visible_incident(request)
    found = ctx.domain.postmortems.get(incident)
    if found is None or found.current is None:
        raise web.HTTPNotFound(text=str(error_html(ctx, UserError("no_postmortem", incident=incident)).striptags()))
    return web.Response(text=found.current.body, content_type="text/markdown", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="postmortem-incident-{incident.id}.md"'})


async def save(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    _, actor, incident = visible_incident(request)
    form = await request.post()
    body = str(form.get("body", ""))
    base = str(form.get("base", ""))
    try:
        ctx.domain.postmortems.edit(incident, as_responder(ctx, actor, incident), body,
                                    base=row_number(base))
    except UserError as exc:
        status = 403 if exc.code == "not_in_channel" else 409 if exc.code == "postmortem_changed" else 400
        return _show(request, incident, actor, status=status, error=error_html(ctx, exc), typed=body)
    raise web.HTTPSeeOther(f"/incidents/{incident.id}/postmortem")


def choose(what: str):
    async def handle(request: web.Request) -> web.StreamResponse:
        ctx = context(request)
        _, actor, incident = visible_incident(request)
        acting = as_responder(ctx, actor, incident)
        try:
            getattr(ctx.domain.postmortems, what)(incident, acting)
        except UserError as exc:
            return _show(request, incident, actor, status=403, error=error_html(ctx, exc))
        raise web.HTTPSeeOther(f"/incidents/{incident.id}/postmortem")
    handle.__name__ = f"postmortem_{what}"
    return handle
