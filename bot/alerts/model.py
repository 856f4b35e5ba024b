"""What the alert domain takes in and refuses; alerts themselves are kernel value types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.errors import UserError

MAX_SUMMARY = 300
MAX_DETAILS = 3000


@dataclass(frozen=True)
class AlertEvent:
    """One thing a monitoring system said: fire (create or update by dedup key) or resolve."""

    summary: str
    details: str = ""
    dedup_key: str | None = None
    resolve: bool = False
    labels: dict[str, Any] = field(default_factory=dict)


class AlertError(UserError):
    """An alert request that cannot be done as asked (see :class:`bot.errors.UserError`)."""
