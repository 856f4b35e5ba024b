"""The domain wired together over one database and one clock, without any chat platform.

bot/app.py builds it and puts the Slack adapter, the effect runner and the scheduler around it;
the domain tests build it alone (tests/domain/conftest.py), so both run the same wiring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from bot.alerts.heartbeats import HEARTBEAT_TIMER, Heartbeats
from bot.alerts.service import AlertPagingHooks, AlertService
from bot.alerts.silences import Silences
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import SURFACE_SETTLE_SECONDS, Effects
from bot.incidents.channel_log import ChannelLog
from bot.incidents.channels import IncidentChannels
from bot.incidents.paging_hooks import IncidentPagingHooks
from bot.incidents.plans import ResponsePlans
from bot.incidents.pulses import PULSE, PulseFired, Pulses
from bot.incidents.record import IncidentRecord
from bot.incidents.service import IncidentService
from bot.incidents.status_page import StatusPage
from bot.incidents.summaries import SummaryRequests
from bot.incidents.timeline_edits import TimelineEdits
from bot.incidents.tickets import POLL_TIMER, FollowupTickets
from bot.oncall.routine import SHIFT_TIMER, ShiftRoutine
from bot.oncall.service import OnCallService
from bot.oncall.swaps import Swaps
from bot.paging.notify import Notifier
from bot.paging.service import ESCALATION_TIMER, Paging
from bot.webhooks.emit import WebhookEmitter
from bot.postmortems.service import Postmortems
from bot.text import Texts
from bot.work import Work
from kernel.outbox import Timer
from storage.alerts import AlertStore
from storage.checklists import ChecklistStore
from storage.database import Database
from storage.handoffs import HandoffStore
from storage.incidents import IncidentStore
from storage.notify import NotificationStore
from storage.oncall import OverrideStore
from storage.outbox import OutboxStore
from storage.paging import PagingStore
from storage.postmortems import PostmortemStore
from storage.status_page import StatusPageStore
from storage.silences import SilenceStore
from storage.surfaces import SurfaceStore
from storage.swaps import SwapStore
from storage.tickets import TicketStore
from storage.timeline_audit import TimelineAuditStore
from storage.timers import TimerStore

TimerHandler = Callable[[Timer], Awaitable[None]]


@dataclass(frozen=True)
class Domain:
    work: Work
    outbox: OutboxStore
    effects: Effects
    timer_store: TimerStore
    incident_store: IncidentStore
    alert_store: AlertStore
    pulses: Pulses
    oncall: OnCallService
    routine: ShiftRoutine
    swaps: Swaps
    paging: Paging
    channels: IncidentChannels
    incidents: IncidentService
    record: IncidentRecord
    timeline: TimelineEdits
    alerts: AlertService
    silences: Silences
    heartbeats: Heartbeats
    channel_log: ChannelLog
    status_page: StatusPage
    notifier: Notifier
    plans: ResponsePlans
    summaries: SummaryRequests   # AI-drafted catch-up summaries (off unless warroom.yml has ai:)
    tickets: FollowupTickets
    postmortems: Postmortems
    timer_handlers: dict[str, TimerHandler]   # what each kind of timer does when it falls due


def build_domain(config: Config, db: Database, clock: Clock, *, settle: float = SURFACE_SETTLE_SECONDS) -> Domain:
    """Every domain service on ``db`` and ``clock``; ``settle`` is how long a surface waits for more changes."""
    work = Work(db)
    outbox = OutboxStore(db)
    effects = Effects(outbox, clock, settle=settle)
    timer_store = TimerStore(db)
    incident_store = IncidentStore(db)
    timeline_audit = TimelineAuditStore(db)     # edits from /incident event, the web and Slack alike
    pulses = Pulses(timer_store, clock)
    overrides = OverrideStore(db)
    oncall = OnCallService(config, overrides, effects, work, clock)
    routine = ShiftRoutine(config, oncall, HandoffStore(db), overrides, timer_store, effects, work, clock)
    paging = Paging(PagingStore(db), effects, timer_store, work, clock, on_call=oncall.on_call)
    paging.hooks["incident"] = IncidentPagingHooks(incident_store, effects, clock)
    channels = IncidentChannels(incident_store, effects, pulses, work, clock, config)
    incidents = IncidentService(incident_store, effects, pulses, channels, work, clock, config, paging=paging)
    plans = ResponsePlans(incident_store, ChecklistStore(db), effects, work, clock, config, paging=paging)
    incidents.plans = plans
    alert_store = AlertStore(db)
    silences = Silences(SilenceStore(db), config, effects, work, clock)
    alerts = AlertService(alert_store, paging, effects, work, clock, config, silences=silences)
    paging.hooks["alert"] = AlertPagingHooks(alerts)
    heartbeats = Heartbeats(alerts, timer_store, work, clock, config)
    incidents.declare_hooks.append(alerts.link_declared_incident)
    status_page = StatusPage(StatusPageStore(db), effects, work, clock, config)
    incidents.status_page = status_page
    incidents.resolve_hooks.append(status_page.on_resolved)
    notifier = Notifier(NotificationStore(db), paging, effects, work, clock, config)
    incidents.postmortems = postmortems = Postmortems(PostmortemStore(db), incident_store, effects, work, clock,
                                                      Texts(config.templates, config.timezone))
    paging.notifier = notifier
    notifier.priority_of["alert"] = lambda alert_id: getattr(alert_store.get(alert_id), "priority", "high")
    notifier.subject_log["alert"] = lambda escalation, user, what, at: alert_store.log(
        escalation.subject_id, "notified", at=at, data={"user": user, **what})
    surfaces = SurfaceStore(db)
    tickets = FollowupTickets(TicketStore(db), incident_store, timer_store, effects, work, clock, config,
                              has_message=lambda key: surfaces.get(key) is not None)
    notifier.subject_log["incident"] = lambda escalation, user, what, at: incident_store.add_event(
        escalation.subject_id, at=at, actor=None, kind="notified", data={"user": user, **what})
    WebhookEmitter(config.webhooks, effects, incident_store, alert_store, clock, config.web.public_url).listen()
    return Domain(
        work=work, outbox=outbox, effects=effects, timer_store=timer_store, incident_store=incident_store,
        alert_store=alert_store, pulses=pulses, oncall=oncall, routine=routine,
        swaps=Swaps(config, oncall, SwapStore(db), effects, work, clock), paging=paging, channels=channels,
        incidents=incidents, record=IncidentRecord(incident_store, effects, work, clock, tickets), alerts=alerts,
        timeline=TimelineEdits(incident_store, timeline_audit, work, clock),
        silences=silences, heartbeats=heartbeats, notifier=notifier, plans=plans, tickets=tickets,
        postmortems=postmortems,
        channel_log=ChannelLog(incident_store, work, clock, timeline_audit), status_page=status_page,
        summaries=SummaryRequests(effects, work, config),
        timer_handlers={
            PULSE: PulseFired(incident_store, pulses, effects, work, clock, config),
            ESCALATION_TIMER: paging.on_timeout,
            HEARTBEAT_TIMER: heartbeats.on_timeout,
            SHIFT_TIMER: routine.on_timer,
            POLL_TIMER: tickets.on_timer,
        },
    )
