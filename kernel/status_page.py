"""What the public status page shows, as values storage and the domain share.

Only what may be public is here: a public incident carries its components, status, severity and
times, never its title, its people or its channel; a public update is the text written for the public.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ComponentState(StrEnum):
    """A component's state as status pages name it, mildest first."""
    OPERATIONAL = "operational"
    DEGRADED = "degraded_performance"
    PARTIAL = "partial_outage"
    MAJOR = "major_outage"

    @property
    def rank(self) -> int:
        return list(ComponentState).index(self)


@dataclass(frozen=True)
class PublicIncident:
    id: int                        # the public number: its own sequence, so private incidents leave no gaps
    incident_id: int               # internal: never shown
    components: tuple[str, ...]
    marked_at: float
    status: str                    # the incident's status (investigating ... resolved)
    severity: str                  # its severity's name, to derive the impact; never shown as such
    started_at: float              # when it was declared
    resolved_at: float | None


@dataclass(frozen=True)
class PublicUpdate:
    id: int
    public_id: int
    at: float
    status: str
    text: str                      # plain text written for the public; empty: the status's standard words
