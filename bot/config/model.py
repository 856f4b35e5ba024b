"""What warroom.yml means once it has been checked: plain frozen dataclasses, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config.ai import AiSettings
from bot.config.api_keys import ApiKey
from bot.config.incident_types import IncidentType
from bot.config.notify import NotifySettings
from bot.config.oncall import HttpSettings, Person
from bot.config.status_page import StatusPageSettings
from bot.config.routine import Routine
from bot.config.web import WebSettings
from kernel.alerts import AlertSource
from kernel.paging import EscalationPolicy
from kernel.schedules import Schedule

_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
DEFAULT_ROLES = ("commander", "communications lead", "scribe", "subject matter expert")


@dataclass(frozen=True)
class Severity:
    name: str                     # as shown: "SEV1"
    description: str
    pulse: timedelta | None       # None: no status pulses for this severity

    @property
    def key(self) -> str:
        """How people type it: ``sev1``."""
        return self.name.lower()


DEFAULT_SEVERITIES = (
    Severity("SEV1", "Critical: a core service is down or data is at risk for many customers.", timedelta(minutes=15)),
    Severity("SEV2", "Major: a key feature is broken or badly degraded for many customers.", timedelta(minutes=30)),
    Severity("SEV3", "Minor: limited impact, a workaround exists, or few customers are affected.", timedelta(hours=1)),
    Severity("SEV4", "Low: no customer impact yet; worth tracking as an incident.", None),
)


@dataclass(frozen=True)
class Channels:
    """Channels by name (``incidents``) or ID (``C0123``); names are resolved at start."""

    announcements: str = "incidents"
    alerts: str = "alerts"
    comms: str | None = None
    postmortems: str | None = None


@dataclass(frozen=True)
class IncidentSettings:
    channel_name: str = "incident-{date}-{slug}"
    roles: tuple[str, ...] = DEFAULT_ROLES
    responders: tuple[str, ...] = ()          # Slack user IDs invited to every incident
    default_severity: str = "sev3"
    page_on_declare: str | None = None        # a schedule or escalation policy paged for incidents without a type


@dataclass(frozen=True)
class Config:
    source: str = "(built-in defaults)"
    timezone: str = "UTC"
    channels: Channels = field(default_factory=Channels)
    incident: IncidentSettings = field(default_factory=IncidentSettings)
    severities: tuple[Severity, ...] = DEFAULT_SEVERITIES
    incident_managers: str | None = None      # Slack user group ID whose members may run any incident
    oncall_managers: str | None = None        # Slack user group ID whose members may put anyone on call
    who_may_answer_alerts: str = "users"      # users: listed users and whoever was paged | anyone
    templates: str | None = None              # folder whose .j2 files override the built-in ones
    users: tuple[Person, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    escalation_policies: tuple[EscalationPolicy, ...] = ()
    alert_sources: tuple[AlertSource, ...] = ()
    http: HttpSettings = field(default_factory=HttpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    status_page: StatusPageSettings = field(default_factory=StatusPageSettings)
    api_keys: tuple[ApiKey, ...] = ()         # who may call /api/v1/, each acting as one person
    routine: Routine = field(default_factory=Routine)   # handoff channels, user groups
    notify: NotifySettings = field(default_factory=NotifySettings)
    ai: AiSettings = field(default_factory=AiSettings)   # optional AI drafts; off by default
    incident_types: tuple[IncidentType, ...] = ()   # response plans: /incident declare --type <name>

    def incident_type(self, name: str) -> IncidentType | None:
        return next((t for t in self.incident_types if t.name == name.strip().lower()), None)

    def severity(self, key: str) -> Severity | None:
        wanted = key.strip().lower()
        return next((s for s in self.severities if s.key == wanted), None)

    @property
    def severity_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.severities)

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name.lower() == name.strip().lower()), None)

    def policy(self, name: str) -> EscalationPolicy | None:
        return next((p for p in self.escalation_policies if p.name.lower() == name.strip().lower()), None)

    def alert_source(self, name: str) -> AlertSource | None:
        return next((a for a in self.alert_sources if a.name == name), None)

    def person(self, slack_id: str) -> Person | None:
        return next((p for p in self.users if p.slack_id == slack_id), None)

    def user_ref(self, ref: str) -> str | None:
        """The Slack user ID someone means: a name listed under users (``alice``, ``@alice``) or a
        Slack user ID (``U012ABCDEF``); None when it is neither."""
        wanted = ref.strip().lstrip("@")
        named = next((p.slack_id for p in self.users if p.name.lower() == wanted.lower()), None)
        return named or (wanted if _SLACK_USER_ID.match(wanted) else None)
