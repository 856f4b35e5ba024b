"""People keep the timeline true: add an event at the time it happened, edit or delete one, mark key events.

Every change is one transaction: the timeline row changes in place (so every reader of the timeline,
the wrap-up, the web page, the API and the postmortem, sees the edited record) and the audit trail
keeps who changed what, when, and the values before. A deleted event stays in the table, hidden from
the record. Who may: the people in the incident and incident managers, as for notes (require_responder).
"""

from __future__ import annotations

import re

from bot.actor import Actor
from bot.clock import Clock
from bot.incidents.event_time import parse_moment
from bot.incidents.model import MAX_TEXT, IncidentError
from bot.incidents.rules import require_responder
from bot.incidents.text import clean_text
from bot.work import Work
from kernel.incidents import Incident, TimelineEvent
from storage.incidents import IncidentStore
from storage.timeline_audit import TimelineAuditStore

EARLIEST_BEFORE_DECLARE = 7 * 86400   # an event may be dated up to a week before the incident was declared
FUTURE_TOLERANCE = 60.0               # "10:02" typed during 10:02 is now, not the future
# events whose words people wrote; the rest (declared, severity, roles, pages, links and follow-ups,
# which have rows of their own) are what warroom did and what its state is built from: they can be
# marked key, not rewritten or removed
EDITABLE_KINDS = frozenset({"event", "note", "message", "update"})
EVENT_REF = re.compile(r"^e?(\d{1,12})$", re.IGNORECASE)


def event_ref(typed: str) -> int:
    """``e42`` or ``42`` -> 42 (the timeline event's id, shown as ``e42``)."""
    found = EVENT_REF.match(typed.strip().lstrip("#"))
    if found is None:
        raise IncidentError("not_an_event_id", field="event", given=typed.strip()[:40])
    return int(found.group(1))


class TimelineEdits:
    def __init__(self, store: IncidentStore, audit: TimelineAuditStore, work: Work, clock: Clock) -> None:
        self.store = store
        self.audit = audit
        self.work = work
        self.clock = clock

    # reading ---------------------------------------------------------------------------------
    def events(self, incident: Incident, *, with_messages: bool = False) -> list[TimelineEvent]:
        """The edited timeline, oldest first; channel messages only when asked (or marked key)."""
        events = self.store.timeline(incident.id)
        return events if with_messages else [e for e in events if e.kind != "message" or e.is_key]

    def find(self, incident: Incident, typed: str) -> TimelineEvent:
        number = event_ref(typed)
        event = self.store.event(number)
        if event is None or (event.deleted_at is not None and event.incident_id == incident.id):
            raise IncidentError("no_such_event", field="event", incident=incident, event=number)
        if event.incident_id != incident.id:
            raise IncidentError("event_of_other_incident", field="event", incident=incident, event=event.id)
        return event

    # changing --------------------------------------------------------------------------------
    def add(self, incident: Incident, actor: Actor, when: str, text: str, *, zone: str) -> TimelineEvent:
        """An event at a past moment ``when`` (typed in ``zone``), written by ``actor``."""
        require_responder(incident, actor)
        at = self.moment(incident, when, zone)
        body = clean_text(text, "event", MAX_TEXT)
        now = self.clock.time()
        with self.work():
            event_id = int(self.store.add_event(incident.id, at=at, actor=actor.user, kind="event", text=body))
            self.audit.record(incident.id, event_id, "added", by=actor.user, at=now, new_at=at, new_text=body)
        return self._get(event_id)

    def edit(self, incident: Incident, actor: Actor, typed_id: str, *, text: str | None = None,
             when: str | None = None, zone: str) -> TimelineEvent:
        """New words, a new time, or both; what it said and when is kept in the audit trail."""
        require_responder(incident, actor)
        event = self._editable(incident, typed_id)
        at = self.moment(incident, when, zone) if when else None
        body = clean_text(text, "event", MAX_TEXT) if text is not None and text.strip() else None
        if at is None and body is None:
            raise IncidentError("event_edit_empty", field="text", event=event.id)
        now = self.clock.time()
        with self.work():
            self.store.change_event(event.id, text=body, at=at, edited_at=now)
            self.audit.record(incident.id, event.id, "edited", by=actor.user, at=now, old_at=event.at,
                              old_text=event.text, new_at=at if at is not None else event.at,
                              new_text=body if body is not None else event.text)
        return self._get(event.id)

    def delete(self, incident: Incident, actor: Actor, typed_id: str) -> TimelineEvent:
        require_responder(incident, actor)
        event = self._editable(incident, typed_id)
        now = self.clock.time()
        with self.work():
            self.store.change_event(event.id, deleted_at=now)
            self.audit.record(incident.id, event.id, "deleted", by=actor.user, at=now, old_at=event.at,
                              old_text=event.text, old_key=event.is_key)
        return event

    def set_key(self, incident: Incident, actor: Actor, typed_id: str, is_key: bool) -> TimelineEvent:
        """Mark (or unmark) a key event: the wrap-up and the postmortem list the key events."""
        require_responder(incident, actor)
        event = self.find(incident, typed_id)
        if event.is_key == is_key:
            raise IncidentError("event_key_already", event=event.id, is_key=is_key)
        now = self.clock.time()
        with self.work():
            self.store.change_event(event.id, is_key=is_key)
            self.audit.record(incident.id, event.id, "keyed" if is_key else "unkeyed", by=actor.user, at=now,
                              old_key=event.is_key, new_key=is_key)
        return self._get(event.id)

    # rules -----------------------------------------------------------------------------------
    def moment(self, incident: Incident, when: str, zone: str) -> float:
        """The instant typed, if the timeline may have an event then: not in the future, not more than
        a week before the incident was declared (what happened before belongs to an earlier incident)."""
        now = self.clock.time()
        at = parse_moment(when, zone, now)
        if at > now + FUTURE_TOLERANCE:
            raise IncidentError("event_in_future", field="when", given=when, at=at, now=now, zone=zone)
        earliest = incident.declared_at - EARLIEST_BEFORE_DECLARE
        if at < earliest:
            raise IncidentError("event_too_early", field="when", given=when, earliest=earliest, zone=zone,
                                incident=incident)
        return at

    def _editable(self, incident: Incident, typed_id: str) -> TimelineEvent:
        event = self.find(incident, typed_id)
        if event.kind not in EDITABLE_KINDS:
            raise IncidentError("event_not_editable", field="event", event=event.id, kind=event.kind)
        return event

    def _get(self, event_id: int) -> TimelineEvent:
        event = self.store.event(event_id)
        assert event is not None  # written in this process a moment ago
        return event
