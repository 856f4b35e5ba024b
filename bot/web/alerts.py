"""Alerts on the web: open and recent alerts, and Acknowledge and Resolve through the same alert
operations and rules as the buttons in Slack (who may answer: ``who_may_answer_alerts``).

The buttons post to ``/alert-actions/...``: every POST under ``/alerts/`` is a monitoring webhook
(a machine, answered in JSON, with no session or CSRF token), so a person's form never goes there.
"""

from __future__ import annotations

from aiohttp import web

from bot.errors import UserError
from bot.web.context import WebContext
from bot.web.pages import context, render
from bot.web.problems import problem_html, status_of
from bot.web.session import require_viewer

PAGE_SIZE = 50
SHOWS = ("open", "all")
ACTIONS = {"acknowledge": "acknowledged", "resolve": "resolved"}


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [
        web.get("/alerts", alerts_page),
        web.post(r"/alert-actions/{number:\d+}/{action:acknowledge|resolve}", answer_alert),
    ]


async def alerts_page(request: web.Request) -> web.StreamResponse:
    require_viewer(request)
    show = _show(request.query.get("show"))
    before = request.query.get("before", "")
    done = request.query.get("done")
    number = request.query.get("alert", "")
    return _page(request, show, before=int(before) if before.isdigit() else None,
                 done=(done, int(number)) if done in ACTIONS.values() and number.isdigit() else None)


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


def _show(given: str | None) -> str:
    return given if given in SHOWS else "open"


def _page(request: web.Request, show: str, *, before: int | None = None, done: tuple[str, int] | None = None,
          problem: UserError | None = None) -> web.Response:
    ctx = context(request)
    found = ctx.domain.alert_store.find(state="open" if show == "open" else "all", before=before, limit=PAGE_SIZE + 1)
    alerts, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    return render(request, "alerts.j2", status=status_of(problem) if problem else 200, alerts=alerts, show=show,
                  older=alerts[-1].id if more else None, done=done, name=ctx.name_of,
                  problem=problem_html(ctx, problem) if problem else None)
