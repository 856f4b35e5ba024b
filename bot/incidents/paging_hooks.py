"""What paging means for an incident: pages invite people into the channel and the answers land
in the timeline and the channel."""

from __future__ import annotations

from bot.clock import Clock
from bot.effects.outbox import Effects
from bot.paging.model import DmGroup
from kernel.paging import Escalation
from storage.incidents import IncidentStore


class IncidentPagingHooks:
    def __init__(self, store: IncidentStore, effects: Effects, clock: Clock) -> None:
        self.store = store
        self.effects = effects
        self.clock = clock

    def dm_group(self, escalation: Escalation, user: str, page_id: int) -> DmGroup | None:
        return None  # every incident page is its own DM

    def on_paged(self, escalation: Escalation, user: str, at: float) -> None:
        incident = self.store.get(escalation.subject_id)
        if incident is not None and incident.is_open:
            self.effects.do("incident.invite", {"incident": incident.id, "users": [user]},
                            lane=f"incident:{incident.id}:invite")

    def on_acknowledged(self, escalation: Escalation, user: str, note: str | None, at: float) -> None:
        incident_id = escalation.subject_id
        self.store.add_event(incident_id, at=at, actor=user, kind="acknowledged", text=note or "",
                             data={"escalation": escalation.id}, is_key=True)
        self.effects.post(f"incident:{incident_id}", "paging.incident_acknowledged",
                          {"user": user, "note": note})

    def on_exhausted(self, escalation: Escalation, at: float) -> None:
        incident_id = escalation.subject_id
        self.store.add_event(incident_id, at=at, actor=None, kind="page_unanswered",
                             data={"escalation": escalation.id}, is_key=True)
        self.effects.post(f"incident:{incident_id}", "paging.incident_exhausted", {"repeats": escalation.repeat})

    def on_nobody_on_call(self, escalation: Escalation, target: str, at: float) -> None:
        self.effects.post(f"incident:{escalation.subject_id}", "paging.incident_nobody_on_call", {"target": target})
