"""The Slack adapter's side of the chat port, put together in one place: a handler for every effect
kind, a renderer for every surface and a builder for every message (``bot.effects.port`` lists
what the domain may ask; a test checks that everything there is here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from bot.alerts.service import AlertService
from bot.config import Config
from bot.incidents.channels import IncidentChannels
from bot.incidents.service import IncidentService
from bot.oncall.routine import ShiftRoutine
from bot.oncall.swaps import Swaps
from bot.paging.service import Paging
from bot.postmortems.service import Postmortems
from bot.slack.alerts import render as alert_render
from bot.slack.alerts.surfaces import AlertSurfaces
from bot.slack.api import SlackApi
from bot.slack.directory import Directory
from bot.slack.incidents import render as incident_render
from bot.slack.incidents.channel import IncidentChannel
from bot.slack.incidents.followups import FollowupSurfaces, ticket_failed
from bot.slack.incidents.checklist import ChecklistSurface
from bot.slack.incidents.summary import MESSAGES as AI_SUMMARY_MESSAGES
from bot.slack.incidents.surfaces import IncidentSurfaces
from bot.slack.messages import MessageBuilder, RenderContext, already_rendered, template_post
from bot.slack.messaging import Messaging
from bot.slack.oncall import render as oncall_render
from bot.slack.oncall.swap import SwapSurfaces
from bot.slack.oncall.usergroups import UserGroupSync
from bot.slack.paging import render as paging_render
from bot.slack.paging.surfaces import PagingSurfaces
from bot.slack.postmortem_uploads import Narrative, PostmortemUploads
from bot.slack.surfaces import SurfaceRenderer, Surfaces
from storage.tickets import TicketStore
from kernel.outbox import Effect

EffectHandler = Callable[[Effect], Awaitable[dict | None]]
FailureHook = Callable[[Effect, str], None]

MESSAGES: dict[str, MessageBuilder] = {
    **incident_render.MESSAGES,
    **paging_render.MESSAGES,
    **alert_render.MESSAGES,
    **oncall_render.MESSAGES,
    "incident.ticket_failed": ticket_failed,
    "webhooks.given_up": template_post("webhooks/posts", "given_up"),
    "webhooks.disabled": template_post("webhooks/posts", "disabled"),
    **AI_SUMMARY_MESSAGES,
    "answer": already_rendered,
}


@dataclass
class SlackCatalogue:
    handlers: dict[str, EffectHandler]
    surfaces: dict[str, SurfaceRenderer]
    messages: dict[str, MessageBuilder]
    failure_hooks: dict[str, FailureHook]


def build_catalogue(*, api: SlackApi, directory: Directory, render: RenderContext, surfaces: Surfaces,
                    config: Config, incidents: IncidentService, channels: IncidentChannels, paging: Paging,
                    alerts: AlertService, routine: ShiftRoutine, swaps: Swaps, tickets: TicketStore,
                    bot_user_id: str, postmortems: Postmortems, narrative: Narrative | None = None) -> SlackCatalogue:
    render.page_subjects.update({"incident": paging_render.describe_incident, "alert": alert_render.describe_alert})
    render.status_extras.append(lambda incident: alert_render.alert_lines(render, incident))
    channel = IncidentChannel(api, directory, incidents, channels, bot_user_id)
    messaging = Messaging(api, directory, render, MESSAGES, config, surfaces.clock)
    incident_surfaces = IncidentSurfaces(render, directory, config)
    paging_surfaces = PagingSurfaces(paging, directory, render)
    alert_surfaces = AlertSurfaces(alerts, directory, render)
    usergroups = UserGroupSync(api, routine, surfaces.store, surfaces.work, surfaces.clock)
    swap_surfaces = SwapSurfaces(swaps, directory, render)
    followup_surfaces = FollowupSurfaces(render, tickets)
    checklist = ChecklistSurface(render, incidents.plans)
    postmortem_uploads = PostmortemUploads(api, directory, render, incidents, postmortems, config, narrative)
    renderers: dict[str, SurfaceRenderer] = {
        "incident:*:topic": incident_surfaces.topic,
        "incident:*:status": incident_surfaces.status,
        "incident:*:announcement": incident_surfaces.announcement,
        "incident:*:checklist": checklist.render,
        "page:*": paging_surfaces.page,
        "alertdm:*": alert_surfaces.dm,
        "alertbatch:*": alert_surfaces.batch,
        "swap:*": swap_surfaces.swap,
        "followup:*": followup_surfaces.followup,
    }
    surfaces.renderers.update(renderers)
    handlers: dict[str, EffectHandler] = {
        "incident.create_channel": channel.create,
        "incident.invite": channel.invite,
        "incident.bookmark": channel.bookmark,
        "paging.expand_group": paging_surfaces.expand_group,
        "message.post": messaging.post,
        "message.reply": messaging.reply,
        "surface.sync": surfaces.sync,
        "oncall.sync_usergroup": usergroups.sync,
        "postmortem.draft": postmortem_uploads.draft,
        "postmortem.upload": postmortem_uploads.upload,
    }
    failure_hooks: dict[str, FailureHook] = {
        # no channel means no incident room: the declarer must hear it, not only the log
        "incident.create_channel": lambda effect, reason: channels.setup_failed(int(effect.payload["incident"]), reason),
    }
    return SlackCatalogue(handlers, renderers, MESSAGES, failure_hooks)

