"""The timeline writes itself: what people say in an incident channel is recorded, with edits and
deletes, and a 📌 reaction or a pin marks a message as a key event. An edit or delete made in Slack
goes into the timeline's audit trail as those made with ``/incident event`` do, so a correction made
there first is never lost without a trace (the latest edit, wherever it was made, is what shows)."""

from __future__ import annotations

from bot.clock import Clock
from bot.work import Work
from kernel.incidents import Incident
from storage.incidents import IncidentStore
from storage.timeline_audit import TimelineAuditStore

KEY_REACTIONS = {"pushpin", "round_pushpin"}
MAX_RECORDED = 40_000   # Slack's own message limit


class ChannelLog:
    def __init__(self, store: IncidentStore, work: Work, clock: Clock, audit: TimelineAuditStore) -> None:
        self.store = store
        self.work = work
        self.clock = clock
        self.audit = audit

    def incident_for(self, channel: str | None) -> Incident | None:
        return self.store.by_channel(channel) if channel else None

    def message(self, channel: str, *, user: str, ts: str, text: str, thread_ts: str | None = None) -> bool:
        incident = self.incident_for(channel)
        if incident is None:
            return False
        with self.work():
            if self.store.message_event(incident.id, ts) is not None:
                return False  # a redelivered event: recorded already
            self.store.add_event(incident.id, at=float(ts), actor=user, kind="message", text=text[:MAX_RECORDED],
                                 data={"thread_ts": thread_ts} if thread_ts and thread_ts != ts else {},
                                 message_ts=ts)
        return True

    def edited(self, channel: str, *, ts: str, text: str) -> bool:
        incident = self.incident_for(channel)
        if incident is None:
            return False
        now = self.clock.time()
        with self.work():
            event = self.store.message_event(incident.id, ts)
            if event is None or event.deleted_at is not None or event.text == text[:MAX_RECORDED]:
                return False
            # only its author can edit a Slack message, so the author is who changed it
            self.audit.record(incident.id, event.id, "edited", by=event.actor or "", at=now, old_at=event.at,
                              old_text=event.text, old_key=event.is_key, new_at=event.at, new_text=text[:MAX_RECORDED],
                              new_key=event.is_key)
            return self.store.update_message(incident.id, ts, text=text[:MAX_RECORDED], edited_at=now)

    def deleted(self, channel: str, *, ts: str) -> bool:
        incident = self.incident_for(channel)
        if incident is None:
            return False
        now = self.clock.time()
        with self.work():
            event = self.store.message_event(incident.id, ts)
            if event is None or event.deleted_at is not None:
                return False
            self.audit.record(incident.id, event.id, "deleted", by=event.actor or "", at=now, old_at=event.at,
                              old_text=event.text, old_key=event.is_key)
            return self.store.update_message(incident.id, ts, deleted_at=now)

    def mark_key(self, channel: str, *, ts: str, by: str) -> bool:
        """📌 or a pin: the message becomes a key event (shown in the wrap-up)."""
        incident = self.incident_for(channel)
        if incident is None:
            return False
        with self.work():
            event = self.store.message_event(incident.id, ts)
            if event is None or event.is_key:
                return False
            return self.store.update_message(incident.id, ts, is_key=True)

    def joined(self, channel: str | None, *, user: str | None, at: float) -> bool:
        incident = self.incident_for(channel)
        if incident is None or not user:
            return False
        with self.work():
            self.store.add_event(incident.id, at=at, actor=user, kind="joined")
        return True
