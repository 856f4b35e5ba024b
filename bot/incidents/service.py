"""The incident lifecycle: every change is one transaction of state + timeline + effects.

Callers (Slack listeners, the alert flow, timers) hand in plain values; nothing here knows Slack.
"""

from __future__ import annotations

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config, Severity
from bot.effects.outbox import Effects
from bot.effects.replies import ReplyTo
from bot.incidents.channels import IncidentChannels
from bot.incidents.model import MAX_TEXT, MAX_TITLE, DeclareRequest, IncidentError
from bot.incidents.plans import ResponsePlans, page_incident
from bot.incidents.pulses import Pulses
from bot.incidents.rules import CHANGE_SEVERITY, RESOLVE, require_responder
from bot.incidents.text import clean_text, unique
from bot.logs import get_logger
from bot.paging.targets import PageTargets
from bot.work import Work
from kernel.incidents import Incident, IncidentQuery, Status
from storage.incidents import IncidentStore

log = get_logger("warroom.incidents")

SURFACES = ("topic", "status", "announcement")
RETRY_WINDOW = 120.0          # a declare repeated within this is the person's retry, not a new incident
DECLARES_PER_MINUTE = 5       # per person: a loop or a stuck key must not open fifty channels


class IncidentService:
    def __init__(self, store: IncidentStore, effects: Effects, pulses: Pulses, channels: IncidentChannels,
                 work: Work, clock: Clock, config: Config, paging=None) -> None:
        self.paging = paging  # bot.paging.service.Paging; optional so the lifecycle works without it
        # called inside the declare transaction: (incident_id, request, now); alerts link themselves here
        self.declare_hooks: list = []
        # called inside the resolve transaction: (incident, actor, now); the status page says it is over
        self.resolve_hooks: list = []
        self.status_page = None  # bot.incidents.status_page.StatusPage; set by build_domain
        self.plans: ResponsePlans | None = None   # incident_types: set by build_domain
        self.postmortems = None  # bot.postmortems.service.Postmortems; set by build_domain
        self.store = store
        self.effects = effects
        self.pulses = pulses
        self.channels = channels
        self.work = work
        self.clock = clock
        self.config = config

    # reading ---------------------------------------------------------------------------------
    def get(self, incident_id: int) -> Incident:
        incident = self.store.get(incident_id)
        if incident is None:
            raise IncidentError("no_such_incident", number=incident_id)
        return incident

    def can_see(self, incident: Incident, actor: Actor) -> bool:
        """Anyone sees a public incident; a private one only the people in it and incident managers."""
        return not incident.is_private or actor.is_manager or self.store.involves(incident.id, actor.user)

    def visible(self, actor: Actor, limit: int = 40) -> list[Incident]:
        """The open incidents ``actor`` may see, newest first."""
        return self.find_visible(actor, limit=limit)

    def find_visible(self, actor: Actor, *, state: str = "open", severity: str | None = None,
                     before: int | None = None, limit: int = 50) -> list[Incident]:
        """Newest first, only what ``actor`` may see (see :meth:`can_see`); ``severity`` as people type it."""
        name = self.severity(severity).name if severity else None
        found: list[Incident] = []
        while len(found) < limit:
            batch = self.store.find(state=state, severity=name, before=before, limit=limit * 2)
            found += [i for i in batch if self.can_see(i, actor)]
            if len(batch) < limit * 2:
                break
            before = batch[-1].id
        return found[:limit]

    def search(self, actor: Actor, query: IncidentQuery) -> tuple[list[Incident], int]:
        """A page of the incidents ``actor`` may see that match ``query``, and how many match in all: a
        private incident they may not see is neither listed nor counted (can_see, in SQL)."""
        return self.store.search(query, visible_to=None if actor.is_manager else actor.user)

    def get_for(self, incident_id: int, actor: Actor) -> Incident:
        incident = self.get(incident_id)
        if not self.can_see(incident, actor):
            raise IncidentError("no_such_incident", number=incident_id)  # its existence is private too
        return incident

    def in_channel(self, channel_id: str | None) -> Incident | None:
        return self.store.by_channel(channel_id) if channel_id else None

    def severity(self, key: str) -> Severity:
        severity = self.config.severity(key)
        if severity is None:
            raise IncidentError("not_a_severity", field="severity", given=key, options=self.config.severity_keys)
        return severity

    # declaring -------------------------------------------------------------------------------
    def declare(self, request: DeclareRequest) -> Incident:
        """An empty ``request.severity`` means the type's default severity, else incident.default_severity."""
        plan = self.plans.plan(request.incident_type) if self.plans else None
        title = clean_text(request.title, "title", MAX_TITLE)
        severity = self.severity(request.severity or (plan and plan.severity) or self.config.incident.default_severity)
        description = clean_text(request.description, "description", MAX_TEXT, required=False)
        now = self.clock.time()
        commander = request.commander or (self.plans.commander(plan, now) if plan else None) or request.declared_by
        is_private = request.is_private or bool(plan and plan.private)
        with self.work():
            self._refuse_repeats(request.declared_by, title, severity.name, now)
            incident_id = self.store.insert(
                title=title, description=description, severity=severity.name, status=Status.INVESTIGATING,
                commander=commander, declared_by=request.declared_by, declared_at=now,
                declared_in=request.declared_in, is_private=is_private, channel_name="",
                last_update_at=now, source=request.source, updated_at=now, incident_type=plan.name if plan else None,
            )
            name = self.channels.name_for(incident_id, title=title, severity=severity.name, at=now,
                                          template=plan.channel_name if plan else None)
            self.store.update(incident_id, channel_name=name)
            self.store.set_role(incident_id, "commander", commander, by=request.declared_by, at=now)
            self.store.add_event(incident_id, at=now, actor=request.declared_by, kind="declared", text=title,
                                 data={"severity": severity.name, "commander": commander}, is_key=True)
            create = self.effects.do("incident.create_channel", {"incident": incident_id},
                                     lane=f"incident:{incident_id}:channel")
            invitees = unique([request.declared_by, commander, *self.config.incident.responders,
                               *request.responders])
            self.effects.do("incident.invite", {"incident": incident_id, "users": invitees},
                            lane=f"incident:{incident_id}:invite", depends_on=create)
            for surface in self._surfaces_for(is_private):
                self.effects.sync(f"incident:{incident_id}:{surface}", depends_on=create, immediate=True)
            self.effects.reply(request.reply_to, "incident.declared", {"incident": incident_id}, depends_on=create)
            self.pulses.schedule(incident_id, severity, since=now)
            for hook in self.declare_hooks:
                hook(incident_id, request, now)
            if self.plans:
                self.plans.on_declare(incident_id, plan, request, now, after=create)
            stored = self.store.get_later(incident_id)  # answered with the COMMIT
        log.info("incident.declared", incident=incident_id, severity=severity.name, type=plan.name if plan else "-",
                 channel="(private)" if is_private else name)
        return stored()

    def _refuse_repeats(self, user: str, title: str, severity: str, now: float) -> None:
        """A command Slack timed out on is often sent again: the same person, title and severity within
        a couple of minutes is that retry, answered with the incident it already made."""
        recent = self.store.declared_by_since(user, now - max(RETRY_WINDOW, 60.0))
        same = next((i for i in recent if i.title == title and i.severity == severity
                     and i.declared_at >= now - RETRY_WINDOW), None)
        if same is not None:
            raise IncidentError("declared_already", incident=same)
        if sum(1 for i in recent if i.declared_at >= now - 60.0) >= DECLARES_PER_MINUTE:
            raise IncidentError("declaring_too_fast", limit=DECLARES_PER_MINUTE)

    # people ----------------------------------------------------------------------------------
    def join(self, incident: Incident, actor: Actor) -> None:
        """The Join button: public incidents only; a private one is by invitation."""
        if incident.is_private:
            raise IncidentError("private_incident", incident=incident)
        self.add_responders(incident, actor, [actor.user])

    def add_responders(self, incident: Incident, actor: Actor, users: list[str]) -> None:
        """Invite people into the incident channel (the Join button, escalations)."""
        self._require_open(incident)
        with self.work():
            self.effects.do("incident.invite", {"incident": incident.id, "users": users},
                            lane=f"incident:{incident.id}:invite")

    def assign_role(self, incident: Incident, actor: Actor, role: str, user: str) -> Incident:
        require_responder(incident, actor)
        self._require_open(incident)
        role = self.resolve_role(role)
        self.require_commander_or_manager(incident, actor, "change the commander" if role == "commander"
                                          else "assign roles")
        current = self.store.roles(incident.id).get(role)
        if current == user:
            raise IncidentError("same_role", incident=incident, role=role, user=user)
        now = self.clock.time()
        with self.work():
            if role == "commander":
                self.store.update(incident.id, commander=user, updated_at=now)
            self.store.set_role(incident.id, role, user, by=actor.user, at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="role",
                                 data={"role": role, "user": user, "previous": current}, is_key=role == "commander")
            self.effects.do("incident.invite", {"incident": incident.id, "users": [user]},
                            lane=f"incident:{incident.id}:invite")
            self.effects.post(f"incident:{incident.id}", "incident.role_assigned",
                              {"incident": incident.id, "actor": actor.user, "role": role, "user": user,
                               "previous": current})
            self._sync(incident)
            stored = self.store.get_later(incident.id)  # answered with the COMMIT
        return stored()

    def resolve_role(self, text: str) -> str:
        """Match a typed role to a configured one: exact, or a unique prefix ("comms" -> no, "communications" -> yes)."""
        wanted = " ".join(text.lower().split())
        roles = self.config.incident.roles
        if wanted in roles:
            return wanted
        matches = [r for r in roles if r.startswith(wanted) or any(w.startswith(wanted) for w in r.split())]
        if len(matches) == 1 and wanted:
            return matches[0]
        if len(matches) > 1:
            raise IncidentError("ambiguous_role", given=text, matches=matches, roles=roles)
        raise IncidentError("not_a_role", given=text, roles=roles)

    def escalate(self, incident: Incident, actor: Actor, page: PageTargets) -> int:
        """Page people about this incident: the named people, groups and schedules as one level that
        waits for ever, or an escalation policy level by level. Returns the escalation id."""
        require_responder(incident, actor)
        self._require_open(incident)
        if self.paging is None:
            raise IncidentError("paging_unavailable")
        with self.work():
            return page_incident(self.paging, self.store, self.effects, incident.id, actor.user, page,
                                 self.clock.time())

    # updating --------------------------------------------------------------------------------
    def post_update(self, incident: Incident, actor: Actor, *, message: str, status: Status | None = None,
                    to_comms: bool = False, reply_to: ReplyTo | None = None, no_change: bool = False,
                    to_public: bool = False, public_text: str | None = None) -> Incident:
        """``to_public``: also write it on the public status page, as ``public_text`` when the adapter
        has a plainer version of ``message`` for the public (Slack's markup turned into words)."""
        require_responder(incident, actor)
        self._require_open(incident)
        if status == Status.RESOLVED:
            raise IncidentError("resolve_with_command")
        text = clean_text(message, "update", MAX_TEXT, required=status is None and not no_change)
        if to_comms and not self.config.channels.comms:
            raise IncidentError("comms_not_configured")
        public = None
        if to_public:
            if self.status_page is None:
                raise IncidentError("status_page_not_configured")
            public = self.status_page.check_update(incident)
        now = self.clock.time()
        previous = incident.status
        new_status = status or previous
        with self.work():
            self.store.update(incident.id, status=new_status, last_update_at=now, snoozed_until=None, updated_at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="update", text=text,
                                 data={"status": new_status, "previous": previous, "no_change": no_change},
                                 is_key=new_status != previous)
            severity = self._configured_severity(incident)
            pulse = severity.pulse if severity else None
            context = {"incident": incident.id, "author": actor.user, "status": str(new_status),
                       "previous": str(previous), "text": text, "at": now, "no_change": no_change,
                       "minutes": int(pulse.total_seconds() // 60) if pulse else None}
            if public is not None:
                context["public"] = True   # the channel post says it also went on the status page
            self.effects.post(f"incident:{incident.id}", "incident.update", context)
            if to_comms:
                self.effects.post("config:comms", "incident.comms_update", context)
            if public is not None:
                self.status_page.record_update(public, actor, status=str(new_status), at=now,
                                               text=text if public_text is None else public_text)
            self._sync(incident)
            self.pulses.schedule(incident.id, severity, since=now)
            stored = self.store.get_later(incident.id)  # answered with the COMMIT
        return stored()

    def set_severity(self, incident: Incident, actor: Actor, key: str) -> Incident:
        require_responder(incident, actor)
        self._require_open(incident)
        self.require_commander_or_manager(incident, actor, CHANGE_SEVERITY)
        severity = self.severity(key)
        if severity.name == incident.severity:
            raise IncidentError("same_severity", field="severity", incident=incident, severity=severity.name)
        now = self.clock.time()
        with self.work():
            self.store.update(incident.id, severity=severity.name, updated_at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="severity",
                                 data={"from": incident.severity, "to": severity.name}, is_key=True)
            self.effects.post(f"incident:{incident.id}", "incident.severity_changed",
                              {"incident": incident.id, "actor": actor.user, "from": incident.severity,
                               "to": severity.name})
            self._sync(incident)
            self.pulses.schedule(incident.id, severity, since=incident.last_update_at)
            stored = self.store.get_later(incident.id)  # answered with the COMMIT
        return stored()

    def no_change(self, incident: Incident, actor: Actor, *, reminded_at: float) -> Incident:
        """The reminder's "No change" button: an update saying nothing changed. Once anyone has posted
        an update since that reminder, a (second) click changes nothing."""
        if incident.last_update_at >= reminded_at:
            raise IncidentError("already_updated", incident=incident)
        return self.post_update(incident, actor, message="", no_change=True)

    def snooze_pulse(self, incident: Incident, actor: Actor, seconds: float) -> float:
        """Quiet the reminders for a while; returns when they resume."""
        require_responder(incident, actor)
        self._require_open(incident)
        self.require_commander_or_manager(incident, actor, "snooze the reminders")
        now = self.clock.time()
        until = now + seconds
        with self.work():
            self.store.update(incident.id, snoozed_until=until, updated_at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="snooze", data={"until": until})
            self.pulses.remind_at(incident.id, until)
        return until

    # resolving and reopening -----------------------------------------------------------------
    def resolve(self, incident: Incident, actor: Actor, *, summary: str, root_cause: str = "",
                mitigation: str = "") -> Incident:
        require_responder(incident, actor)
        self._require_open(incident)
        self.require_commander_or_manager(incident, actor, RESOLVE)
        summary_text = clean_text(summary, "summary", MAX_TEXT)
        cause = clean_text(root_cause, "root cause", MAX_TEXT, required=False)
        fix = clean_text(mitigation, "mitigation", MAX_TEXT, required=False)
        now = self.clock.time()
        with self.work():
            self.store.update(incident.id, status=Status.RESOLVED, resolved_at=now, summary=summary_text,
                              root_cause=cause or None, mitigation=fix or None, last_update_at=now, updated_at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="resolved", text=summary_text,
                                 data={"root_cause": cause, "mitigation": fix, "status": str(incident.status)},
                                 is_key=True)
            self.pulses.stop(incident.id)
            for hook in self.resolve_hooks:
                hook(incident, actor, now)
            if self.paging is not None:  # nobody is woken up for an incident that is over
                self.paging.end(f"incident:{incident.id}", by=actor.user)
            wrapup = self.effects.post(f"incident:{incident.id}", "incident.wrapup", {"incident": incident.id})
            self._sync(incident)
            if self.postmortems is not None:  # the draft, with the summary, goes to the postmortems channel
                self.postmortems.on_resolved(incident, actor, after=wrapup)
            stored = self.store.get_later(incident.id)  # answered with the COMMIT
        log.info("incident.resolved", incident=incident.id)
        return stored()

    def reopen(self, incident: Incident, actor: Actor, *, reason: str = "") -> Incident:
        """The problem is back: the incident returns to the status it had, with pulses and live surfaces."""
        require_responder(incident, actor)
        if incident.is_open:
            raise IncidentError("incident_open", incident=incident)
        self.require_commander_or_manager(incident, actor, "reopen it")
        note = clean_text(reason, "reason", MAX_TEXT, required=False)
        resolved = [e for e in self.store.timeline(incident.id) if e.kind == "resolved"]
        previous = (resolved[-1].data.get("status") if resolved else None) or Status.INVESTIGATING
        status = Status(previous) if previous in {s.value for s in Status} - {"resolved"} else Status.INVESTIGATING
        now = self.clock.time()
        with self.work():
            self.store.update(incident.id, status=status, resolved_at=None, last_update_at=now, snoozed_until=None,
                              updated_at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="reopened", text=note,
                                 data={"status": str(status)}, is_key=True)
            self.effects.post(f"incident:{incident.id}", "incident.reopened",
                              {"incident": incident.id, "actor": actor.user, "text": note, "status": str(status)})
            self._sync(incident)
            self.pulses.schedule(incident.id, self._configured_severity(incident), since=now)
            stored = self.store.get_later(incident.id)  # answered with the COMMIT
        log.info("incident.reopened", incident=incident.id)
        return stored()

    # helpers ---------------------------------------------------------------------------------
    def _configured_severity(self, incident: Incident) -> Severity | None:
        """The incident's severity as configured now; None when warroom.yml no longer has it (renamed
        while the incident was open): it carries on without reminders until it is given one that exists."""
        return self.config.severity(incident.severity)

    def _surfaces_for(self, is_private: bool) -> tuple[str, ...]:
        # A private incident is not announced in the public announcements channel.
        return ("topic", "status") if is_private else SURFACES

    def _sync(self, incident: Incident, surfaces: tuple[str, ...] | None = None) -> None:
        for surface in surfaces or self._surfaces_for(incident.is_private):
            self.effects.sync(f"incident:{incident.id}:{surface}")

    def _require_open(self, incident: Incident) -> None:
        if not incident.is_open:
            raise IncidentError("incident_resolved", incident=incident)

    def require_commander_or_manager(self, incident: Incident, actor: Actor, what: str) -> None:
        """The rule for severity, commander, roles, reminders, resolve and reopen; adapters call it too
        before asking for more (a form), so nobody fills one in to be refused at the end."""
        if actor.user == incident.commander or actor.is_manager:
            return
        raise IncidentError("commander_only", incident=incident, action=what,
                            managers=bool(self.config.incident_managers))
