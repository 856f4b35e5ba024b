"""Follow-ups in the team's tracker: a follow-up becomes a ticket (on its own, or when someone presses
Create ticket), and a ticket closed in the tracker marks its follow-up done.

The domain only records: the ticket's row (with the marker its body will carry) and a ``tracker.file``
effect in the transaction that asks for it; a ``tracker.poll`` effect each time the poll timer falls
due. ``bot.tracker`` performs them and reports back here. Which tracker it is, the domain never knows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Callable

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.incidents.model import IncidentError
from bot.incidents.rules import require_responder
from bot.work import Work
from kernel.incidents import FollowUp, Incident
from kernel.outbox import Timer
from kernel.tickets import Ticket, TicketRef, TicketState
from storage.incidents import IncidentStore
from storage.tickets import TicketStore
from storage.timers import TimerStore

POLL_TIMER = "tracker.poll"
POLL_SUBJECT = "tickets"


@dataclass(frozen=True)
class TicketRequest:
    """What the tracker adapter needs to file one follow-up's ticket."""

    ticket: Ticket
    followup: FollowUp
    incident: Incident


def surface(followup_id: int) -> str:
    return f"followup:{followup_id}"


class FollowupTickets:
    def __init__(self, store: TicketStore, incidents: IncidentStore, timers: TimerStore, effects: Effects,
                 work: Work, clock: Clock, config: Config, *, has_message: Callable[[str], bool]) -> None:
        """``has_message``: whether a surface was ever written (follow-ups from before tickets were
        posted as plain messages: a later change must not post them again)."""
        self.store = store
        self.incidents = incidents
        self.timers = timers
        self.effects = effects
        self.work = work
        self.clock = clock
        self.settings = config.tracker
        self.has_message = has_message

    # asking for a ticket -------------------------------------------------------------------------
    def on_added(self, incident: Incident, followup_id: int) -> None:
        """In the transaction that adds the follow-up: its message, and its ticket when filing is
        automatic. A private incident's follow-ups are filed only by hand: what leaves for the tracker
        is then someone's choice, not a default."""
        if self.settings is not None and self.settings.auto and not incident.is_private:
            self._request(followup_id, by=None)
        self.effects.sync(surface(followup_id), immediate=True)

    def on_done(self, followup_id: int) -> None:
        """In the transaction that marks it done: its message says so (when it is one warroom keeps)."""
        key = surface(followup_id)
        if self.has_message(key):
            self.effects.sync(key)

    def request(self, incident: Incident, actor: Actor, followup_id: int) -> None:
        """Create ticket: the follow-up's owner, the commander or an incident manager."""
        require_responder(incident, actor)
        if self.settings is None:
            raise IncidentError("no_tracker")
        followup = self._followup(incident, followup_id)
        if actor.user not in (followup.owner, incident.commander) and not actor.is_manager:
            raise IncidentError("ticket_not_yours", followup=followup, incident=incident)
        if followup.done_at is not None:
            raise IncidentError("followup_done_already", done_at=followup.done_at)
        ticket = self.store.get(followup_id)
        if ticket is not None and ticket.state != TicketState.FAILED:
            raise IncidentError("ticket_exists", ticket=ticket)
        with self.work():
            self._request(followup_id, by=actor.user)
            self.effects.sync(surface(followup_id), immediate=True)

    def _followup(self, incident: Incident, followup_id: int) -> FollowUp:
        followup = next((f for f in self.incidents.followups(incident.id) if f.id == followup_id), None)
        if followup is None:
            raise IncidentError("no_such_followup", incident=incident, followup=followup_id)
        return followup

    def _request(self, followup_id: int, *, by: str | None) -> None:
        assert self.settings is not None
        earlier = self.store.get(followup_id)
        # the marker outlives a failed attempt: a ticket that attempt filed after all is found by it
        marker = earlier.marker if earlier else f"warroom-followup-{followup_id}-{secrets.token_hex(4)}"
        self.store.request(followup_id, tracker=self.settings.kind, marker=marker, by=by, at=self.clock.time())
        # one lane for every filing: trackers ask for writes one at a time (GitHub's secondary limits), and
        # a rate limit's wait then holds back the next ticket too instead of each one meeting it again
        self.effects.do("tracker.file", {"followup": followup_id}, lane="tracker:file")

    # what the tracker adapter reports ------------------------------------------------------------
    def to_file(self, followup_id: int) -> TicketRequest | None:
        """The ticket to file, or None when there is nothing to do (filed already, or no such row)."""
        ticket = self.store.get(followup_id)
        if ticket is None or ticket.state != TicketState.FILING:
            return None
        followup = self.incidents.followup(followup_id)
        incident = self.incidents.get(followup.incident_id) if followup else None
        if followup is None or incident is None:
            return None
        return TicketRequest(ticket, followup, incident)

    def filed(self, request: TicketRequest, filed: TicketRef) -> None:
        now = self.clock.time()
        followup = request.followup
        with self.work():
            if not self.store.filed(followup.id, filed, at=now):
                return
            self.incidents.add_event(followup.incident_id, at=now, actor=None, kind="ticket_filed", text=followup.text,
                                     data={"followup": followup.id, "tracker": request.ticket.tracker,
                                           "ref": filed.ref, "url": filed.url})
            self.effects.sync(surface(followup.id), immediate=True)
            if self.settings is not None:
                self.timers.set_if_absent(POLL_TIMER, POLL_SUBJECT, now + self.settings.poll.total_seconds())

    def failed(self, request: TicketRequest, reason: str) -> None:
        """It could not be filed: the follow-up stays, the timeline says why, and its owner (or the
        commander) is told in the channel; Create ticket asks again."""
        now = self.clock.time()
        followup, incident = request.followup, request.incident
        with self.work():
            if not self.store.failed(followup.id, reason, at=now):
                return
            self.incidents.add_event(incident.id, at=now, actor=None, kind="ticket_failed", text=followup.text,
                                     data={"followup": followup.id, "tracker": request.ticket.tracker,
                                           "reason": reason})
            self.effects.post(f"incident:{incident.id}", "incident.ticket_failed",
                              {"incident": incident.id, "followup": followup.id, "text": followup.text,
                               "tracker": request.ticket.tracker, "reason": reason,
                               "tell": followup.owner or incident.commander})
            self.effects.sync(surface(followup.id), immediate=True)

    # polling -----------------------------------------------------------------------------------
    async def on_timer(self, timer: Timer) -> None:
        """The poll timer: read the open tickets (one effect, so the tracker's rate limits and retries
        are the effect runner's), and look again after the interval while any are open."""
        if self.settings is None:
            return
        with self.work():
            if self.store.count_to_poll():
                self.effects.do("tracker.poll", {}, lane="tracker:poll", coalesce=True)
                self.timers.set(POLL_TIMER, POLL_SUBJECT, self.clock.time() + self.settings.poll.total_seconds())

    def to_poll(self, limit: int) -> list[Ticket]:
        return self.store.to_poll(limit)

    def read(self, states: dict[int, TicketState]) -> list[int]:
        """What the poll read, by follow-up: a closed ticket marks its follow-up done, by the tracker.
        Returns the follow-ups marked done."""
        now = self.clock.time()
        done: list[int] = []
        with self.work():
            self.store.checked(list(states), at=now)
            for followup_id, state in states.items():
                if state == TicketState.OPEN or not self.store.set_state(followup_id, state, at=now):
                    continue
                followup = self.incidents.followup(followup_id)
                if state != TicketState.CLOSED or followup is None or followup.done_at is not None:
                    continue
                ticket = self.store.get(followup_id)
                self.incidents.complete_followup(followup_id, at=now)
                self.incidents.add_event(followup.incident_id, at=now, actor=None, kind="followup_done",
                                         text=followup.text, data={"followup": followup_id, "tracker": ticket.tracker,
                                                                   "ref": ticket.ref, "url": ticket.url})
                self.effects.sync(surface(followup_id))
                done.append(followup_id)
        return done
