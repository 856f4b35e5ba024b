"""Asking for an AI-drafted catch-up summary of an incident: the rule of what may be sent, and the
effect that drafts it. The call to the endpoint happens later, in the effect (bot.ai performs it), so
the person is answered at once and a slow endpoint holds up nothing but the summary itself."""

from __future__ import annotations

from bot.actor import Actor
from bot.config import Config
from bot.effects.outbox import Effects
from bot.effects.replies import ReplyTo
from bot.incidents.model import IncidentError
from bot.incidents.rules import require_responder
from bot.work import Work
from kernel.incidents import Incident

SUMMARIZE = "ai.summarize"
# AI calls take seconds to minutes: they run in a few lanes of their own (by incident), so at most this
# many of the effect runner's workers ever wait on the endpoint, and nothing else queues behind them
AI_LANES = 2


def ai_lane(incident_id: int) -> str:
    return f"ai:{incident_id % AI_LANES}"


class SummaryRequests:
    def __init__(self, effects: Effects, work: Work, config: Config) -> None:
        self.effects = effects
        self.work = work
        self.config = config

    def check(self, incident: Incident) -> str:
        """What of the incident may be sent (``all`` or ``record``); refuses when AI is off or when the
        incident is private and warroom.yml does not let its content leave."""
        settings = self.config.ai
        if not settings.enabled:
            raise IncidentError("ai_off")
        scope = settings.may_send(incident.is_private)
        if scope is None:
            raise IncidentError("ai_private", incident=incident)
        return scope

    def request(self, incident: Incident, actor: Actor, reply_to: ReplyTo) -> str:
        """Record the drafting of a summary; returns what of the incident will be sent."""
        require_responder(incident, actor)
        scope = self.check(incident)
        with self.work():
            self.effects.do(SUMMARIZE, {"incident": incident.id, "requested_by": actor.user,
                                        "reply_to": reply_to.as_dict()}, lane=ai_lane(incident.id))
        return scope
