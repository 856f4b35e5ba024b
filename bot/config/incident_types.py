"""The ``incident_types:`` section of warroom.yml: response plans, and what a page on declare may name.

    incident_types:
      - name: security                  # /incident declare --type security <title>
        description: Suspected breach, leaked secret or vulnerability
        severity: sev2                  # unless the declare names one
        responders: [alice, U0123ABCD, S0SECTEAM]   # people (name or ID) and user groups, invited
        page: security-oncall           # a schedule or an escalation policy, paged on declare
        roles:
          - scribe                      # shown as still to fill
          - {role: communications lead, user: bob}
          - {role: subject matter expert, schedule: security-oncall}   # whoever is on call then
        checklist: [Rotate exposed credentials, Tell legal]
        runbooks:
          - {title: Security runbook, url: "https://wiki.example.com/security"}
        channel_name: sec-{date}-{slug}
        private: true

The channel name template rules live here too, since incident.channel_name follows the same ones.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.config.oncall import People
from bot.config.reader import ConfigError, Node
from kernel.paging import EscalationPolicy
from kernel.schedules import Schedule

CHANNEL_NAME_FIELDS = {"date", "slug", "number", "severity"}
_TYPE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
MAX_TYPES = 100             # Slack's most options in a static select: the declare form's Type select
MAX_CHECKLIST = 40          # one section per item, within the 50 blocks of a message
MAX_ITEM = 200
MAX_RUNBOOK_TITLE = 150     # the record's link titles
MAX_URL = 3000              # Slack's link limit


@dataclass(frozen=True)
class RoleToFill:
    role: str
    user: str | None = None          # a Slack user ID
    schedule: str | None = None      # or whoever is on call in this schedule at declare


@dataclass(frozen=True)
class Runbook:
    title: str
    url: str


@dataclass(frozen=True)
class IncidentType:
    name: str                                  # lowercase; what --type takes
    description: str = ""
    severity: str | None = None                # a severity key (sev2); None: incident.default_severity
    responders: tuple[str, ...] = ()           # Slack user IDs
    groups: tuple[str, ...] = ()               # Slack user group IDs, their members invited
    page: str | None = None                    # a schedule or escalation policy name
    roles: tuple[RoleToFill, ...] = ()
    checklist: tuple[str, ...] = ()
    runbooks: tuple[Runbook, ...] = ()
    channel_name: str | None = None            # None: incident.channel_name
    private: bool = False


def parse_incident_types(node: Node, *, people: People, severity_keys: tuple[str, ...], roles: tuple[str, ...],
                         schedules: tuple[Schedule, ...], policies: tuple[EscalationPolicy, ...]
                         ) -> tuple[IncidentType, ...]:
    types: list[IncidentType] = []
    if isinstance(node.value, list) and len(node.value) > MAX_TYPES:
        # the form would offer only the first 100, and a --type of a later one would open it unchosen
        raise node.error(f"lists {len(node.value)} types; at most {MAX_TYPES} fit in the declare form's "
                         "Type select (Slack's limit for a select's options)")
    for item in node.items():
        keys = item.mapping({"name", "description", "severity", "responders", "page", "roles", "checklist",
                             "runbooks", "channel_name", "private"}, required={"name"})
        name = keys["name"].required_string().lower()
        if not _TYPE_NAME.match(name):
            raise keys["name"].error(f"{name!r} must be one word of lowercase letters, digits, - or _ "
                                     "(people type it: /incident declare --type security ...)")
        if any(t.name == name for t in types):
            raise keys["name"].error(f"{name!r} is listed twice")
        severity = keys["severity"].string(None)
        if severity is not None and severity.lower() not in severity_keys:
            raise keys["severity"].error(f"{severity!r} is not one of the severities: {', '.join(severity_keys)}")
        people_ids, groups = _responders(keys["responders"], people)
        template = keys["channel_name"].string(None)
        if template is not None:
            check_channel_template(keys["channel_name"], template)
        types.append(IncidentType(
            name=name, description=keys["description"].string("", max_len=300) or "",
            severity=severity.lower() if severity else None, responders=people_ids, groups=groups,
            page=page_ref(keys["page"], schedules, policies),
            roles=_roles(keys["roles"], people, roles, schedules),
            checklist=_checklist(keys["checklist"]),
            runbooks=tuple(_runbook(r) for r in keys["runbooks"].items()),
            channel_name=template, private=keys["private"].boolean(False)))
    return tuple(types)


def page_ref(node: Node, schedules: tuple[Schedule, ...], policies: tuple[EscalationPolicy, ...]) -> str | None:
    """The name of a schedule or an escalation policy, as configured; checked now, so a page on declare
    never finds out at 3 a.m. that its target was misspelt."""
    wanted = node.string(None)
    if wanted is None:
        return None
    found = next((s.name for s in schedules if s.name.lower() == wanted.lower()), None) or \
        next((p.name for p in policies if p.name.lower() == wanted.lower()), None)
    if found is None:
        known = ", ".join([s.name for s in schedules] + [p.name for p in policies]) or "none are configured"
        raise node.error(f"{wanted!r} is not a schedule or an escalation policy; known: {known}")
    return found


def check_channel_template(node: Node, template: str) -> None:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise node.error(f"is not a valid template: {exc}") from None
    unknown = fields - CHANNEL_NAME_FIELDS
    if unknown:
        raise node.error(
            f"uses unknown field {{{sorted(unknown)[0]}}}; available: "
            + ", ".join("{" + f + "}" for f in sorted(CHANNEL_NAME_FIELDS))
        )
    if not fields & {"slug", "number"}:
        raise node.error("must contain {slug} or {number} so incidents get distinct channels")


def _responders(node: Node, people: People) -> tuple[tuple[str, ...], tuple[str, ...]]:
    users: list[str] = []
    groups: list[str] = []
    for item in node.items():
        ref = item.required_string()
        if _GROUP_ID.match(ref):
            groups.append(ref)
            continue
        try:
            users.append(people.resolve(item))
        except ConfigError as exc:   # a group by its handle, say: say how groups are named here
            raise item.error(f"{exc.reason}; a user group is named by its ID, like S0123ABCD "
                             "(the handle does not work here)") from None
    return tuple(dict.fromkeys(users)), tuple(dict.fromkeys(groups))


def _roles(node: Node, people: People, roles: tuple[str, ...], schedules: tuple[Schedule, ...]
           ) -> tuple[RoleToFill, ...]:
    filled: list[RoleToFill] = []
    for item in node.items():
        fill = _role(item, people, roles, schedules)
        if any(f.role == fill.role for f in filled):   # one would silently win over the other
            raise item.error(f"{fill.role!r} is listed twice; a role has one holder")
        filled.append(fill)
    return tuple(filled)


def _role(node: Node, people: People, roles: tuple[str, ...], schedules: tuple[Schedule, ...]) -> RoleToFill:
    if isinstance(node.value, dict):
        keys = node.mapping({"role", "user", "schedule"}, required={"role"})
        role_node, user_node, schedule_node = keys["role"], keys["user"], keys["schedule"]
    else:
        role_node, user_node, schedule_node = node, node.child("user", None), node.child("schedule", None)
    role = " ".join(role_node.required_string().lower().split())
    if role not in roles:
        raise role_node.error(f"{role!r} is not one of the roles (incident.roles): {', '.join(roles)}")
    if not user_node.is_missing and not schedule_node.is_missing:
        raise node.error("give user or schedule, not both")
    user = people.resolve(user_node) if not user_node.is_missing else None
    schedule = None
    if not schedule_node.is_missing:
        wanted = schedule_node.required_string()
        schedule = next((s.name for s in schedules if s.name.lower() == wanted.lower()), None)
        if schedule is None:
            raise schedule_node.error(f"{wanted!r} is not one of the schedules: "
                                      f"{', '.join(s.name for s in schedules) or 'none are configured'}")
    return RoleToFill(role, user, schedule)


def _checklist(node: Node) -> tuple[str, ...]:
    items = tuple(item.required_string(max_len=MAX_ITEM) for item in node.items())
    if len(items) > MAX_CHECKLIST:
        raise node.error(f"lists {len(items)} items; at most {MAX_CHECKLIST} fit in one Slack message")
    return items


def _runbook(node: Node) -> Runbook:
    keys = node.mapping({"title", "url"}, required={"url"})
    url = keys["url"].required_string(max_len=MAX_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise keys["url"].error(f"{url!r} is not a web link; write it like https://wiki.example.com/runbook")
    return Runbook(keys["title"].string(None, max_len=MAX_RUNBOOK_TITLE) or url, url)
