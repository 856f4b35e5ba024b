"""Read warroom.yml into a :class:`Config`, refusing anything wrong with file, key and reason."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.config import oncall
from bot.config.ai import parse_ai
from bot.config.api_keys import parse_api_keys
from bot.config.incident_types import check_channel_template, page_ref, parse_incident_types
from bot.config.model import (
    DEFAULT_SEVERITIES,
    Channels,
    Config,
    IncidentSettings,
    Severity,
)
from bot.config.notify import check_contacts, parse_notify
from bot.config.reader import ConfigError, Node
from bot.config.status_page import parse_status_page
from bot.config.tracker import parse_tracker
from bot.config.routine import parse_routine
from bot.config.web import parse_web
from bot.config.webhooks import parse_webhooks
from kernel.paging import EscalationPolicy
from kernel.schedules import Schedule

_CHANNEL_REF = re.compile(r"^(#?[a-z0-9_-]{1,80}|[CG][A-Z0-9]{6,})$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")

TOP_LEVEL_KEYS = {
    "timezone", "channels", "incident", "severities", "incident_managers", "templates",
    "users", "schedules", "escalation_policies", "alert_sources", "http", "oncall_managers",
    "who_may_answer_alerts", "web", "status_page", "api_keys", "oncall_usergroup", "notify",
    "webhooks",
    "incident_types", "ai", "tracker",
}
ALERT_ANSWERERS = ("users", "anyone")


def load_config(path: str | Path | None) -> Config:
    """Load and check the config file; ``None`` means no file: every default applies."""
    if path is None:
        return Config()
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "(file)", "does not exist; fix WARROOM_CONFIG or create the file") from None
    except OSError as exc:
        raise ConfigError(file, "(file)", f"cannot be read: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise ConfigError(file, where, f"is not valid YAML: {problem}") from None
    return parse_config(raw, file)


def parse_config(raw: object, file: str, environ: Mapping[str, str] | None = None) -> Config:
    root = Node(raw, "", file)
    top = root.mapping(TOP_LEVEL_KEYS)
    timezone = _timezone(top["timezone"], "UTC")
    users = oncall.parse_users(top["users"])
    people = oncall.People(users)
    schedules = oncall.parse_schedules(top["schedules"], people, timezone)
    policies = oncall.parse_policies(top["escalation_policies"], people, schedules)
    severities = _severities(top["severities"])
    incident = _incident(top["incident"], schedules, policies)
    if not incident.default_severity:
        # unset: the third severity (SEV3 of the defaults), or the mildest when there are fewer
        incident = replace(incident, default_severity=severities[min(2, len(severities) - 1)].key)
    config = Config(
        source=file,
        timezone=timezone,
        channels=_channels(top["channels"]),
        incident=incident,
        severities=severities,
        incident_managers=_group_id(top["incident_managers"]),
        oncall_managers=_group_id(top["oncall_managers"]),
        who_may_answer_alerts=top["who_may_answer_alerts"].choice(ALERT_ANSWERERS, "users") or "users",
        templates=_templates(top["templates"], file),
        users=users,
        schedules=schedules,
        escalation_policies=policies,
        alert_sources=oncall.parse_alert_sources(top["alert_sources"], policies, environ, timezone),
        routine=parse_routine(top["schedules"], top["oncall_usergroup"], schedules),
        http=oncall.parse_http(top["http"]),
        web=parse_web(top["web"]),
        status_page=parse_status_page(top["status_page"]),
        api_keys=parse_api_keys(top["api_keys"], people, environ),
        notify=parse_notify(top["notify"], os.environ if environ is None else environ),
        webhooks=parse_webhooks(top["webhooks"], os.environ if environ is None else environ),
        tracker=parse_tracker(top["tracker"], os.environ if environ is None else environ, people),
        incident_types=parse_incident_types(top["incident_types"], people=people, severity_keys=tuple(
            s.key for s in severities), roles=incident.roles, schedules=schedules, policies=policies),
        ai=parse_ai(top["ai"], os.environ if environ is None else environ),
    )
    check_cross_references(config, file)
    check_contacts(config.users, config.notify, os.environ if environ is None else environ, file)
    return config


def _timezone(node: Node, default: str) -> str:
    name = node.string(default)
    assert name is not None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):   # OSError: "America" is a folder of zones
        raise node.error(f"{name!r} is not a time zone; use an IANA name like Europe/London or UTC") from None
    return name


def _channel_ref(node: Node, default: str | None) -> str | None:
    ref = node.string(default)
    if ref is None:
        return None
    if not _CHANNEL_REF.match(ref):
        raise node.error(
            f"{ref!r} is not a channel; give a channel name (lowercase letters, digits, - and _) or an ID like C0123ABCD"
        )
    return ref.lstrip("#")


def _channels(node: Node) -> Channels:
    keys = node.mapping({"announcements", "alerts", "comms", "postmortems"})
    defaults = Channels()
    return Channels(
        announcements=_channel_ref(keys["announcements"], defaults.announcements),
        alerts=_channel_ref(keys["alerts"], defaults.alerts),
        comms=_channel_ref(keys["comms"], None),
        postmortems=_channel_ref(keys["postmortems"], None),
    )


def _incident(node: Node, schedules: tuple[Schedule, ...], policies: tuple[EscalationPolicy, ...]) -> IncidentSettings:
    keys = node.mapping({"channel_name", "roles", "responders", "default_severity", "page_on_declare"})
    defaults = IncidentSettings()
    template = keys["channel_name"].string(defaults.channel_name)
    assert template is not None
    check_channel_template(keys["channel_name"], template)
    roles = defaults.roles
    if not keys["roles"].is_missing:
        roles = tuple(r.lower() for r in keys["roles"].string_list())
        if not roles:
            raise keys["roles"].error("must name at least one role")
        if len(set(roles)) != len(roles):
            raise keys["roles"].error("names a role twice")
        if "commander" not in roles:
            roles = ("commander", *roles)   # every incident has a commander; keep it first
    responders = tuple(_user_id(item) for item in keys["responders"].items())
    default_sev = keys["default_severity"].string(None)
    return IncidentSettings(template, roles, responders, default_sev.lower() if default_sev else "",
                            page_ref(keys["page_on_declare"], schedules, policies))


def _severities(node: Node) -> tuple[Severity, ...]:
    if node.is_missing:
        return DEFAULT_SEVERITIES
    result: list[Severity] = []
    for item in node.items(allow_empty=False):
        keys = item.mapping({"name", "description", "pulse"}, required={"name"})
        name = keys["name"].required_string(max_len=20)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise keys["name"].error(f"{name!r} must be one word of letters, digits, - or _ (like SEV1)")
        if any(s.key == name.lower() for s in result):
            raise keys["name"].error(f"{name!r} is listed twice")
        description = keys["description"].string("", max_len=300) or ""
        pulse = keys["pulse"].duration(None, allow_off=True)
        result.append(Severity(name, description, pulse))
    return tuple(result)


def _user_id(node: Node) -> str:
    value = node.required_string()
    if not _USER_ID.match(value):
        raise node.error(f"{value!r} is not a Slack user ID (like U0123ABCD)")
    return value


def _group_id(node: Node) -> str | None:
    value = node.string(None)
    if value is not None and not _GROUP_ID.match(value):
        raise node.error(f"{value!r} is not a Slack user group ID (like S0123ABCD)")
    return value


def _templates(node: Node, file: str) -> str | None:
    folder = node.string(None)
    if folder is None:
        return None
    path = Path(folder)
    if not path.is_absolute():
        path = Path(file).parent / path  # relative to the config file, as people expect
    if not path.is_dir():
        raise node.error(f"{folder!r} is not a folder")
    return str(path)


def check_cross_references(config: Config, file: str) -> None:
    """Rules that span sections."""
    if config.severity(config.incident.default_severity) is None:
        raise ConfigError(
            file, "incident.default_severity",
            f"{config.incident.default_severity!r} is not one of the severities: {', '.join(config.severity_keys)}",
        )
