"""When an override ends, as people write it: ``2h``, ``until 18:00``, ``until 2026-01-10 09:00``.

A refusal says what was wrong with what was given (zero, not a duration, no such time, no such date),
not only how the command is written.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.durations import DurationError, DurationTooLong, parse_duration
from bot.oncall.service import OnCallError

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2})?$")
_DURATION_LIKE = re.compile(r"(?:\d+[smhdw])+|\d+")
_SHOWN = 40          # characters of what was given echoed back


def bad_end(given: str, problem: str) -> OnCallError:
    return OnCallError("override_bad_end", given=given[:_SHOWN], problem=problem)


def parse_until(words: list[str], now: float, tz: str) -> tuple[float, list[str]]:
    """``2h`` / ``until 18:00`` / ``until 2026-01-10 09:00`` -> (end, words left over)."""
    if not words:
        raise OnCallError("usage_override")
    if words[0].lower() == "until":
        return _until(words[1:], now, tz)
    try:
        delta = parse_duration(words[0])
    except DurationTooLong as exc:
        delta = exc.at_least   # the override's own limit refuses it in its words
    except DurationError:
        given = words[0].lower()
        if _DURATION_LIKE.fullmatch(given) and not re.search(r"[1-9]", given):
            problem = "zero"
        else:
            problem = "negative" if given.startswith("-") else "not_a_duration"
        raise bad_end(words[0], problem) from None
    assert delta is not None
    return now + delta.total_seconds(), words[1:]


def _until(rest: list[str], now: float, tz: str) -> tuple[float, list[str]]:
    if not rest:
        raise bad_end("until", "no_time")
    zone = ZoneInfo(tz)
    local_now = datetime.fromtimestamp(now, tz=timezone.utc).astimezone(zone)
    if _CLOCK.match(rest[0]):
        hour, minute = map(int, _CLOCK.match(rest[0]).groups())
        if hour > 23 or minute > 59:
            raise bad_end(rest[0], "no_such_time")
        end = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if end <= local_now:
            end += timedelta(days=1)  # "until 09:00" at 22:00 means tomorrow morning
        return end.timestamp(), rest[1:]
    if len(rest) >= 2 and _CLOCK.match(rest[1]):
        text, left = f"{rest[0]} {rest[1]}", rest[2:]
    else:
        text, left = rest[0].replace("T", " "), rest[1:]
    if not _DATE.match(text):
        raise bad_end(text, "not_a_time")
    try:
        end = datetime.fromisoformat(_padded(text))
    except ValueError:
        raise bad_end(text, "no_such_date") from None
    if end.tzinfo is None:
        end = end.replace(tzinfo=zone)
    return end.timestamp(), left


def _padded(text: str) -> str:
    """``2026-1-5 9:00`` as ISO wants it: ``2026-01-05 09:00``."""
    date, _, clock = text.partition(" ")
    year, month, day = date.split("-")
    padded = f"{year}-{int(month):02d}-{int(day):02d}"
    if clock:
        hour, minute = clock.split(":")
        padded += f" {int(hour):02d}:{minute}"
    return padded
