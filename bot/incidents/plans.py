"""Response plans (``incident_types:``): what declaring an incident of a type sets in motion, and its
checklist. Everything on declare runs inside the declare's transaction (IncidentService.declare calls
:meth:`ResponsePlans.on_declare`), so a crash leaves either the whole plan recorded or no incident.
"""

from __future__ import annotations

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config
from bot.config.incident_types import IncidentType
from bot.effects.outbox import Effects
from bot.incidents.model import DeclareRequest, IncidentError
from bot.incidents.rules import require_responder
from bot.paging.targets import PageTargets, resolve_targets
from bot.work import Work
from kernel.incidents import ChecklistItem, Incident
from kernel.paging import Level
from storage.checklists import ChecklistStore
from storage.incidents import IncidentStore


def page_incident(paging, store: IncidentStore, effects: Effects, incident_id: int, by: str, page: PageTargets,
                  now: float) -> int:
    """Page about an incident (inside the caller's transaction): named people, groups and schedules as
    one level that waits for ever, or an escalation policy level by level. Returns the escalation id."""
    if page.policy is not None:
        levels, repeat, policy = page.policy.levels, page.policy.repeat, page.policy.name
        targets = [f"policy:{policy}"]
    else:
        levels, repeat, policy, targets = (Level(page.targets, None),), 0, None, list(page.targets)
    escalation = paging.start(f"incident:{incident_id}", levels, repeat=repeat, policy=policy, created_by=by)
    store.add_event(incident_id, at=now, actor=by, kind="escalated",
                    data={"targets": targets, "policy": policy, "escalation": escalation.id}, is_key=True)
    effects.post(f"incident:{incident_id}", "paging.incident_paged", {"actor": by, "targets": targets, "policy": policy})
    return escalation.id


class ResponsePlans:
    def __init__(self, store: IncidentStore, checklists: ChecklistStore, effects: Effects, work: Work, clock: Clock,
                 config: Config, paging=None) -> None:
        self.store = store
        self.checklists = checklists
        self.effects = effects
        self.work = work
        self.clock = clock
        self.config = config
        self.paging = paging   # bot.paging.service.Paging; None: nothing is paged on declare

    def plan(self, name: str | None) -> IncidentType | None:
        """The configured type ``name`` (None for none); an unknown or empty one is refused with the known ones."""
        if name is None:
            return None
        found = self.config.incident_type(name) if name.strip() else None
        if found is None:
            raise IncidentError("not_an_incident_type", field="type", given=name,
                                types=[t.name for t in self.config.incident_types])
        return found

    def commander(self, plan: IncidentType | None, now: float) -> str | None:
        """Who the plan makes commander, when it names one (a person, or a schedule's on-call now)."""
        fill = next((r for r in plan.roles if r.role == "commander"), None) if plan else None
        return self._holder(fill, now) if fill else None

    def on_declare(self, incident_id: int, plan: IncidentType | None, request: DeclareRequest, now: float, *,
                   after: int) -> None:
        """Inside the declare transaction; ``after``: the channel's creation, which the Slack work waits for."""
        by = request.declared_by
        if plan is None:
            # an incident declared from an alert: the alert's own escalation already paged the on-call
            if self.config.incident.page_on_declare and not (request.source or {}).get("alert"):
                self._page(incident_id, self.config.incident.page_on_declare, by, now)
            return
        filled: list[str] = []
        for fill in plan.roles:
            holder = self._holder(fill, now)
            if fill.role == "commander" or holder is None:
                continue   # the commander was set with the incident; an unfilled role shows as still open
            self.store.set_role(incident_id, fill.role, holder, by=by, at=now)
            self.store.add_event(incident_id, at=now, actor=by, kind="role",
                                 data={"role": fill.role, "user": holder, "previous": None})
            filled.append(holder)
        users = list(dict.fromkeys([*plan.responders, *filled]))
        if users or plan.groups:
            self.effects.do("incident.invite", {"incident": incident_id, "users": users, "groups": list(plan.groups)},
                            lane=f"incident:{incident_id}:invite", depends_on=after)
        if plan.checklist:
            self.checklists.add_items(incident_id, plan.checklist)
            self.effects.sync(f"incident:{incident_id}:checklist", depends_on=after, immediate=True)
        for runbook in plan.runbooks:
            link = self.store.add_link(incident_id, url=runbook.url, title=runbook.title, by=by, at=now)
            self.store.add_event(incident_id, at=now, actor=by, kind="link", text=runbook.title,
                                 data={"url": runbook.url, "link": link, "runbook": True})
            self.effects.do("incident.bookmark", {"incident": incident_id, "link": link},
                            lane=f"incident:{incident_id}:bookmarks", depends_on=after)
        if plan.page:
            self._page(incident_id, plan.page, by, now)

    def _holder(self, fill, now: float) -> str | None:
        if fill.user:
            return fill.user
        if fill.schedule and self.paging is not None and self.paging.on_call is not None:
            return self.paging.on_call(fill.schedule, now)
        return None

    def _page(self, incident_id: int, name: str, by: str, now: float) -> None:
        if self.paging is None:
            return
        page_incident(self.paging, self.store, self.effects, incident_id, by,
                      resolve_targets(self.config, [("name", name)]), now)

    # the checklist -------------------------------------------------------------------------------
    def checklist(self, incident: Incident) -> list[ChecklistItem]:
        return self.checklists.items(incident.id)

    def set_done(self, incident: Incident, actor: Actor, item_id: int, done: bool) -> ChecklistItem:
        """Tick (``done``) or untick one item: recorded on the timeline, the checklist message re-rendered.
        A click that finds it already so (a second click, someone else first) changes nothing and says so."""
        require_responder(incident, actor)
        item = self.checklists.item(item_id)
        if item is None or item.incident_id != incident.id:
            raise IncidentError("no_such_checklist_item", incident=incident)
        now = self.clock.time()
        with self.work():
            if not self.checklists.set_done(item.id, done=done, by=actor.user, at=now):
                raise IncidentError("checklist_unchanged", item=self.checklists.item(item.id), done=done)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="checklist", text=item.text,
                                 data={"item": item.id, "done": done})
            self.effects.sync(f"incident:{incident.id}:checklist", immediate=True)
        updated = self.checklists.item(item.id)
        assert updated is not None
        return updated
