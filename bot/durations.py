"""Durations as people write them in config and commands: ``20s``, ``15m``, ``1h30m``, ``2d``, ``1w``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhdw]\s*)+$")
_OFF = {"off", "none", "never", "false", "0"}
# Longer than any duration warroom takes, and short enough that now + it is still a date everywhere
# (timedelta and datetime overflow past a few thousand years: '9999999999w' was a crash, not an answer).
LONGEST = timedelta(days=100 * 365)


class DurationError(ValueError):
    """The text is not a duration; the message says how to write one."""


class DurationTooLong(DurationError):
    """A duration written correctly but longer than :data:`LONGEST`. A caller with a limit of its own
    (a silence's 7 days) can take it as ``at_least`` and refuse it in that limit's words."""

    at_least = LONGEST


def parse_duration(text: str, *, allow_off: bool = False) -> timedelta | None:
    """Parse ``15m`` / ``1h30m`` / ``2d``; ``off`` gives None when allowed.

    Units are s, m, h, d and w; parts add up (``1h30m``). Zero is refused unless ``allow_off``,
    because a zero interval for a pulse or a timeout would spin.
    """
    cleaned = str(text).strip().lower()
    if allow_off and cleaned in _OFF:
        return None
    if not _WHOLE.match(cleaned):
        hint = "like 20s, 15m, 1h30m, 2d or 1w" + (", or off" if allow_off else "")
        raise DurationError(f"{text!r} is not a duration; write it {hint}")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(cleaned))
    if seconds > LONGEST.total_seconds():
        raise DurationTooLong(f"{text!r} is too long; a duration is at most 100 years (5214w)")
    if seconds == 0:
        if allow_off:
            return None
        raise DurationError(f"{text!r} is zero; give a positive duration like 15m")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta | float, *, precise: bool = False) -> str:
    """Render a duration for people: ``45s``, ``12 min``, ``2 h 5 min``, ``3 d 4 h``.

    Only the two largest units are shown unless ``precise``; people reading an incident
    wrap-up want "2 h 5 min", not "2 h 5 min 13 s".
    """
    total = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    if total < 0:
        total = 0
    if total < 60:
        return f"{total}s"
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min")]
    if precise:
        parts.append((seconds, "s"))
    shown = [f"{value} {unit}" for value, unit in parts if value]
    return " ".join(shown if precise else shown[:2])


def compact_duration(delta: timedelta) -> str:
    """The inverse of :func:`parse_duration` for whole units: ``timedelta(minutes=90)`` -> ``1h30m``."""
    total = int(delta.total_seconds())
    out = []
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if total >= size:
            count, total = divmod(total, size)
            out.append(f"{count}{unit}")
    return "".join(out) or "0s"
