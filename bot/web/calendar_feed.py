"""iCalendar feeds of on-call shifts (the icalendar library), one per schedule and one per person, at
secret addresses: calendar apps subscribe without a session, so the address itself is the key.

A feed's token is an HMAC of what it shows under the web side's key: it cannot be guessed, needs no
table, and every replica computes the same one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from aiohttp import web
from icalendar import Calendar, Event

from bot.web.context import WebContext
from bot.web.pages import context
from kernel.schedules import Shift

PAST = timedelta(days=14)         # recent shifts stay visible, so a calendar shows what was
AHEAD = timedelta(weeks=8)
REFRESH = "PT1H"                  # how often calendar apps should fetch it again
PRODUCT = "-//warroom//on-call//EN"


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [
        web.get("/calendar/schedule/{name}/{token}.ics", schedule_feed),
        web.get("/calendar/person/{user}/{token}.ics", person_feed),
    ]


def feed_token(ctx: WebContext, kind: str, name: str) -> str:
    digest = hmac.new(ctx.session_secret.encode(), f"calendar|{kind}|{name}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def schedule_feed_path(ctx: WebContext, schedule: str) -> str:
    return f"/calendar/schedule/{quote(schedule, safe='')}/{feed_token(ctx, 'schedule', schedule)}.ics"


def person_feed_path(ctx: WebContext, user: str) -> str:
    return f"/calendar/person/{quote(user, safe='')}/{feed_token(ctx, 'person', user)}.ics"


def _check(request: web.Request, kind: str, name: str) -> WebContext:
    ctx = context(request)
    if not hmac.compare_digest(request.match_info["token"], feed_token(ctx, kind, name)):
        raise web.HTTPNotFound()          # a wrong token and an unknown feed look the same
    return ctx


async def schedule_feed(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    ctx = _check(request, "schedule", name)
    schedule = ctx.config.schedule(name)
    if schedule is None:
        raise web.HTTPNotFound()
    now = datetime.fromtimestamp(ctx.clock.time(), tz=timezone.utc)
    shifts = [s for s in ctx.domain.oncall.shifts(schedule, now - PAST, now + AHEAD) if s.user]
    calendar = _calendar(f"On call: {schedule.name}")
    for shift in shifts:
        calendar.add_component(_event(ctx, schedule.name, shift, f"{ctx.name_of(shift.user)} on call ({schedule.name})"))
    return _ics(calendar)


async def person_feed(request: web.Request) -> web.StreamResponse:
    user = request.match_info["user"]
    ctx = _check(request, "person", user)
    calendar = _calendar(f"My on-call shifts ({ctx.name_of(user)})")
    for mine in ctx.domain.oncall.mine(user, days=AHEAD.days):
        calendar.add_component(_event(ctx, mine.schedule.name, mine.shift, f"On call: {mine.schedule.name}"))
    return _ics(calendar)


def _calendar(title: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    return calendar


def _event(ctx: WebContext, schedule: str, shift: Shift, summary: str) -> Event:
    event = Event()
    # stable across fetches, so a calendar app updates an event instead of adding another
    event.add("uid", f"{schedule}-{shift.user}-{int(shift.start.timestamp())}@warroom")
    event.add("dtstamp", datetime.fromtimestamp(ctx.clock.time(), tz=timezone.utc))
    event.add("dtstart", shift.start)
    event.add("dtend", shift.end)
    event.add("summary", summary)
    event.add("url", ctx.url(f"/oncall/{quote(schedule, safe='')}"))
    return event


def _ics(calendar: Calendar) -> web.Response:
    return web.Response(body=calendar.to_ical(), content_type="text/calendar", charset="utf-8",
                        headers={"Cache-Control": "private, max-age=300"})
