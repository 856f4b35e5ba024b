"""Who is asking, as far as the rules care: the domain decides what they may do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user: str
    is_manager: bool = False          # member of the configured incident_managers group
    is_oncall_manager: bool = False   # member of the configured oncall_managers group
    # None: not asked (a slash command typed in the channel, which only members can do); False: a
    # click by someone who is not in the incident's channel (a public channel shows its buttons to all)
    in_channel: bool | None = None
