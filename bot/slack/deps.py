"""What every listener needs, handed over once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.incidents.channel_log import ChannelLog
from bot.incidents.record import IncidentRecord
from bot.incidents.service import IncidentService
from bot.incidents.timeline_edits import TimelineEdits
from bot.slack.api import SlackApi
from bot.slack.directory import Directory
from bot.slack.messages import RenderContext
from bot.text import Texts
from bot.work import Work
from storage.seen_events import SeenEvents

if TYPE_CHECKING:  # the features' services; typed here only to keep imports one way
    from bot.alerts.service import AlertService
    from bot.alerts.silences import Silences
    from bot.incidents.plans import ResponsePlans
    from bot.incidents.summaries import SummaryRequests
    from bot.oncall.service import OnCallService
    from bot.oncall.swaps import Swaps
    from bot.paging.notify import Notifier
    from bot.paging.service import Paging
    from bot.postmortems.service import Postmortems
    from bot.slack.commands import CommandInbox


@dataclass
class Deps:
    config: Config
    texts: Texts
    clock: Clock
    work: Work
    effects: Effects
    api: SlackApi
    directory: Directory
    render: RenderContext
    incidents: IncidentService
    record: IncidentRecord
    timeline: TimelineEdits
    channel_log: ChannelLog
    paging: "Paging"
    alerts: "AlertService"
    oncall: "OnCallService"
    seen_events: SeenEvents
    silences: "Silences"
    swaps: "Swaps"
    notifier: "Notifier | None" = None      # pages beyond Slack (/il-oncall test)
    plans: "ResponsePlans | None" = None    # incident_types: their checklists
    summaries: "SummaryRequests | None" = None   # AI-drafted summaries (/incident summary)
    postmortems: "Postmortems | None" = None
    commands: "CommandInbox | None" = None   # slash commands handled after their ack in a crowd

    def timezone_of(self, user: str) -> str:
        """The zone a person reads times in: theirs in warroom.yml, else their Slack profile's, else the config's."""
        person = self.config.person(user)
        if person and person.timezone:
            return person.timezone
        cached = self.directory.cached_user(user)
        return (cached or {}).get("tz") or self.config.timezone

    def actor(self, user: str, *, in_channel: bool | None = None) -> Actor:
        """Group membership comes from the directory's cache: a listener may not wait on Slack."""
        managers = self.directory.cached_group_members(self.config.incident_managers)
        oncall_managers = self.directory.cached_group_members(self.config.oncall_managers)
        return Actor(user=user, is_manager=user in managers, is_oncall_manager=user in oncall_managers,
                     in_channel=in_channel)
