"""Who may act on an incident, as plain rules over the actor and the incident."""

from __future__ import annotations

from bot.actor import Actor
from bot.incidents.model import IncidentError
from kernel.incidents import Incident


def require_responder(incident: Incident, actor: Actor) -> None:
    """A public incident's buttons are visible to anyone who opens its channel: only the people in it
    (and incident managers) act on them."""
    if actor.in_channel is False and not actor.is_manager:
        raise IncidentError("not_in_channel", incident=incident)
