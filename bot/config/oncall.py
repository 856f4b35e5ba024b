"""The on-call half of warroom.yml: people, schedules, escalation policies, alert sources, HTTP."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import routine
from bot.config.notify import parse_contact, parse_rules
from bot.config.reader import Node
from kernel.alerts import PRIORITIES, SOURCE_TYPES, AlertSource, SourceLimits
from kernel.notify import ContactMethods, NotifyRules
from kernel.paging import EscalationPolicy, Level
from kernel.schedules import Restriction, Rotation, Schedule

_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
DAY_GROUPS = {"weekdays": (0, 1, 2, 3, 4), "weekends": (5, 6), "everyday": tuple(range(7))}
DEFAULT_LEVEL_TIMEOUT = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Person:
    slack_id: str
    name: str
    email: str | None = None
    timezone: str | None = None
    contact: ContactMethods = ContactMethods()     # ways to reach them beyond Slack
    rules: NotifyRules | None = None               # None: notify.rules


@dataclass(frozen=True)
class HttpSettings:
    host: str = "127.0.0.1"
    port: int = 8080

    @property
    def listen(self) -> str:
        return f"{self.host}:{self.port}"


class People:
    """Lookup of configured people by Slack ID or name."""

    def __init__(self, people: tuple[Person, ...]) -> None:
        self.people = people
        self._by_key = {p.slack_id: p for p in people} | {p.name.lower(): p for p in people}

    def resolve(self, node: Node) -> str:
        ref = node.required_string().lstrip("@")
        person = self._by_key.get(ref) or self._by_key.get(ref.lower())
        if person is None and _USER_ID.match(ref):
            return ref  # a Slack ID stands for itself; names must be listed users
        if person is None:
            known = ", ".join(p.name for p in self.people) or "none: add them under users"
            raise node.error(f"{ref!r} is not one of the users (by slack_id or name); users: {known}")
        return person.slack_id


def parse_users(node: Node) -> tuple[Person, ...]:
    people: list[Person] = []
    for item in node.items():
        keys = item.mapping({"slack_id", "name", "email", "timezone", "contact", "notify"},
                            required={"slack_id", "name"})
        slack_id = keys["slack_id"].required_string()
        if not _USER_ID.match(slack_id):
            raise keys["slack_id"].error(f"{slack_id!r} is not a Slack user ID (like U0123ABCD)")
        name = keys["name"].required_string(max_len=80)
        for other in people:
            if other.slack_id == slack_id:
                raise keys["slack_id"].error(f"{slack_id} is listed twice")
            if other.name.lower() == name.lower():
                raise keys["name"].error(f"{name!r} is listed twice")
        email = keys["email"].string(None)
        if email is not None and "@" not in email:
            raise keys["email"].error(f"{email!r} is not an email address")
        rules = parse_rules(keys["notify"]) if not keys["notify"].is_missing else None
        people.append(Person(slack_id, name, email, _zone(keys["timezone"]), parse_contact(keys["contact"], email),
                             rules))
    return tuple(people)


def _zone(node: Node, default: str | None = None) -> str | None:
    name = node.string(default)
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):   # OSError: "Europe" is a folder of zones
        raise node.error(f"{name!r} is not a time zone; use an IANA name like Europe/London") from None
    return name


def parse_schedules(node: Node, people: People, default_tz: str) -> tuple[Schedule, ...]:
    schedules: list[Schedule] = []
    for item in node.items():
        # channel and usergroup: bot.config.routine
        keys = item.mapping({"name", "timezone", "rotation", "layers", "channel", "usergroup"}, required={"name"})
        name = keys["name"].required_string(max_len=80)
        if any(s.name.lower() == name.lower() for s in schedules):
            raise keys["name"].error(f"{name!r} is listed twice")
        tz = _zone(keys["timezone"], default_tz)
        has_rotation, has_layers = not keys["rotation"].is_missing, not keys["layers"].is_missing
        if has_rotation == has_layers:
            raise item.error("give either rotation (one rotation) or layers (several), not both or neither")
        if has_rotation:
            layers = (_rotation(keys["rotation"], people, allow_restrictions=False),)
        else:
            layers = tuple(_rotation(layer, people, allow_restrictions=True)
                           for layer in keys["layers"].items(allow_empty=False))
        schedules.append(Schedule(name, tz or default_tz, layers))
    return tuple(schedules)


def _rotation(node: Node, people: People, *, allow_restrictions: bool) -> Rotation:
    allowed = {"users", "length", "handoff", "name"} | ({"restrictions"} if allow_restrictions else set())
    keys = node.mapping(allowed, required={"users", "length", "handoff"})
    users = tuple(people.resolve(u) for u in keys["users"].items(allow_empty=False))
    length = keys["length"].duration(None)
    assert length is not None
    handoff = _local_datetime(keys["handoff"])
    restrictions = tuple(_restriction(r) for r in keys["restrictions"].items()) if allow_restrictions else ()
    return Rotation(users, length, handoff, restrictions, keys["name"].string("") or "")


def _local_datetime(node: Node) -> dt.datetime:
    value = node.value
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = node.required_string()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise node.error(f"{text!r} is not a local date and time; write it like 2026-01-05T09:00") from None
    if moment.tzinfo is not None:
        raise node.error("give a local time without an offset; the schedule's timezone applies")
    return moment


def _time(node: Node) -> dt.time:
    text = node.required_string()
    if text in ("24:00", "24:00:00"):
        return dt.time(0, 0)
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise node.error(f"{text!r} is not a time of day; write it like 09:00") from None


def _restriction(node: Node) -> Restriction:
    keys = node.mapping({"days", "start", "end"}, required={"start", "end"})
    days: set[int] = set()
    for day in (keys["days"].string_list() if not keys["days"].is_missing else ("everyday",)):
        key = day.lower()[:3] if day.lower() not in DAY_GROUPS else day.lower()
        if key in DAY_GROUPS:
            days.update(DAY_GROUPS[key])
        elif key in DAYS:
            days.add(DAYS[key])
        else:
            raise keys["days"].error(f"{day!r} is not a day; use mon..sun, weekdays, weekends or everyday")
    return Restriction(frozenset(days), _time(keys["start"]), _time(keys["end"]))


def parse_policies(node: Node, people: People, schedules: tuple[Schedule, ...]) -> tuple[EscalationPolicy, ...]:
    names = {s.name.lower(): s.name for s in schedules}
    policies: list[EscalationPolicy] = []
    for item in node.items():
        keys = item.mapping({"name", "levels", "repeat"}, required={"name", "levels"})
        name = keys["name"].required_string(max_len=80)
        if any(p.name.lower() == name.lower() for p in policies):
            raise keys["name"].error(f"{name!r} is listed twice")
        levels = []
        for level in keys["levels"].items(allow_empty=False):
            level_keys = level.mapping({"notify", "timeout"}, required={"notify"})
            targets = tuple(_target(t, people, names) for t in level_keys["notify"].items(allow_empty=False))
            levels.append(Level(targets, level_keys["timeout"].duration(DEFAULT_LEVEL_TIMEOUT)))
        policies.append(EscalationPolicy(name, tuple(levels), keys["repeat"].integer(0, minimum=0, maximum=9)))
    return tuple(policies)


def _target(node: Node, people: People, schedules: dict[str, str]) -> str:
    text = node.required_string()
    kind, _, ref = text.partition(":")
    if kind == "user" and ref:
        return "user:" + people.resolve(Node(ref, node.path, node.file))
    if kind == "schedule" and ref:
        if ref.lower() not in schedules:
            raise node.error(f"schedule {ref!r} is not defined; schedules: {', '.join(schedules.values()) or 'none'}")
        return "schedule:" + schedules[ref.lower()]
    if kind == "usergroup" and _GROUP_ID.match(ref):
        return "usergroup:" + ref
    raise node.error(f"{text!r} is not a target; write user:<id or name>, schedule:<name> or usergroup:<S…>")


def parse_alert_sources(node: Node, policies: tuple[EscalationPolicy, ...],
                        environ: Mapping[str, str] | None = None, timezone: str = "UTC") -> tuple[AlertSource, ...]:
    env = os.environ if environ is None else environ
    policy_names = {p.name.lower(): p.name for p in policies}
    sources: list[AlertSource] = []
    for item in node.items():
        keys = item.mapping({"name", "type", "escalation_policy", "escalation_policies", "priority", "channel",
                             "channels", "key_env", "limits", "period", "maintenance"}, required={"name", "type"})
        name = keys["name"].required_string()
        if not _SOURCE_NAME.match(name):
            raise keys["name"].error(f"{name!r} must be lowercase letters, digits, - or _ (it is part of a URL)")
        if any(s.name == name for s in sources):
            raise keys["name"].error(f"{name!r} is listed twice")
        kind = keys["type"].choice(SOURCE_TYPES)
        assert kind is not None
        chosen: list[str] = []
        for policy_node in ([keys["escalation_policy"]] if not keys["escalation_policy"].is_missing else []) + \
                list(keys["escalation_policies"].items()):
            policy = policy_node.required_string()
            if policy.lower() not in policy_names:
                raise policy_node.error(f"escalation policy {policy!r} is not defined; policies: "
                                        f"{', '.join(policy_names.values()) or 'none'}")
            chosen.append(policy_names[policy.lower()])
        if not chosen:
            raise item.error("needs escalation_policy (or escalation_policies for type slack)")
        if kind != "slack" and len(chosen) > 1:
            raise keys["escalation_policies"].error("only a slack source may offer several policies")
        channels = tuple(c.lstrip("#") for c in keys["channels"].string_list()) if not keys["channels"].is_missing else ()
        if kind == "slack" and not channels:
            raise keys["channels"].error("a slack source needs channels: where people may raise alerts")
        if kind != "slack" and channels:
            raise keys["channels"].error("only a slack source takes channels; use channel for where alerts go")
        key_env = None
        if kind != "slack":
            key_env = secret_env(keys["key_env"], env, needed_by="a webhook source", secret="the source's secret key")
        elif not keys["key_env"].is_missing:
            raise keys["key_env"].error("a slack source takes no key")
        sources.append(AlertSource(name, kind, tuple(chosen), keys["priority"].choice(PRIORITIES, "high") or "high",
                                   (keys["channel"].string(None) or "").lstrip("#") or None, channels, key_env,
                                   _source_limits(keys["limits"], kind), routine.parse_period(keys["period"], kind),
                                   routine.parse_maintenance(keys["maintenance"], timezone, _restriction)))
    return tuple(sources)


def secret_env(node: Node, environ: Mapping[str, str], *, needed_by: str, secret: str, key: str = "key_env") -> str:
    """The name of the environment variable that holds a secret (``key_env``), which must be set: secrets
    live in the environment, never in warroom.yml (it gets committed). Webhook sources, API keys, outbound
    webhooks (``key``: how the key naming it is called there)."""
    name = node.string(None)
    if name is None:
        raise node.error(f"{needed_by} needs {key}: the environment variable with its key")
    if not _ENV_NAME.match(name):
        raise node.error(f"{name!r} is not an environment variable name")
    if not environ.get(name):
        raise node.error(f"environment variable {name} is not set; set it to {secret}")
    return name


def _source_limits(node: Node, kind: str) -> SourceLimits:
    if kind == "slack" and not node.is_missing:
        raise node.error("a slack source takes no limits; they are for webhook sources")
    keys = node.mapping({"alerts_per_second", "burst", "open_alerts"})
    default = SourceLimits()
    return SourceLimits(
        alerts_per_second=keys["alerts_per_second"].integer(default.alerts_per_second, minimum=1, maximum=100_000),
        burst=keys["burst"].integer(default.burst, minimum=1, maximum=1_000_000),
        open_alerts=keys["open_alerts"].integer(default.open_alerts, minimum=1, maximum=1_000_000),
    )


def parse_http(node: Node) -> HttpSettings:
    keys = node.mapping({"listen"})
    listen = keys["listen"].string("127.0.0.1:8080")
    assert listen is not None
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise keys["listen"].error(f"{listen!r} is not host:port, like 127.0.0.1:8080 or 0.0.0.0:8080")
    return HttpSettings(host.strip("[]"), int(port))
