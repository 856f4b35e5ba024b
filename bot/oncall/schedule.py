"""Who is on call in a schedule at an instant, until when, and what comes next.

A pure function of (schedule, overrides, time): no Slack, no storage, no clock of its own.
All functions take aware datetimes in any zone and return aware UTC.

Rules:
- Shift k of a rotation starts at local wall time handoff + k*length and belongs to
  users[k % len(users)]; before the first handoff the rotation has nobody. Wall times become
  instants as zoneinfo does with fold=0 (see schedule_clock).
- A restricted layer has its person only while the local wall time is inside a window.
- The highest-index layer that has someone wins; an override beats every layer during
  [start, end), and among overlapping overrides the highest seq wins (equal seq: the one later
  in `overrides`).

The point lookup costs O(layers + overrides) with a few zoneinfo conversions per layer. Runs
(timeline and friends) are found from the instants where some input can change, each
evaluated with the point lookup, so they never walk time in steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from bot.oncall.schedule_clock import (
    as_utc,
    inside_restrictions,
    naive,
    restriction_changes,
    rotation_boundaries,
    shift_index,
    wall,
)
from kernel.schedules import Override, Restriction, Rotation, Schedule, Shift

__all__ = [
    "DEFAULT_HORIZON",
    "Override",
    "Restriction",
    "Rotation",
    "Schedule",
    "Shift",
    "current_shift",
    "next_shifts",
    "on_call_user",
    "rotation_boundaries",
    "shifts_for_user",
    "timeline",
]

DEFAULT_HORIZON = dt.timedelta(days=60)
_FIRST_CHUNK = dt.timedelta(days=1)
_OVERRIDE = "override"
_NOBODY = "none"


def on_call_user(
    schedule: Schedule, overrides: Iterable[Override], at: dt.datetime
) -> str | None:
    """The user on call in `schedule` at `at`, or None."""
    return _resolve(schedule, ZoneInfo(schedule.timezone), overrides, as_utc(at))[0]


def timeline(
    schedule: Schedule, overrides: Iterable[Override], start: dt.datetime, end: dt.datetime
) -> list[Shift]:
    """Segments covering [start, end) in order; adjacent segments have different users."""
    start, end = as_utc(start), as_utc(end)
    return _segments(schedule, ZoneInfo(schedule.timezone), list(overrides), start, end)


def current_shift(
    schedule: Schedule,
    overrides: Iterable[Override],
    at: dt.datetime,
    horizon: dt.timedelta = DEFAULT_HORIZON,
) -> Shift:
    """The run containing `at`: from when this user (or nobody) continuously took over, looked
    up no further back than `at - horizon`, until someone else takes over, capped at `at + horizon`.
    """
    if horizon <= dt.timedelta(0):
        raise ValueError("horizon must be positive")
    at = as_utc(at)
    tz = ZoneInfo(schedule.timezone)
    overrides = list(overrides)
    ahead = next(_runs_from(schedule, tz, overrides, at, at + horizon))
    start = _run_start(schedule, tz, overrides, at, ahead.user, at - horizon)
    return Shift(ahead.user, start, ahead.end, _resolve(schedule, tz, overrides, start)[1])


def next_shifts(
    schedule: Schedule,
    overrides: Iterable[Override],
    at: dt.datetime,
    count: int,
    horizon: dt.timedelta = DEFAULT_HORIZON,
) -> list[Shift]:
    """The current shift (even if nobody is on call), then up to count-1 following shifts that
    have a user, skipping nobody-gaps; nothing past `at + horizon` (the last end is capped there).
    """
    if count <= 0:
        return []
    overrides = list(overrides)
    current = current_shift(schedule, overrides, at, horizon)
    found = [current]
    if count == 1:
        return found
    tz = ZoneInfo(schedule.timezone)
    for run in _runs_from(schedule, tz, overrides, current.end, as_utc(at) + horizon):
        if run.user is not None:
            found.append(run)
            if len(found) == count:
                break
    return found


def shifts_for_user(
    schedule: Schedule,
    overrides: Iterable[Override],
    user: str,
    start: dt.datetime,
    end: dt.datetime,
) -> list[Shift]:
    """The timeline segments of [start, end) in which `user` is on call (clipped to the window)."""
    return [shift for shift in timeline(schedule, overrides, start, end) if shift.user == user]


def _resolve(
    schedule: Schedule, tz: ZoneInfo, overrides: Iterable[Override], at: dt.datetime
) -> tuple[str | None, str]:
    """(user, source) at the aware UTC instant `at`."""
    winner = None
    for override in overrides:
        if override.start <= at < override.end and (winner is None or override.seq >= winner.seq):
            winner = override
    if winner is not None:
        return winner.user, _OVERRIDE
    instant = naive(at)
    local = wall(at, tz)
    layers = schedule.layers
    for index in range(len(layers) - 1, -1, -1):
        rotation = layers[index]
        if rotation.restrictions and not inside_restrictions(rotation.restrictions, local):
            continue
        k = shift_index(rotation, tz, instant, local)
        if k >= 0:
            return rotation.users[k % len(rotation.users)], f"layer:{index}"
    return None, _NOBODY


def _change_points(
    schedule: Schedule,
    tz: ZoneInfo,
    overrides: Sequence[Override],
    start: dt.datetime,
    end: dt.datetime,
) -> list[dt.datetime]:
    """Sorted instants in [start, end), starting with `start`, outside which nothing changes."""
    points = {start}
    for override in overrides:
        for edge in (override.start, override.end):
            if start < edge < end:
                points.add(edge)
    for rotation in schedule.layers:
        points.update(rotation_boundaries(rotation, tz, start, end))
        if rotation.restrictions:
            points.update(restriction_changes(rotation.restrictions, tz, start, end))
    return sorted(points)


def _segments(
    schedule: Schedule,
    tz: ZoneInfo,
    overrides: Sequence[Override],
    start: dt.datetime,
    end: dt.datetime,
) -> list[Shift]:
    if start >= end:
        return []
    overrides = [o for o in overrides if o.start < end and o.end > start]
    points = _change_points(schedule, tz, overrides, start, end)
    runs: list[list] = []  # [user, start, end, source], merged as they come
    for begin, finish in zip(points, points[1:] + [end]):
        user, source = _resolve(schedule, tz, overrides, begin)
        if runs and runs[-1][0] == user:
            runs[-1][2] = finish
        else:
            runs.append([user, begin, finish, source])
    return [Shift(user, begin, finish, source) for user, begin, finish, source in runs]


def _runs_from(
    schedule: Schedule,
    tz: ZoneInfo,
    overrides: Sequence[Override],
    start: dt.datetime,
    limit: dt.datetime,
) -> Iterator[Shift]:
    """Merged runs from `start` on, the last one capped at `limit`; computed in growing chunks
    so a caller that stops early pays only for the stretch it looked at."""
    pending: Shift | None = None
    low, chunk = start, _FIRST_CHUNK
    while low < limit:
        high = min(low + chunk, limit)
        for segment in _segments(schedule, tz, overrides, low, high):
            if pending is None:
                pending = segment
            elif pending.user == segment.user:
                pending = Shift(pending.user, pending.start, segment.end, pending.source)
            else:
                yield pending
                pending = segment
        low, chunk = high, chunk * 2
    if pending is not None:
        yield pending


def _run_start(
    schedule: Schedule,
    tz: ZoneInfo,
    overrides: Sequence[Override],
    at: dt.datetime,
    user: str | None,
    floor: dt.datetime,
) -> dt.datetime:
    """Earliest instant >= floor from which `user` holds the pager without a break until `at`."""
    high, chunk = at, _FIRST_CHUNK
    while high > floor:
        low = max(high - chunk, floor)
        last = _segments(schedule, tz, overrides, low, high)[-1]
        if last.user != user:
            return high
        if last.start > low:
            return last.start
        high, chunk = low, chunk * 2
    return floor
