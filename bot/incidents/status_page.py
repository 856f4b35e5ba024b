"""Putting incidents on the public status page and writing to it; every rule about what goes public.

An incident goes on the page only when someone in it says so, with the components it affects
(``/incident public``), never a private one; from then on ``/incident status --public`` also writes
the update's text to the page. The page never shows the incident's title, people, channel, notes or
ordinary updates: only what was written for the public (see storage/status_page.py, which cannot even
read the rest).
"""

from __future__ import annotations

from typing import Sequence

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.incidents.model import MAX_TEXT, IncidentError
from bot.incidents.rules import require_responder
from bot.incidents.status_board import HISTORY_DAYS, Board, build_board
from bot.incidents.text import clean_text
from bot.work import Work
from kernel.incidents import Incident
from kernel.status_page import PublicIncident
from storage.status_page import StatusPageStore

OFF_WORDS = ("off", "none", "remove")


class StatusPage:
    def __init__(self, store: StatusPageStore, effects: Effects, work: Work, clock: Clock, config: Config) -> None:
        self.store = store
        self.effects = effects
        self.work = work
        self.clock = clock
        self.config = config
        self.settings = config.status_page

    # reading -------------------------------------------------------------------------------------
    def change_key(self) -> tuple:
        """Changes whenever the page may (one small query): what a cache of the page is keyed on."""
        return self.store.change_key()

    def board(self, now: float) -> Board:
        """Everything the page shows, as of ``now``."""
        shown = self.store.shown_since(now - (HISTORY_DAYS + 1) * 86400)
        return build_board(self.config, shown, self.store.updates([i.id for i in shown]), now)

    def public(self, incident: Incident) -> PublicIncident | None:
        """The incident as the page shows it, or None while it is not on the page."""
        return self.store.for_incident(incident.id)

    def components(self, given: Sequence[str]) -> tuple[str, ...]:
        """Typed component names -> the configured ones (ignoring case), in the order typed, each once;
        an unknown name is refused with the list of configured ones."""
        self._require_enabled()
        by_folded = {name.casefold(): name for name in self.settings.names}
        found: list[str] = []
        for typed in given:
            words = " ".join(typed.split())
            if not words:
                continue
            name = by_folded.get(words.casefold())
            if name is None:
                raise IncidentError("not_a_component", given=words, components=self.settings.names)
            if name not in found:
                found.append(name)
        if not found:
            raise IncidentError("no_components", components=self.settings.names)
        return tuple(found)

    # changing ------------------------------------------------------------------------------------
    def make_public(self, incident: Incident, actor: Actor, components: Sequence[str]) -> PublicIncident:
        """Put the incident on the page (or change its components); the people in it are told."""
        self._require_may_change(incident, actor)
        names = self.components(components)
        now = self.clock.time()
        with self.work():
            was = self.store.for_incident(incident.id)
            self.store.mark(incident.id, names, by=actor.user, at=now)
            self.effects.post(f"incident:{incident.id}", "incident.made_public",
                              {"incident": incident.id, "actor": actor.user, "components": list(names),
                               "changed": was is not None})
        found = self.store.for_incident(incident.id)
        assert found is not None
        return found

    def take_off(self, incident: Incident, actor: Actor) -> None:
        """Take the incident and its public updates off the page (put on by mistake)."""
        self._require_may_change(incident, actor)
        if self.store.for_incident(incident.id) is None:
            raise IncidentError("not_public", incident=incident, components=self.settings.names)
        with self.work():
            self.store.hide(incident.id, at=self.clock.time())
            self.effects.post(f"incident:{incident.id}", "incident.taken_off_page",
                              {"incident": incident.id, "actor": actor.user})

    def check_update(self, incident: Incident) -> PublicIncident:
        """Before an update goes public: the incident must be on the page (said before anything is written)."""
        self._require_enabled()
        if incident.is_private:
            raise IncidentError("private_never_public", incident=incident)
        found = self.store.for_incident(incident.id)
        if found is None:
            raise IncidentError("not_public", incident=incident, components=self.settings.names)
        return found

    def record_update(self, public: PublicIncident, actor: Actor, *, status: str, text: str, at: float) -> None:
        """Called inside the status update's own transaction, so the page and Slack agree."""
        body = clean_text(text, "update", MAX_TEXT, required=False)
        self.store.add_update(public.id, at=at, status=status, text=body, by=actor.user)

    def on_resolved(self, incident: Incident, actor: Actor, at: float) -> None:
        """Resolve hook: the page says the incident is over (the summary stays internal: it may name causes)."""
        found = self.store.for_incident(incident.id)
        if found is not None:
            self.store.add_update(found.id, at=at, status="resolved", text="", by=actor.user)

    # rules ---------------------------------------------------------------------------------------
    def _require_may_change(self, incident: Incident, actor: Actor) -> None:
        """The same people as for a status update; open incidents only; never a private one."""
        require_responder(incident, actor)
        self._require_enabled()
        if incident.is_private:
            raise IncidentError("private_never_public", incident=incident)
        if not incident.is_open:
            raise IncidentError("incident_resolved", incident=incident)

    def _require_enabled(self) -> None:
        if not self.settings.enabled:
            raise IncidentError("status_page_not_configured")
