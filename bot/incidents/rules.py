"""Who may act on an incident, as plain rules over the actor and the incident."""

from __future__ import annotations

from bot.actor import Actor
from bot.incidents.model import IncidentError
from kernel.incidents import Incident

# What the commander-or-manager refusal says is asked (IncidentService.require_commander_or_manager);
# the Slack adapter checks the same before it opens the form for it
CHANGE_SEVERITY = "change the severity"
RESOLVE = "resolve it"


def require_responder(incident: Incident, actor: Actor) -> None:
    """A public incident's buttons are visible to anyone who opens its channel: only the people in it
    (and incident managers) act on them."""
    if actor.in_channel is False and not actor.is_manager:
        raise IncidentError("not_in_channel", incident=incident)
