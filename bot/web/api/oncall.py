"""/api/v1/oncall and /api/v1/schedules: who is on call now, and a schedule's shifts over a window, as
/il-oncall reads them (bot/slack/oncall/listeners.py) from the same service."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.config import Config
from bot.web.api.core import TIME, Api, nullable, ref
from bot.web.api.endpoint import Call, Endpoint
from bot.web.api.fields import Field
from bot.web.api.problems import ApiError
from kernel.schedules import Shift

TAG = "on-call"
MAX_WINDOW = timedelta(days=92)
DEFAULT_WINDOW = timedelta(days=7)
YEARS = (2000, 2100)          # a window outside these is a mistake, and the engine's dates end at 9999

SCHEMAS: dict[str, Any] = {
    "OnCallNow": {
        "type": "object", "additionalProperties": False,
        "required": ["schedule", "timezone", "user", "since", "until"],
        "description": "Who is on call in one schedule now.",
        "properties": {
            "schedule": {"type": "string"},
            "timezone": {"type": "string", "description": "The schedule's time zone (IANA)."},
            "user": nullable(ref("Person"), "null: nobody is on call in it now."),
            "since": {**TIME, "description": "When their shift began (looked up at most 60 days back)."},
            "until": {**TIME, "description": "When the next person takes over (looked up at most 60 days ahead)."},
        },
    },
    "OnCallList": {
        "type": "object", "additionalProperties": False, "required": ["ok", "oncall"],
        "properties": {"ok": {"const": True}, "oncall": {"type": "array", "items": ref("OnCallNow")}},
    },
    "Shift": {
        "type": "object", "additionalProperties": False, "required": ["user", "start", "end", "source"],
        "properties": {
            "user": nullable(ref("Person"), "null: nobody is on call then."),
            "start": TIME, "end": TIME,
            "source": {"type": "string", "description": "override, layer:<n> (the n-th layer, from 0) or none."},
        },
    },
    "ShiftList": {
        "type": "object", "additionalProperties": False, "required": ["ok", "schedule", "from", "to", "shifts"],
        "properties": {"ok": {"const": True}, "schedule": {"type": "string"}, "from": TIME, "to": TIME,
                       "shifts": {"type": "array", "items": ref("Shift"),
                                  "description": "In order, covering the window, clipped to it."}},
    },
    "ScheduleList": {
        "type": "object", "additionalProperties": False, "required": ["ok", "schedules"],
        "properties": {"ok": {"const": True}, "schedules": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "timezone", "layers"],
            "properties": {"name": {"type": "string"}, "timezone": {"type": "string"},
                           "layers": {"type": "integer", "description": "How many rotations it has."}}}}},
    },
}


def who_is_on_call(api: Api, call: Call) -> dict[str, Any]:
    oncall = api.domain.oncall
    found = []
    for schedule in api.config.schedules:
        shift = oncall.current(schedule)
        found.append({"schedule": schedule.name, "timezone": schedule.timezone, "user": api.person(shift.user),
                      "since": _utc(shift.start), "until": _utc(shift.end)})
    return {"oncall": found}


def list_schedules(api: Api, call: Call) -> dict[str, Any]:
    return {"schedules": [{"name": s.name, "timezone": s.timezone, "layers": len(s.layers)}
                          for s in api.config.schedules]}


def schedule_shifts(api: Api, call: Call) -> dict[str, Any]:
    schedule = api.domain.oncall.schedule(call.path["name"])
    start = call.query["from"] or api.domain.oncall.now()
    end = call.query["to"] or start + DEFAULT_WINDOW
    _check_window(start, end)
    shifts = api.domain.oncall.shifts(schedule, start, end)
    return {"schedule": schedule.name, "from": _utc(start), "to": _utc(end),
            "shifts": [_shift(api, s) for s in shifts]}


def _check_window(start: datetime, end: datetime) -> None:
    first, last = YEARS
    if not all(first <= moment.astimezone(timezone.utc).year < last for moment in (start, end)):
        raise ApiError(400, "bad_window", problem="years", first=first, last=last)
    if end <= start:
        raise ApiError(400, "bad_window", problem="order")
    if end - start > MAX_WINDOW:
        raise ApiError(400, "bad_window", problem="long", days=MAX_WINDOW.days, asked=f"{(end - start).days} days")


def _shift(api: Api, shift: Shift) -> dict[str, Any]:
    return {"user": api.person(shift.user), "start": _utc(shift.start), "end": _utc(shift.end), "source": shift.source}


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def endpoints(config: Config) -> list[Endpoint]:
    return [
        Endpoint("GET", "/oncall", who_is_on_call, "Who is on call now",
                 "Every schedule, with who is on call in it now (overrides included) and until when.", TAG,
                 "OnCallList"),
        Endpoint("GET", "/schedules", list_schedules, "List schedules", "The schedules in warroom.yml.", TAG,
                 "ScheduleList"),
        Endpoint("GET", "/schedules/{name}/shifts", schedule_shifts, "A schedule's shifts",
                 f"Who is on call over a window (default: the next {DEFAULT_WINDOW.days} days; at most "
                 f"{MAX_WINDOW.days}), overrides included.", TAG, "ShiftList", errors=(404,),
                 path_fields=(Field("name", "string", "The schedule's name.", required=True),),
                 query=(Field("from", "date-time", "The window's start, with its offset; default now."),
                        Field("to", "date-time", f"The window's end; default {DEFAULT_WINDOW.days} days after "
                                                 "from."))),
    ]
