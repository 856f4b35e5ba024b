"""The parts of warroom.yml that let on-call run itself: maintenance windows and heartbeat periods of
alert sources, each schedule's channel and user group, and the user group of everyone on call."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.config.reader import Node
from kernel.alerts import MaintenanceWindow
from kernel.schedules import Restriction, Schedule

# Slack's user group handles: lowercase letters, digits, dots, dashes and underscores
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
_CHANNEL_REF = re.compile(r"^(#?[a-z0-9_-]{1,80}|[CG][A-Z0-9]{6,})$")
MIN_PERIOD = dt.timedelta(seconds=10)
MAX_PERIOD = dt.timedelta(days=31)


@dataclass(frozen=True)
class ScheduleRoutine:
    channel: str | None = None       # where handoffs are posted (name or ID)
    usergroup: str | None = None     # a handle (backend-oncall) or an ID (S0123ABCD) kept in step


@dataclass(frozen=True)
class Routine:
    schedules: dict[str, ScheduleRoutine] = field(default_factory=dict)   # by schedule name
    oncall_usergroup: str | None = None                                    # everyone on call now

    def for_schedule(self, name: str) -> ScheduleRoutine:
        return self.schedules.get(name, ScheduleRoutine())

    def usergroups(self, all_schedules: tuple[Schedule, ...]) -> dict[str, tuple[str, ...]]:
        """Each user group warroom keeps, with the schedules whose on-call people are its members."""
        groups: dict[str, list[str]] = {}
        for schedule in all_schedules:
            handle = self.for_schedule(schedule.name).usergroup
            if handle:
                groups.setdefault(handle, []).append(schedule.name)
        if self.oncall_usergroup:
            groups.setdefault(self.oncall_usergroup, []).extend(
                s.name for s in all_schedules if s.name not in groups.get(self.oncall_usergroup, []))
        return {handle: tuple(names) for handle, names in groups.items()}


def parse_usergroup(node: Node) -> str | None:
    value = node.string(None)
    if value is None:
        return None
    if _GROUP_ID.match(value):
        return value
    handle = value.lstrip("@")
    if not _HANDLE.match(handle):
        raise node.error(f"{value!r} is not a user group handle (lowercase letters, digits, . - _, like "
                         "backend-oncall) or ID (like S0123ABCD)")
    return handle


def parse_routine(schedules_node: Node, oncall_usergroup: Node, schedules: tuple[Schedule, ...]) -> Routine:
    """``schedules[].channel`` / ``schedules[].usergroup`` (bot.config.oncall checked the rest) and
    ``oncall_usergroup``."""
    found: dict[str, ScheduleRoutine] = {}
    for item, schedule in zip(schedules_node.items(), schedules):
        keys = item.mapping({"name", "timezone", "rotation", "layers", "channel", "usergroup"})
        channel = keys["channel"].string(None)
        if channel is not None and not _CHANNEL_REF.match(channel):
            raise keys["channel"].error(f"{channel!r} is not a channel; give a channel name or an ID like C0123ABCD")
        found[schedule.name] = ScheduleRoutine(channel.lstrip("#") if channel else None,
                                               parse_usergroup(keys["usergroup"]))
    everyone = parse_usergroup(oncall_usergroup)
    if everyone is not None:
        for name, routine in found.items():
            if routine.usergroup == everyone:
                raise oncall_usergroup.error(f"{everyone!r} is also schedule {name!r}'s usergroup; give them "
                                             "different groups (this one holds everyone on call)")
    return Routine(found, everyone)


def parse_period(node: Node, kind: str) -> float | None:
    if kind != "heartbeat":
        if not node.is_missing:
            raise node.error("only a heartbeat source takes a period")
        return None
    if node.is_missing:
        raise node.error("a heartbeat source needs period: how long without a ping before it alerts, like 10m")
    period = node.duration(None)
    assert period is not None
    if not MIN_PERIOD <= period <= MAX_PERIOD:
        raise node.error(f"must be between {int(MIN_PERIOD.total_seconds())}s and {MAX_PERIOD.days}d")
    return period.total_seconds()


def parse_maintenance(node: Node, timezone: str, parse_restriction) -> tuple[MaintenanceWindow, ...]:
    """Each window is once (``start``/``end`` as local date and time) or weekly (``days``, ``start``,
    ``end`` as times of day), in ``timezone`` (the window's own or the config's)."""
    windows = []
    for item in node.items():
        keys = item.mapping({"start", "end", "days", "timezone"}, required={"start", "end"})
        zone = keys["timezone"].string(timezone) or timezone
        try:
            tz = ZoneInfo(zone)
        except Exception:
            raise keys["timezone"].error(f"{zone!r} is not a time zone; use an IANA name like Europe/London") from None
        start, end = _moment(keys["start"], tz), _moment(keys["end"], tz)
        if start is not None or end is not None:
            if start is None or end is None:
                raise item.error("give start and end both as dates with times (once) or both as times (weekly)")
            if not keys["days"].is_missing:
                raise keys["days"].error("days are for weekly windows; this one has dates")
            if end <= start:
                raise keys["end"].error("must be after start")
            windows.append(MaintenanceWindow(zone, start=start, end=end))
            continue
        weekly = {k: keys[k].value for k in ("days", "start", "end") if not keys[k].is_missing}
        restriction: Restriction = parse_restriction(Node(weekly, item.path, item.file))
        windows.append(MaintenanceWindow(zone, weekly=restriction))
    return tuple(windows)


def _moment(node: Node, tz: ZoneInfo) -> float | None:
    """A date and time as an instant; None when it is only a time of day (a weekly window)."""
    value = node.value
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = node.required_string()
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
            return None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise node.error(f"{text!r} is not a time (02:00) or a date and time (2026-03-01T22:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()
