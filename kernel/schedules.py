"""Value types of the on-call schedule engine: what a schedule is, not how it is evaluated.

All types are frozen dataclasses that check themselves on construction, so a wrong schedule
(unknown time zone, empty rotation, aware handoff, override that ends before it starts) fails
where it is built (config load, command parsing), not later inside a lookup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Override", "Restriction", "Rotation", "Schedule", "Shift"]


def _is_aware(moment: dt.datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


@dataclass(frozen=True)
class Restriction:
    """A time-of-day window on some weekdays, in the schedule's time zone.

    weekdays: 0=Monday ... 6=Sunday, the day the window STARTS on. end <= start: the window
    crosses midnight into the next day; start == end: a whole 24 h from start.
    """

    weekdays: frozenset[int]
    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        days = frozenset(self.weekdays)
        if not days:
            raise ValueError("restriction needs at least one weekday")
        if not days <= frozenset(range(7)):
            raise ValueError(f"weekdays must be 0 (Monday) to 6 (Sunday), got {sorted(days)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("restriction times are local wall times: pass naive datetime.time")
        object.__setattr__(self, "weekdays", days)


@dataclass(frozen=True)
class Rotation:
    """One layer: users take turns of `length` wall-clock time from `handoff` (naive local)."""

    users: tuple[str, ...]
    length: dt.timedelta
    handoff: dt.datetime
    restrictions: tuple[Restriction, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        users = tuple(self.users)
        if not users or not all(isinstance(u, str) and u for u in users):
            raise ValueError(f"rotation {self.name!r} needs at least one user id, got {users!r}")
        if self.length <= dt.timedelta(0):
            raise ValueError(f"rotation {self.name!r}: shift length must be positive")
        if self.handoff.tzinfo is not None:
            raise ValueError(
                f"rotation {self.name!r}: handoff is a local wall time, pass a naive datetime"
            )
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "restrictions", tuple(self.restrictions))


@dataclass(frozen=True)
class Schedule:
    """Layers lowest first; a later layer wins wherever it has someone."""

    name: str
    timezone: str
    layers: tuple[Rotation, ...]

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(
                f"schedule {self.name!r}: unknown time zone {self.timezone!r}"
            ) from exc
        object.__setattr__(self, "layers", tuple(self.layers))


@dataclass(frozen=True)
class Override:
    """`user` takes the pager during [start, end); beats every layer. Highest seq wins overlaps.

    start and end may be given in any zone; they are kept as aware UTC.
    """

    user: str
    start: dt.datetime
    end: dt.datetime
    seq: int = 0

    def __post_init__(self) -> None:
        if not self.user:
            raise ValueError("override needs a user id")
        if not (_is_aware(self.start) and _is_aware(self.end)):
            raise ValueError("override start and end must be aware datetimes")
        # Stored in UTC: lookups compare every override with an instant, and datetimes that
        # share one tzinfo compare without asking a time zone for offsets. That is also why
        # the check comes after: two datetimes in one ZoneInfo compare by wall clock, which
        # across a fall-back hour is not the order of the instants.
        object.__setattr__(self, "start", self.start.astimezone(dt.timezone.utc))
        object.__setattr__(self, "end", self.end.astimezone(dt.timezone.utc))
        if self.end <= self.start:
            raise ValueError("override must end after it starts")


@dataclass(frozen=True)
class Shift:
    """A maximal run of one person (or nobody) being on call; start and end are aware UTC.

    source: "override", "layer:<index>" or "none", as in effect at `start`.
    """

    user: str | None
    start: dt.datetime
    end: dt.datetime
    source: str
