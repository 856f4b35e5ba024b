"""A schedule as a calendar in the viewer's time zone: weeks of days, a row per layer, the overrides,
and the final row of who holds the pager. Shifts come from the on-call service (the one schedule
engine); this only cuts them at the viewer's midnights, which on a daylight-saving day are 23 or 25
hours apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.oncall.service import OnCallService
from kernel.schedules import Schedule, Shift

WEEKS = 4
DAYS_A_WEEK = 7


@dataclass(frozen=True)
class Piece:
    """The part of a shift that falls on one day, in the viewer's zone."""

    user: str | None
    start: datetime
    end: datetime
    from_before: bool    # already on at the day's first moment
    goes_on: bool        # still on at the day's last moment


@dataclass(frozen=True)
class Row:
    label: str
    kind: str                      # layer | overrides | final
    days: tuple[tuple[Piece, ...], ...]


@dataclass(frozen=True)
class Week:
    days: tuple[date, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Calendar:
    schedule: Schedule
    zone: str
    first: date
    weeks: tuple[Week, ...]
    shifts: tuple[Shift, ...]      # the final shifts of the whole window, clipped to it
    start: datetime                # the window, aware UTC
    end: datetime

    @property
    def previous(self) -> date:
        return self.first - timedelta(days=WEEKS * DAYS_A_WEEK)

    @property
    def following(self) -> date:
        return self.first + timedelta(days=WEEKS * DAYS_A_WEEK)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week: the calendar shows whole weeks."""
    return day - timedelta(days=day.weekday())


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """When ``day`` begins in ``zone``, as aware UTC (a midnight inside a gap is the gap's end)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(timezone.utc)


def build_calendar(oncall: OnCallService, schedule: Schedule, zone: str, first: date) -> Calendar:
    """WEEKS weeks of ``schedule`` from the Monday of ``first``, as seen in ``zone``."""
    tz = ZoneInfo(zone)
    first = week_start(first)
    days = [first + timedelta(days=n) for n in range(WEEKS * DAYS_A_WEEK)]
    bounds = [midnight(d, tz) for d in days] + [midnight(days[-1] + timedelta(days=1), tz)]
    start, end = bounds[0], bounds[-1]
    rows: list[tuple[str, str, list[Shift]]] = []
    for index, layer in enumerate(schedule.layers):
        label = f"Layer {index + 1}" + (f": {layer.name}" if layer.name else "")
        found = [s for s in oncall.layer_shifts(schedule, index, start, end) if s.user is not None]
        rows.append((label, "layer", found))
    overrides = [Shift(o.user, o.start, o.end, "override") for o in oncall.overrides_during(schedule, start, end)]
    rows.append(("Overrides", "overrides", overrides))
    final = oncall.shifts(schedule, start, end)
    rows.append(("On call", "final", final))
    weeks = []
    for week in range(WEEKS):
        span = range(week * DAYS_A_WEEK, (week + 1) * DAYS_A_WEEK)
        week_rows = tuple(Row(label, kind, tuple(_pieces(shifts, bounds[d], bounds[d + 1], tz) for d in span))
                          for label, kind, shifts in rows)
        weeks.append(Week(tuple(days[d] for d in span), week_rows))
    return Calendar(schedule, zone, first, tuple(weeks), tuple(final), start, end)


def _pieces(shifts: list[Shift], day_start: datetime, day_end: datetime, tz: ZoneInfo) -> tuple[Piece, ...]:
    return tuple(Piece(s.user, max(s.start, day_start).astimezone(tz), min(s.end, day_end).astimezone(tz),
                       from_before=s.start <= day_start, goes_on=s.end >= day_end)
                 for s in shifts if s.start < day_end and s.end > day_start)
