"""What people add to an incident's record: notes, links and follow-ups."""

from __future__ import annotations

from bot.actor import Actor
from bot.clock import Clock
from bot.effects.outbox import Effects
from bot.incidents.model import MAX_TEXT, IncidentError
from bot.incidents.rules import require_responder
from bot.incidents.tickets import FollowupTickets
from bot.incidents.text import clean_text
from bot.work import Work
from kernel.incidents import FollowUp, Incident
from storage.incidents import IncidentStore

MAX_FOLLOWUP = 500
MAX_LINK_TITLE = 150


class IncidentRecord:
    def __init__(self, store: IncidentStore, effects: Effects, work: Work, clock: Clock,
                 tickets: FollowupTickets) -> None:
        self.store = store
        self.effects = effects
        self.work = work
        self.clock = clock
        self.tickets = tickets

    def add_note(self, incident: Incident, actor: Actor, text: str, *, via: str | None = None) -> int:
        """A note for the record, posted in the channel naming its author; ``via`` says where it was
        written when not in Slack ("web": a comment from the incident's web page)."""
        require_responder(incident, actor)
        note = clean_text(text, "note", MAX_TEXT)
        now = self.clock.time()
        with self.work():
            event = int(self.store.add_event(incident.id, at=now, actor=actor.user, kind="note", text=note, is_key=True,
                                         data={"via": via} if via else None))
            context = {"incident": incident.id, "author": actor.user, "text": note}
            if via:
                context["via"] = via
            self.effects.post(f"incident:{incident.id}", "incident.note", context)
        return event

    def add_link(self, incident: Incident, actor: Actor, url: str, title: str | None) -> int:
        require_responder(incident, actor)
        if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
            raise IncidentError("not_a_link", given=url)
        label = clean_text(title or url, "link title", MAX_LINK_TITLE, required=False) or url
        now = self.clock.time()
        with self.work():
            link_id = self.store.add_link(incident.id, url=url, title=label, by=actor.user, at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="link", text=label,
                                 data={"url": url, "link": link_id})
            self.effects.do("incident.bookmark", {"incident": incident.id, "link": link_id},
                            lane=f"incident:{incident.id}:bookmarks")
            self.effects.post(f"incident:{incident.id}", "incident.link_added",
                              {"incident": incident.id, "actor": actor.user, "url": url, "title": label})
            self.effects.sync(f"incident:{incident.id}:status")
        return link_id

    def add_followup(self, incident: Incident, actor: Actor, text: str, owner: str | None) -> int:
        require_responder(incident, actor)
        body = clean_text(text, "follow-up", MAX_FOLLOWUP)
        now = self.clock.time()
        with self.work():
            followup = self.store.add_followup(incident.id, text=body, owner=owner, by=actor.user, at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="followup", text=body,
                                 data={"followup": followup, "owner": owner})
            self.tickets.on_added(incident, followup)   # its message, which shows its ticket as it goes
        return followup

    def followups(self, incident: Incident) -> list[FollowUp]:
        return self.store.followups(incident.id)

    def complete_followup(self, incident: Incident, actor: Actor, followup_id: int) -> None:
        """Its owner, the commander or an incident manager marks it done (who made it may not be either)."""
        require_responder(incident, actor)
        followup = next((f for f in self.store.followups(incident.id) if f.id == followup_id), None)
        if followup is None:
            raise IncidentError("no_such_followup", incident=incident, followup=followup_id)
        if actor.user not in (followup.owner, incident.commander) and not actor.is_manager:
            raise IncidentError("followup_not_yours", followup=followup, incident=incident)
        if followup.done_at is not None:
            raise IncidentError("followup_done_already", done_at=followup.done_at)
        now = self.clock.time()
        with self.work():
            self.store.complete_followup(followup_id, at=now)
            self.store.add_event(incident.id, at=now, actor=actor.user, kind="followup_done", text=followup.text,
                                 data={"followup": followup_id})
            self.tickets.on_done(followup_id)
