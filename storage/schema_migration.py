"""One change of warroom's schema (see ``storage.schema_history``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    postgres: tuple[str, ...] | None = None    # statements for PostgreSQL where ``sql`` cannot be translated
