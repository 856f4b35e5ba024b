"""Every Bolt listener warroom registers, by feature, in one place (the manifest test reads it too)."""

from __future__ import annotations

from bot.slack import home
from bot.slack.alerts import listeners as alerts
from bot.slack.commands import CommandHandler, listen
from bot.slack.deps import Deps
from bot.slack.incidents import actions as incident_actions
from bot.slack.incidents import checklist as incident_checklist
from bot.slack.incidents import command as incident_command
from bot.slack.incidents import events as incident_events
from bot.slack.incidents import views as incident_views
from bot.slack.oncall import listeners as oncall
from bot.slack.paging import listeners as paging
from bot.slack import postmortems

FEATURES = (incident_events, incident_actions, incident_checklist, incident_views, home, paging, alerts, oncall,
            postmortems)


# what each slash command does, whether handled at once or after its ack (bot.slack.commands)
SLASH_COMMANDS: dict[str, CommandHandler] = {
    "/incident": incident_command.handle,
    "/il-oncall": oncall.command,
    "/il-alert": alerts.command,
}


def register_listeners(app, deps: Deps) -> None:
    """Registration only stores ``deps``; nothing in it is touched until a request arrives."""
    # Bolt tries each request on the listeners in the order they were registered, and each try costs
    # about 50 µs (its matchers build their arguments by introspection): the commands go first, as they
    # come in bursts and wait for their acks
    for name, handler in SLASH_COMMANDS.items():
        listen(app, deps, name, handler)
    for feature in FEATURES:
        feature.register(app, deps)
