"""Every Bolt listener warroom registers, in one place (the manifest test reads it too)."""

from __future__ import annotations

from bot.slack.listeners import events, home, incident_actions, incident_command, incident_views, paging_actions
from bot.slack.listeners.common import Deps


def register_listeners(app, deps: Deps, paging, resolve_subject=None) -> None:
    for module in (events, incident_command, incident_actions, incident_views, home):
        module.register(app, deps)
    paging_actions.register(app, deps, paging, resolve_subject)
