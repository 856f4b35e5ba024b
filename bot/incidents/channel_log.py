"""The timeline writes itself: what people say in an incident channel is recorded, with edits and
deletes, and a 📌 reaction or a pin marks a message as a key event."""

from __future__ import annotations

from bot.clock import Clock
from bot.work import Work
from kernel.incidents import Incident
from storage.incidents import IncidentStore

KEY_REACTIONS = {"pushpin", "round_pushpin"}
MAX_RECORDED = 40_000   # Slack's own message limit


class ChannelLog:
    def __init__(self, store: IncidentStore, work: Work, clock: Clock) -> None:
        self.store = store
        self.work = work
        self.clock = clock

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
        with self.work():
            return self.store.update_message(incident.id, ts, text=text[:MAX_RECORDED], edited_at=self.clock.time())

    def deleted(self, channel: str, *, ts: str) -> bool:
        incident = self.incident_for(channel)
        if incident is None:
            return False
        with self.work():
            return self.store.update_message(incident.id, ts, deleted_at=self.clock.time())

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
