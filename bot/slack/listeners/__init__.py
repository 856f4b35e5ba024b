"""Every Bolt listener warroom registers, in one place (the manifest test reads it too)."""

from __future__ import annotations

from bot.slack.listeners import (
    alerts,
    events,
    home,
    incident_actions,
    incident_command,
    incident_views,
    oncall_command,
    paging_actions,
)
from bot.slack.listeners.common import Deps


def register_listeners(app, deps: Deps, paging, alert_service, oncall) -> None:
    for module in (events, incident_command, incident_actions, incident_views, home):
        module.register(app, deps)
    paging_actions.register(app, deps, paging, alert_service.resolve_subject if alert_service else None)
    alerts.register(app, deps, alert_service)
    oncall_command.register(app, deps, oncall)
