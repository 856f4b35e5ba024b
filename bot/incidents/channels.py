"""The incident's channel as the domain sees it: which name it gets, and what the chat adapter
reports back (created, a name taken by someone else, people who could not be invited, a failure).

Names are chosen when the incident is recorded, from every name warroom has already given, so
incidents with the same title declared together get distinct names at once; a name Slack says is
taken (a person's channel, an archived one) moves the incident to the next free suffix, recorded,
so a retry carries on from there.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.effects.replies import ReplyTo
from bot.incidents import naming
from bot.incidents.pulses import Pulses
from bot.logs import get_logger
from bot.work import Work
from kernel.incidents import Incident
from storage.incidents import IncidentStore

log = get_logger("warroom.incidents")

MAX_SUFFIX = 99         # incident-…-checkout-errors-99 is surely not a name clash any more


class IncidentChannels:
    def __init__(self, store: IncidentStore, effects: Effects, pulses: Pulses, work: Work, clock: Clock,
                 config: Config) -> None:
        self.store = store
        self.effects = effects
        self.pulses = pulses
        self.work = work
        self.clock = clock
        self.config = config

    def name_for(self, incident_id: int, *, title: str, severity: str, at: float, template: str | None = None) -> str:
        """A Slack-valid name from ``template`` (an incident type's) or the configured one, free among the
        names warroom has given."""
        base = self._base(incident_id, title, severity, at, template)
        return self._free(base, first_attempt=1) or naming.with_suffix(base, incident_id + MAX_SUFFIX)

    def _base(self, incident_id: int, title: str, severity: str, at: float, template: str | None) -> str:
        local = datetime.fromtimestamp(at, tz=timezone.utc).astimezone(ZoneInfo(self.config.timezone))
        return naming.channel_name(template or self.config.incident.channel_name, title=title, number=incident_id,
                                   severity=severity, when=local)

    def _template(self, incident: Incident) -> str | None:
        plan = self.config.incident_type(incident.incident_type) if incident.incident_type else None
        return plan.channel_name if plan else None

    def _free(self, base: str, *, first_attempt: int) -> str | None:
        taken = self.store.channel_names_starting(naming.name_prefix(base))
        for attempt in range(first_attempt, MAX_SUFFIX + 1):
            name = naming.with_suffix(base, attempt)
            if name not in taken:
                return name
        return None

    # what the chat adapter reports -------------------------------------------------------------
    def name_taken(self, incident_id: int, name: str) -> str | None:
        """Slack refused ``name`` (taken outside warroom): record and return the next free name, or None
        when every suffix is used up."""
        incident = self.store.get(incident_id)
        if incident is None or incident.channel_id:
            return None
        # the base comes from the incident itself: a title that ends in "-2" is not a suffix
        base = self._base(incident.id, incident.title, incident.severity, incident.declared_at, self._template(incident))
        attempt = next((n for n in range(1, MAX_SUFFIX + 1) if naming.with_suffix(base, n) == name), 0)
        with self.work():
            chosen = self._free(base, first_attempt=attempt + 1)
            if chosen is not None:
                self.store.update(incident_id, channel_name=chosen)
        return chosen

    def created(self, incident_id: int, channel_id: str, name: str) -> None:
        with self.work():
            self.store.update(incident_id, channel_id=channel_id, channel_name=name)

    def bookmarked(self, link_id: int, bookmark_id: str) -> None:
        with self.work():
            self.store.set_bookmark(link_id, bookmark_id)

    def invites_failed(self, incident_id: int, problems: dict[str, str]) -> None:
        """People who could not be brought in: the channel hears who and why, so someone acts."""
        now = self.clock.time()
        with self.work():
            self.store.add_event(incident_id, at=now, actor=None, kind="invite_failed", data={"problems": problems})
            self.effects.post(f"incident:{incident_id}", "incident.invite_failed",
                              {"incident": incident_id, "problems": problems})

    def setup_failed(self, incident_id: int, reason: str) -> None:
        """The channel cannot be created (the app may not create channels...): the declarer must hear it."""
        incident = self.store.get(incident_id)
        if incident is None:
            return
        with self.work():
            self.pulses.stop(incident.id)  # no channel to remind in
            self.store.add_event(incident.id, at=self.clock.time(), actor=None, kind="setup_failed",
                                 data={"reason": reason}, is_key=True)
            self.effects.reply(ReplyTo(incident.declared_by, incident.declared_in), "incident.setup_failed",
                               {"incident": incident.id, "reason": reason})
        log.error("incident.setup_failed", incident=incident.id, reason=reason)
