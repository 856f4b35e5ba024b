"""Alerts on the web: open and recent alerts, and Acknowledge and Resolve through the same alert
operations and rules as the buttons in Slack (who may answer: ``who_may_answer_alerts``).

Silences too: a source silenced for a while from here is the same silence as ``/il-alert silence``
(recorded and said in the source's channel; nobody paged until it ends), with the same rules.

The buttons post to ``/alert-actions/...``: every POST under ``/alerts/`` is a monitoring webhook
(a machine, answered in JSON, with no session or CSRF token), so a person's form never goes there.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot.durations import DurationError, DurationTooLong, parse_duration
from bot.errors import UserError
from bot.web.context import WebContext
from bot.web.pages import context, render, row_number
from bot.web.problems import problem_html, status_of
from bot.web.session import require_viewer

PAGE_SIZE = 50
SHOWS = ("open", "all")
ACTIONS = {"acknowledge": "acknowledged", "resolve": "resolved"}
SILENCING = ("silenced", "unsilenced")


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [
        web.get("/alerts", alerts_page),
        web.post(r"/alert-actions/{number:\d{1,18}}/{action:acknowledge|resolve}", answer_alert),
        web.post("/alert-actions/silence", silence_source),
        web.post("/alert-actions/unsilence", unsilence_source),
    ]


async def alerts_page(request: web.Request) -> web.StreamResponse:
    require_viewer(request)
    show = _show(request.query.get("show"))
    before = request.query.get("before", "")
    done = request.query.get("done")
    number = request.query.get("alert", "")
    source = request.query.get("source", "")
    if done in SILENCING and _known_source(request, source):
        return _page(request, show, done=(done, source))
    alert = row_number(number)
    return _page(request, show, before=row_number(before),
                 done=(done, alert) if done in ACTIONS.values() and alert is not None else None)


async def answer_alert(request: web.Request) -> web.StreamResponse:
    found = require_viewer(request)
    ctx = context(request)
    form = await request.post()
    show = _show(str(form.get("show", "")))
    number, action = int(request.match_info["number"]), request.match_info["action"]
    by = ctx.actor(found.user)
    try:
        if action == "acknowledge":
            ctx.domain.alerts.accept(number, by)
        else:
            ctx.domain.alerts.resolve(number, by)
    except UserError as problem:
        return _page(request, show, problem=problem)
    raise web.HTTPSeeOther(f"/alerts?show={show}&done={ACTIONS[action]}&alert={number}")


async def silence_source(request: web.Request) -> web.StreamResponse:
    found = require_viewer(request)
    ctx = context(request)
    form = await request.post()
    source, given = str(form.get("source", "")), str(form.get("duration", "")).strip()
    try:
        try:
            length = parse_duration(given)
        except DurationTooLong as exc:
            length = exc.at_least   # the domain refuses it in its own words (at most 7 days)
        except DurationError:
            length = None
        if length is None or length.total_seconds() <= 0:
            raise UserError("web_bad_silence_length", given=given[:40])
        silence = ctx.domain.silences.silence(source, length, ctx.actor(found.user))
    except UserError as problem:
        return _page(request, "open", problem=problem)
    raise web.HTTPSeeOther(f"/alerts?done=silenced&source={quote(silence.source)}")


async def unsilence_source(request: web.Request) -> web.StreamResponse:
    found = require_viewer(request)
    ctx = context(request)
    source = str((await request.post()).get("source", ""))
    try:
        ctx.domain.silences.unsilence(source, ctx.actor(found.user))
    except UserError as problem:
        return _page(request, "open", problem=problem)
    raise web.HTTPSeeOther(f"/alerts?done=unsilenced&source={quote(source)}")


def _known_source(request: web.Request, name: str) -> bool:
    return context(request).config.alert_source(name) is not None


def _show(given: str | None) -> str:
    return given if given in SHOWS else "open"


def _page(request: web.Request, show: str, *, before: int | None = None, done: tuple[str, int | str] | None = None,
          problem: UserError | None = None) -> web.Response:
    ctx = context(request)
    found = ctx.domain.alert_store.find(state="open" if show == "open" else "all", before=before, limit=PAGE_SIZE + 1)
    alerts, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    silences, windows = ctx.domain.silences.in_force()
    return render(request, "alerts.j2", status=status_of(problem) if problem else 200, alerts=alerts, show=show,
                  silences=silences, windows=windows, sources=[s.name for s in ctx.config.alert_sources],
                  older=alerts[-1].id if more else None, done=done, name=ctx.name_of,
                  problem=problem_html(ctx, problem) if problem else None)
