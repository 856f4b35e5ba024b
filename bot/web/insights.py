"""``/insights``: MTTA and MTTR by severity and month, incidents per week, alerts per source and pages
per person, as SVG charts with their tables, and each as a CSV download (``/insights/<chart>.csv``).

Signed in only. A private incident counts only for those who may see it (its people and incident
managers); its pages are left out of the on-call load for everyone else. bot/insights.py says what
MTTA and MTTR are.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.insights import DateRange, Insights, RangeError, Report, parse_range
from bot.web import charts
from bot.web.context import WebContext
from bot.web.pages import context, render
from bot.web.session import require_viewer
from storage.insights import InsightsStore

INSIGHTS = "insights"
CSV_TYPE = "text/csv; charset=utf-8"


def routes(ctx: WebContext) -> list[web.RouteDef]:
    ctx.extras[INSIGHTS] = Insights(InsightsStore(ctx.db), ctx.config)
    ctx.templates.filters["duration"] = duration
    return [web.get("/insights", page), web.get("/insights/{chart}.csv", download)]


async def page(request: web.Request) -> web.StreamResponse:
    viewer = require_viewer(request)
    ctx = context(request)
    zone = ctx.timezone_of(viewer.user)
    given = {"from": request.query.get("from", ""), "to": request.query.get("to", "")}
    try:
        span = _range(request, zone)
    except RangeError as exc:
        return render(request, "insights.j2", status=400, error=exc, given=given, report=None, figures={},
                      query="")
    actor = ctx.actor(viewer.user)
    report = ctx.extras[INSIGHTS].report(actor, span)
    return render(request, "insights.j2", error=None, given={"from": span.first.isoformat(), "to": span.last.isoformat()},
                  report=report, figures=_figures(report, ctx.name_of), query=_query(span),
                  names={p.user: ctx.name_of(p.user) for p in report.pages}, viewer_sees_all=actor.is_manager)


async def download(request: web.Request) -> web.StreamResponse:
    viewer = require_viewer(request)
    ctx = context(request)
    said = ctx.templates.get_template("insights_said.j2").module
    maker = CSV.get(request.match_info["chart"])
    if maker is None:
        raise web.HTTPNotFound(text=_plain(said.no_chart(request.match_info["chart"][:40], list(CSV))))
    try:
        span = _range(request, ctx.timezone_of(viewer.user))
    except RangeError as exc:
        raise web.HTTPBadRequest(text=_plain(said.range_error(exc))) from None
    header, lines = maker(ctx.extras[INSIGHTS].report(ctx.actor(viewer.user), span), ctx.name_of)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")     # RFC 4180
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in line] for line in lines])
    name = f"warroom-{request.match_info['chart']}-{span.first.isoformat()}-to-{span.last.isoformat()}.csv"
    return web.Response(body=out.getvalue().encode("utf-8"), headers={
        "Content-Type": CSV_TYPE, "Content-Disposition": f'attachment; filename="{name}"'})


def _range(request: web.Request, zone: str) -> DateRange:
    today = datetime.fromtimestamp(context(request).clock.time(), ZoneInfo(zone)).date()
    return parse_range(request.query.get("from") or None, request.query.get("to") or None, zone, today)


def _query(span: DateRange) -> str:
    return f"?from={span.first.isoformat()}&to={span.last.isoformat()}"


# charts -------------------------------------------------------------------------------------------
def _figures(report: Report, name_of: Callable[[str], str]) -> dict[str, Any]:
    def minutes(rows) -> dict[tuple[str, str], float | None]:
        return {(r.month, r.severity): (r.mean / 60 if r.mean is not None else None) for r in rows}

    shown = [s for s in report.severities if any(r.incidents for r in report.mtta if r.severity == s)]
    return {
        # whole minutes on the axis: "7 min" for 7.5 would be a wrong label
        "mtta": charts.columns(list(report.months), shown, minutes(report.mtta), whole=True),
        "mttr": charts.columns(list(report.months), shown, minutes(report.mttr), whole=True),
        "weeks": charts.columns([w.label for w in report.weeks], ["incidents"],
                                {(w.label, "incidents"): float(w.incidents) for w in report.weeks}, whole=True),
        "alerts": charts.rows([a.source for a in report.alerts], [float(a.alerts) for a in report.alerts]),
        "pages": charts.rows([name_of(p.user) for p in report.pages], [float(p.pages) for p in report.pages]),
    }


# CSV ----------------------------------------------------------------------------------------------
def _durations_csv(which: str):
    def make(report: Report, name_of) -> tuple[list[str], list[list[Any]]]:
        rows = getattr(report, which)
        return (["month", "severity", "incidents", "measured", f"{which}_mean_seconds", f"{which}_median_seconds"],
                [[r.month, r.severity, r.incidents, r.measured, _seconds(r.mean), _seconds(r.median)]
                 for r in rows if r.incidents])
    return make


def _weeks_csv(report: Report, name_of) -> tuple[list[str], list[list[Any]]]:
    return ["week", "week_starts", "incidents"], [[w.label, w.first_day.isoformat(), w.incidents] for w in report.weeks]


def _alerts_csv(report: Report, name_of) -> tuple[list[str], list[list[Any]]]:
    return ["source", "alerts", "events"], [[a.source, a.alerts, a.events] for a in report.alerts]


def _pages_csv(report: Report, name_of) -> tuple[list[str], list[list[Any]]]:
    return (["person", "slack_user_id", "pages", "acknowledged"],
            [[name_of(p.user).lstrip("@"), p.user, p.pages, p.acknowledged] for p in report.pages])


CSV = {"mtta": _durations_csv("mtta"), "mttr": _durations_csv("mttr"), "incidents-per-week": _weeks_csv,
       "alerts-per-source": _alerts_csv, "pages-per-person": _pages_csv}


def _plain(said: Any) -> str:
    """A macro's words as plain text (the error page escapes them itself)."""
    return str(said.unescape() if hasattr(said, "unescape") else said).strip()


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _cell(value: Any) -> Any:
    """A name a spreadsheet would run as a formula (=, +, -, @ first) is kept as text (OWASP's CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def duration(seconds: float | None) -> str:
    """A duration as people say it: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
