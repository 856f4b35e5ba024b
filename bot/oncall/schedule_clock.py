"""Wall-clock arithmetic of the schedule engine: rotation shifts and restriction windows in time.

Rotations and restrictions are defined in local wall time; the engine answers in UTC
instants. The conversion rule (decided): a wall time becomes an instant the way zoneinfo does it
with fold=0, so a wall time inside a spring-forward gap moves later by the gap and an ambiguous
one (fall-back) is its first occurrence. Restrictions, by contrast, read the wall clock as it
is: a window edge inside a repeated hour is crossed twice, one inside a gap is jumped over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from kernel.schedules import Restriction, Rotation

UTC = dt.timezone.utc
_DAY = dt.timedelta(days=1)
# Far enough past a window that no later wall time can map to an instant inside it: larger
# than any jump of a zone's UTC offset (Pacific/Apia skipped a whole day in 2011).
_SLACK = dt.timedelta(days=2)
# Offsets are sampled this often to find where they change; no zone changes twice in 12 hours.
_OFFSET_PROBE = dt.timedelta(hours=12)
_TICK = dt.timedelta(microseconds=1)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """`moment` as aware UTC; a naive datetime is refused rather than guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC)


def as_zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    """A time zone from its IANA key, or the tzinfo given."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def naive(moment: dt.datetime) -> dt.datetime:
    """`moment` without its tzinfo (same wall fields); ~6x cheaper than replace(tzinfo=None)."""
    return dt.datetime.combine(moment.date(), moment.time())


def wall(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The naive local wall time a clock in `tz` shows at the aware instant `moment`."""
    return naive(moment.astimezone(tz))


# Below, "naive UTC" instants keep the per-layer arithmetic of the point lookup on plain
# datetimes: tz.utcoffset(naive) is ~20x cheaper than replace(tzinfo=...).astimezone(...).


def wall_to_utc(wall_time: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Naive UTC instant of a naive wall time, resolved by its fold attribute. The conversion
    rule is fold=0, which every datetime made by arithmetic has."""
    return wall_time - tz.utcoffset(wall_time)


def shift_index(rotation: Rotation, tz: dt.tzinfo, at: dt.datetime, local: dt.datetime) -> int:
    """Index of the shift in effect at `at` (naive UTC, `local` its wall time); -1 before the first.

    Shift k nominally starts at wall time handoff + k*length (fold=0: a datetime plus a
    timedelta always has fold 0); the answer is the highest k whose start is <= `at`. Start
    from the wall-clock estimate and correct by a step or two: up while the next shift already
    started (an ambiguous fall-back hour maps to its first occurrence, so during the repeated
    hour shifts that began in the first pass still hold), down while this one has not (a wall
    time in a spring-forward gap maps later). When the shift length is shorter than a gap, a
    shift whose start maps past its successor's is never in effect; boundaries stay monotonic.
    """
    handoff, length = rotation.handoff, rotation.length
    k = (local - handoff) // length
    if k < -1:
        k = -1
    begins = handoff + k * length
    following = begins + length
    while wall_to_utc(following, tz) <= at:
        k, begins, following = k + 1, following, following + length
    while k >= 0 and wall_to_utc(begins, tz) > at:
        k, begins = k - 1, begins - length
    return k


def rotation_boundaries(
    rotation: Rotation, tz: str | dt.tzinfo, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """Instants in [start, end) where a (non-empty) shift of `rotation` begins, aware UTC, sorted.

    Restrictions are not applied; a one-user rotation still has a boundary per shift.
    """
    zone = as_zone(tz)
    start, end = as_utc(start), as_utc(end)
    if start >= end:
        return []
    low, high = naive(start), naive(end)
    k = max(shift_index(rotation, zone, low, wall(start, zone)), 0)
    last_index = (wall(end, zone) + _SLACK - rotation.handoff) // rotation.length + 1
    nominal = [
        wall_to_utc(rotation.handoff + index * rotation.length, zone)
        for index in range(k, max(last_index, k) + 1)
    ]
    # A shift really starts at the earliest nominal start among itself and its successors
    # (a later start can map earlier only across a spring-forward gap longer than the shift);
    # if that equals its successor's real start, the shift is empty and has no boundary.
    out = []
    following = nominal[-1]
    for candidate in reversed(nominal[:-1]):
        real = min(candidate, following)
        if real < following and low <= real < high:
            out.append(real.replace(tzinfo=UTC))
        following = real
    out.reverse()
    return out


def inside_restrictions(restrictions: tuple[Restriction, ...], local: dt.datetime) -> bool:
    """Whether the wall time `local` falls in one of the windows (no restrictions: always)."""
    if not restrictions:
        return True
    day = local.weekday()
    time_of_day = local.time()
    for window in restrictions:
        if window.start < window.end:
            if day in window.weekdays and window.start <= time_of_day < window.end:
                return True
        elif time_of_day >= window.start:  # crosses midnight (or 24 h): opened today
            if day in window.weekdays:
                return True
        elif time_of_day < window.end and (day - 1) % 7 in window.weekdays:  # opened yesterday
            return True
    return False


def restriction_changes(
    restrictions: tuple[Restriction, ...], tz: dt.tzinfo, start: dt.datetime, end: dt.datetime
) -> Iterator[dt.datetime]:
    """Instants in (start, end) where `inside_restrictions` may change; may include extra ones.

    The wall clock reaches a window edge either by running into it (both occurrences of an
    ambiguous edge, hence fold 0 and 1) or by jumping over it at an offset change.
    """
    low, high = naive(start), naive(end)
    edges = []  # (weekdays the window opens on, time of day with fold, days after opening)
    for window in restrictions:
        closing_day = _DAY if window.end <= window.start else dt.timedelta(0)
        for time_of_day, later in ((window.start, dt.timedelta(0)), (window.end, closing_day)):
            for fold in (0, 1):
                edges.append((window.weekdays, time_of_day.replace(fold=fold), later))
    day = wall(start, tz).date() - _SLACK
    last_day = wall(end, tz).date() + _DAY
    while day <= last_day:
        weekday = day.weekday()
        for weekdays, time_of_day, later in edges:
            if weekday in weekdays:
                moment = wall_to_utc(dt.datetime.combine(day + later, time_of_day), tz)
                if low < moment < high:
                    yield moment.replace(tzinfo=UTC)
        day += _DAY
    yield from offset_changes(tz, start, end)


def offset_changes(tz: dt.tzinfo, start: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
    """Instants in (start, end) where the UTC offset of `tz` changes (the wall clock jumps)."""
    low, low_offset = start, start.astimezone(tz).utcoffset()
    while low < end:
        high = min(low + _OFFSET_PROBE, end)
        high_offset = high.astimezone(tz).utcoffset()
        if high_offset != low_offset:
            before, after = low, high
            while after - before > _TICK:
                middle = before + (after - before) // 2
                if middle.astimezone(tz).utcoffset() == low_offset:
                    before = middle
                else:
                    after = middle
            if after < end:
                yield after
        low, low_offset = high, high_offset

