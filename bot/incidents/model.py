"""What the incident domain takes in and refuses; the incident itself is a kernel value type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.effects.replies import ReplyTo
from bot.errors import UserError

MAX_TITLE = 150
MAX_TEXT = 3000     # notes, updates, summaries: one Slack section's worth


@dataclass(frozen=True)
class DeclareRequest:
    title: str
    severity: str
    declared_by: str
    commander: str | None = None
    description: str = ""
    is_private: bool = False
    declared_in: str | None = None
    reply_to: ReplyTo | None = None
    source: dict[str, Any] = field(default_factory=dict)
    responders: tuple[str, ...] = ()
    incident_type: str | None = None     # an incident_types: name (its response plan); None: none


class IncidentError(UserError):
    """An incident request that cannot be done as asked (see :class:`bot.errors.UserError`)."""
