"""The postmortem as the document of record: drafted from the record, edited by people, uploaded to chat.

A draft is made by the ``postmortem.draft`` effect (after the ack: on a long incident it reads a lot),
recorded on resolve after the wrap-up and by ``/incident postmortem``. A later draft never replaces a
person's edits unasked: it is kept aside (``pending``) until someone replaces or keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from bot.actor import Actor
from bot.clock import Clock
from bot.effects.outbox import Effects
from bot.incidents.model import IncidentError
from bot.incidents.rules import require_responder
from bot.postmortems.draft import gather, markdown_context
from bot.text import Texts
from bot.work import Work
from kernel.incidents import Incident
from storage.database import RowId
from storage.incidents import IncidentStore
from storage.postmortems import Postmortem, PostmortemStore, PostmortemVersion, Upload

MAX_BODY = 200_000          # characters of Markdown a person may save
TEMPLATE = "postmortem/draft.md"


@dataclass(frozen=True)
class Asked:
    """What ``/incident postmortem`` did: ``drafting`` (a draft is on its way) or ``human_edits`` (a person
    edited the postmortem: nothing replaced, they are asked)."""
    outcome: str
    postmortem: Postmortem | None


class Postmortems:
    def __init__(self, store: PostmortemStore, incidents: IncidentStore, effects: Effects, work: Work,
                 clock: Clock, texts: Texts) -> None:
        self.store = store
        self.incidents = incidents
        self.effects = effects
        self.work = work
        self.clock = clock
        self.texts = texts

    # reading -----------------------------------------------------------------------------------
    def get(self, incident: Incident) -> Postmortem | None:
        return self.store.get(incident.id)

    def versions(self, incident: Incident) -> list[PostmortemVersion]:
        return self.store.versions(incident.id)

    def version(self, version_id: int) -> PostmortemVersion | None:
        return self.store.version(version_id)

    def draft_made_by(self, effect_id: int) -> PostmortemVersion | None:
        """The draft the ``postmortem.draft`` effect ``effect_id`` made, if it has run to the end already."""
        return self.store.version_made_by(effect_id)

    def upload(self, effect_id: int) -> Upload | None:
        """What the upload effect ``effect_id`` recorded so far (its file, whether it was shared)."""
        return self.store.upload(effect_id)

    def render(self, incident: Incident, *, name_of: Callable[[str], str] = lambda user: user,
               narrative: str | None = None) -> str:
        """The draft's Markdown, from the record as it is now (the benchmark times this)."""
        facts = gather(self.incidents, incident, narrative)
        return self.texts.plain(TEMPLATE, **markdown_context(facts, name_of)) + "\n"

    # asking for a draft --------------------------------------------------------------------------
    def on_resolved(self, incident: Incident, actor: Actor, *, after: int | RowId | None) -> None:
        """Inside the resolve's transaction: draft once the wrap-up (``after``) is out."""
        self._record_draft(incident.id, actor.user, replace=False, depends_on=after)

    def ask(self, incident: Incident, actor: Actor) -> Asked:
        """``/incident postmortem``: a new draft, unless a person edited the postmortem (then ask)."""
        require_responder(incident, actor)
        with self.work():
            found = self.store.get(incident.id)
            if found is not None and found.current is not None and found.current.is_human:
                return Asked("human_edits", found)
            self._record_draft(incident.id, actor.user, replace=False)
        return Asked("drafting", found)

    def replace(self, incident: Incident, actor: Actor) -> None:
        """Replace a person's edits: with the draft kept aside when there is one, else with a new draft."""
        require_responder(incident, actor)
        now = self.clock.time()
        with self.work():
            found = self.store.get(incident.id)
            if found is not None and found.pending is not None:
                self.store.point(found.id, current=found.pending.id, pending=None, at=now)
                self._upload(incident.id, found.pending.id)
            else:
                self._record_draft(incident.id, actor.user, replace=True)

    def keep(self, incident: Incident, actor: Actor) -> None:
        """Keep a person's edits: the draft kept aside (if any) stays in the history only."""
        require_responder(incident, actor)
        with self.work():
            found = self.store.get(incident.id)
            if found is not None and found.pending is not None:
                self.store.point(found.id, current=found.current.id if found.current else None, pending=None,
                                 at=self.clock.time())

    def edit(self, incident: Incident, actor: Actor, body: str, *, base: int | None) -> PostmortemVersion:
        """A person saves the Markdown. ``base``: the version they started from; if someone saved another
        since, theirs is refused rather than lost (they see the newer one and edit again)."""
        require_responder(incident, actor)
        text = body.replace("\r\n", "\n").strip()
        if not text:
            raise IncidentError("postmortem_empty", field="body")
        if len(text) > MAX_BODY:
            raise IncidentError("postmortem_too_long", field="body", limit=MAX_BODY, given=len(text))
        now = self.clock.time()
        with self.work():
            found = self.store.get(incident.id)
            current = found.current if found else None
            if (current.id if current else None) != base:
                raise IncidentError("postmortem_changed", field="body", by=current.author if current else None,
                                    at=current.created_at if current else None)
            postmortem_id = found.id if found else self.store.ensure(incident.id, at=now)
            version = self.store.add_version(postmortem_id, origin="human", body=text + "\n", narrative=None,
                                             author=actor.user, at=now)
            self.store.point(postmortem_id, current=version, pending=found.pending.id if found and found.pending
                             else None, at=now)
        return self.store.version(version)

    # the effect ----------------------------------------------------------------------------------
    def make_draft(self, effect_id: int, incident_id: int, *, by: str | None, replace: bool,
                   name_of: Callable[[str], str], narrative: str | None = None) -> PostmortemVersion | None:
        """The ``postmortem.draft`` effect: store the draft and record its upload, in one transaction; a
        retry of the same effect finds its draft and does nothing. Over a person's edits (and not
        ``replace``), the draft is kept aside and nothing is uploaded."""
        with self.work():
            done = self.store.version_made_by(effect_id)
            if done is not None:
                return done
            incident = self.incidents.get(incident_id)
            if incident is None:
                return None
            now = self.clock.time()
            body = self.render(incident, name_of=name_of, narrative=narrative)
            postmortem_id = self.store.ensure(incident_id, at=now)
            found = self.store.get(incident_id)
            version = self.store.add_version(postmortem_id, origin="draft", body=body, narrative=narrative,
                                             author=by, at=now, effect_id=effect_id)
            human = found is not None and found.current is not None and found.current.is_human
            if human and not replace:
                self.store.point(postmortem_id, current=found.current.id, pending=version, at=now)
            else:
                self.store.point(postmortem_id, current=version, pending=None, at=now)
                self._upload(incident_id, version)
        return self.store.version(version)

    def upload_started(self, effect_id: int, version_id: int, *, channel: str, file_id: str) -> None:
        """Recorded before the file is shared: a retry then looks for this file before making another."""
        with self.work():
            self.store.upload_started(effect_id, version_id, channel=channel, file_id=file_id, at=self.clock.time())

    def upload_shared(self, effect_id: int, *, message_ts: str | None) -> None:
        with self.work():
            self.store.upload_shared(effect_id, at=self.clock.time(), message_ts=message_ts)

    # helpers -----------------------------------------------------------------------------------
    def _record_draft(self, incident_id: int, by: str, *, replace: bool,
                      depends_on: int | RowId | None = None) -> int | RowId:
        return self.effects.do("postmortem.draft", {"incident": incident_id, "by": by, "replace": replace},
                               lane=f"incident:{incident_id}:postmortem", depends_on=depends_on)

    def _upload(self, incident_id: int, version_id: int) -> int | RowId:
        return self.effects.do("postmortem.upload", {"incident": incident_id, "version": version_id},
                               lane=f"incident:{incident_id}:postmortem-upload")
