"""On-call pages: who is on call in every schedule, escalation policies level by level, a schedule as a
calendar in the viewer's time zone, and taking the pager or setting an override through the same
on-call operation as ``/il-oncall override`` (its permissions, limits and announcement)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.durations import format_duration
from bot.errors import UserError
from bot.oncall.service import HORIZON
from bot.web.calendar_feed import person_feed_path, schedule_feed_path
from bot.web.context import WebContext
from bot.web.oncall_calendar import build_calendar
from bot.web.pages import context, render
from bot.web.problems import problem_html, status_of
from bot.web.session import require_viewer
from kernel.schedules import Schedule

MAX_HOURS = 24 * 366          # beyond any override the domain allows: its own limit answers first
FAR = timedelta(days=5 * 366)  # how far from today a calendar may be asked for


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [
        web.get("/oncall", oncall_index),
        web.get("/oncall/{schedule}", schedule_page),
        web.post("/oncall/{schedule}/take", take_pager),
        web.post("/oncall/{schedule}/override", add_override),
    ]


def schedule_path(schedule: Schedule) -> str:
    return "/oncall/" + quote(schedule.name, safe="")


async def oncall_index(request: web.Request) -> web.StreamResponse:
    viewer = require_viewer(request)
    ctx = context(request)
    oncall = ctx.domain.oncall
    current = {s.name: oncall.current(s) for s in ctx.config.schedules}
    feeds = {s.name: ctx.url(schedule_feed_path(ctx, s.name)) for s in ctx.config.schedules}
    return render(request, "oncall.j2", schedules=ctx.config.schedules, current=current,
                  policies=ctx.config.escalation_policies, horizon_end=_horizon_end(ctx), horizon_days=HORIZON.days,
                  name=ctx.name_of, duration=format_duration, schedule_path=schedule_path, feeds=feeds,
                  my_feed=ctx.url(person_feed_path(ctx, viewer.user)))


async def schedule_page(request: web.Request) -> web.StreamResponse:
    found = require_viewer(request)
    ctx = context(request)
    try:
        schedule = ctx.domain.oncall.schedule(request.match_info["schedule"])
        first = _first_day(ctx, request.query.get("from"), ctx.timezone_of(found.user))
    except UserError as problem:
        return _refused(request, problem)
    return _schedule(request, schedule, first, done=request.query.get("done"))


async def take_pager(request: web.Request) -> web.StreamResponse:
    """The viewer takes the pager now, for the hours they give."""
    found = require_viewer(request)
    ctx = context(request)
    form = await request.post()
    try:
        schedule = ctx.domain.oncall.schedule(request.match_info["schedule"])
    except UserError as problem:
        return _refused(request, problem)
    try:
        hours = _hours(str(form.get("hours", "")))
        ctx.domain.oncall.override(schedule, found.user, until=ctx.clock.time() + hours * 3600,
                                   by=ctx.actor(found.user))
    except UserError as problem:
        return _schedule(request, schedule, None, problem=problem, form=dict(form), status=status_of(problem))
    raise web.HTTPSeeOther(schedule_path(schedule) + "?done=took")


async def add_override(request: web.Request) -> web.StreamResponse:
    """Someone (the viewer, or anyone for a manager) has the pager from a time to a time, in the viewer's zone."""
    found = require_viewer(request)
    ctx = context(request)
    form = await request.post()
    try:
        schedule = ctx.domain.oncall.schedule(request.match_info["schedule"])
    except UserError as problem:
        return _refused(request, problem)
    zone = ctx.timezone_of(found.user)
    try:
        who = _person(ctx, str(form.get("who", "")))
        start = _moment(str(form.get("start", "")), zone, "start", required=False)
        end = _moment(str(form.get("end", "")), zone, "end", required=True)
        assert end is not None
        ctx.domain.oncall.override(schedule, who, start=start, until=end, by=ctx.actor(found.user))
    except UserError as problem:
        return _schedule(request, schedule, None, problem=problem, form=dict(form), status=status_of(problem))
    raise web.HTTPSeeOther(schedule_path(schedule) + "?done=override")


def _schedule(request: web.Request, schedule: Schedule, first: date | None, *, done: str | None = None,
              problem: UserError | None = None, form: dict[str, Any] | None = None,
              status: int = 200) -> web.Response:
    ctx = context(request)
    viewer = require_viewer(request)
    zone = ctx.timezone_of(viewer.user)
    oncall = ctx.domain.oncall
    today = datetime.fromtimestamp(ctx.clock.time(), tz=timezone.utc).astimezone(ZoneInfo(zone)).date()
    calendar = build_calendar(oncall, schedule, zone, first or today)
    return render(request, "oncall_schedule.j2", status=status, schedule=schedule, calendar=calendar, today=today,
                  current=oncall.current(schedule), horizon_end=_horizon_end(ctx), horizon_days=HORIZON.days,
                  people=ctx.config.users, me=viewer.user, name=ctx.name_of, done=done, form=form or {},
                  problem=problem_html(ctx, problem) if problem else None, schedule_path=schedule_path(schedule))


def _refused(request: web.Request, problem: UserError) -> web.Response:
    return render(request, "error.j2", status=status_of(problem), title="That did not work",
                  message=problem_html(context(request), problem))


def _horizon_end(ctx: WebContext) -> float:
    """A shift ending after this has no handoff as far as the schedule is looked up."""
    return ctx.clock.time() + HORIZON.total_seconds() - 60


def _first_day(ctx: WebContext, given: str | None, zone: str) -> date | None:
    if not given:
        return None
    try:
        day = date.fromisoformat(given)
    except ValueError:
        raise UserError("web_bad_from", given=given[:40]) from None
    today = datetime.fromtimestamp(ctx.clock.time(), tz=ZoneInfo(zone)).date()
    if abs(day - today) > FAR:
        raise UserError("web_far_from", given=given, years=FAR.days // 366)
    return day


def _hours(given: str) -> float:
    try:
        hours = float(given.strip())
    except ValueError:
        raise UserError("web_bad_hours", given=given[:40]) from None
    if not 0 < hours <= MAX_HOURS:  # also refuses nan and inf
        raise UserError("web_bad_hours", given=given[:40])
    return hours


def _person(ctx: WebContext, given: str) -> str:
    """A person from the form's list: people listed under ``users:`` (by Slack ID or name)."""
    wanted = given.strip().lstrip("@").lower()
    for person in ctx.config.users:
        if wanted in (person.slack_id.lower(), person.name.lower()):
            return person.slack_id
    raise UserError("web_unknown_person", given=given[:80], people=[p.name for p in ctx.config.users])


def _moment(given: str, zone: str, field: str, *, required: bool) -> float | None:
    """``2026-03-29T09:30`` (what a datetime-local field sends) in ``zone``; a wall time that does not
    exist or happens twice on a daylight-saving day is read as the schedules read it (fold 0)."""
    text = given.strip()
    if not text:
        if required:
            raise UserError("web_no_time", field=field)
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError("web_not_a_time", field=field, given=text[:40]) from None
    if moment.tzinfo is not None:
        raise UserError("web_not_a_time", field=field, given=text[:40])
    return moment.replace(tzinfo=ZoneInfo(zone)).timestamp()
