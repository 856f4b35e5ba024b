"""Every Bolt listener warroom registers, by feature, in one place (the manifest test reads it too)."""

from __future__ import annotations

from bot.slack import home
from bot.slack.alerts import listeners as alerts
from bot.slack.deps import Deps
from bot.slack.incidents import actions as incident_actions
from bot.slack.incidents import checklist as incident_checklist
from bot.slack.incidents import command as incident_command
from bot.slack.incidents import events as incident_events
from bot.slack.incidents import views as incident_views
from bot.slack.oncall import listeners as oncall
from bot.slack.paging import listeners as paging
from bot.slack import postmortems

FEATURES = (incident_events, incident_command, incident_actions, incident_checklist, incident_views, home, paging, alerts, oncall,
            postmortems)


def register_listeners(app, deps: Deps) -> None:
    """Registration only stores ``deps``; nothing in it is touched until a request arrives."""
    for feature in FEATURES:
        feature.register(app, deps)
