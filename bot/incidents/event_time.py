"""When a timeline event happened, as people type it: ``10:02``, ``2026-03-26 10:02``, ``yesterday 23:50``.

Pure logic over the typed words, the person's time zone and "now"; the domain decides which moments
it accepts (not in the future, not long before the incident). A typed time is a wall-clock time in
the person's zone, so it is refused where that zone skips it (a spring-forward gap) rather than moved.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.incidents.model import IncidentError

_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
_DAY = r"(?:(?P<word>today|yesterday)|(?P<date>\d{4}-\d{2}-\d{2}))"
_MOMENT = re.compile(rf"^(?:{_DAY}(?:[ T]+|\s+at\s+))?{_CLOCK}$", re.IGNORECASE)
# the first words look like a time someone meant to type (a wrong one is refused, not read as text)
_TIME_LIKE = re.compile(r"^(?:today|yesterday|\d{4}-\d{1,2}-\d{1,2}|\d[\d:.]*:[\d:.]*|\d{1,2}(?:am|pm))(?=\s|$|T)",
                        re.IGNORECASE)
_DAY_WORD = re.compile(r"^(?:today|yesterday|\d{4}-\d{1,2}-\d{1,2})$", re.IGNORECASE)


def split_leading_time(text: str) -> tuple[str | None, str]:
    """``"10:02 Customer reported 502s"`` -> ``("10:02", "Customer reported 502s")``; text that does not
    start with something time-like -> ``(None, text)``. A day word is taken with the clock after it."""
    words = text.strip().split(None, 1)
    if not words or not _TIME_LIKE.match(words[0]):
        return None, text.strip()
    first, rest = words[0], (words[1] if len(words) > 1 else "")
    if "T" in first.upper() and _MOMENT.match(first):   # 2026-03-26T10:02, as a browser's field sends it
        return first, rest.strip()
    if _DAY_WORD.match(first):
        more = rest.split(None, 1)
        if more and more[0].lower() == "at":
            more = more[1].split(None, 1) if len(more) > 1 else []
        if more:
            return f"{first} {more[0]}", (more[1] if len(more) > 1 else "").strip()
        return first, ""
    return first, rest.strip()


def parse_moment(typed: str, zone: str, now: float) -> float:
    """The instant ``typed`` names in ``zone``; a bare clock time is today's (the caller refuses the future)."""
    found = _MOMENT.match(" ".join(typed.split()))
    if found is None:
        raise IncidentError("event_time_unreadable", field="when", given=typed[:40])
    hour, minute, second = int(found["hour"]), int(found["minute"]), int(found["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise IncidentError("event_time_unreadable", field="when", given=typed[:40])
    local = ZoneInfo(zone)
    today = datetime.fromtimestamp(now, local).date()
    if found["date"]:
        try:
            day = date.fromisoformat(found["date"])
        except ValueError:
            raise IncidentError("event_time_unreadable", field="when", given=typed[:40]) from None
    else:
        day = today - timedelta(days=1) if (found["word"] or "").lower() == "yesterday" else today
    wall = datetime.combine(day, time(hour, minute, second), local)
    try:
        instant = wall.timestamp()
        back = datetime.fromtimestamp(instant, local)
    except (ValueError, OverflowError, OSError):   # 9999-12-31 23:59 in New York is in the year 10000 in UTC
        raise IncidentError("event_time_unreadable", field="when", given=typed[:40]) from None
    if back.replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise IncidentError("event_time_skipped", field="when", given=typed[:40], zone=zone)
    return instant
