"""Alerts: raised from Slack or monitoring, posted to a channel, paged through an escalation policy.

Nothing here knows Slack or HTTP. Every change is one transaction of state + log + effects, so a
webhook's 2xx reply or a Slack ack is only sent once the alert is on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from bot.actor import Actor
from bot.alerts.limits import OpenAlertCap
from bot.alerts.model import MAX_DETAILS, MAX_SUMMARY, AlertError, AlertEvent
from bot.alerts.spacing import PostSpacing
from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.logs import get_logger
from bot.paging.model import DmGroup
from bot.paging.service import Paging
from bot.work import ALERTS_AND_PAGES, Work
from kernel.alerts import Alert, AlertSource, AlertStatus
from kernel.paging import EscalationPolicy, EscalationState, Level
from kernel.text import strip_invisible
from bot.alerts.repeats import RepeatTally
from storage.alerts import AlertStore

if TYPE_CHECKING:
    from bot.alerts.silences import Silences

log = get_logger("warroom.alerts")

POST_INTERVAL = 1.0           # at most about one new alert message per second per channel
SLACK_SOURCE = "slack"        # alerts that listed users raise outside any slack source's channels


@dataclass(frozen=True)
class FireResult:
    alert: Alert
    created: bool             # False: an open alert with the same dedup key was updated (or resolved)


@dataclass(frozen=True)
class RaiseOptions:
    """What a person may choose in /il-alert, here."""

    source: AlertSource
    policies: tuple[str, ...]
    priority_fixed: str | None      # None: they may choose


def subject(alert_id: int) -> str:
    return f"alert:{alert_id}"


class AlertService:
    def __init__(self, store: AlertStore, paging: Paging, effects: Effects, work: Work, clock: Clock,
                 config: Config, silences: "Silences | None" = None) -> None:
        self.store = store
        self.silences = silences       # maintenance windows and silences: recorded, not paged
        self.paging = paging
        self.effects = effects
        self.work = work
        self.clock = clock
        self.config = config
        self.open_cap = OpenAlertCap(store, effects)
        self.spacing = PostSpacing(POST_INTERVAL, clock.monotonic)
        # told (source name, events) once alert events are committed: for counting (bot/metrics.py)
        self.on_stored: list[Callable[[str, int], None]] = []

    def get(self, alert_id: int) -> Alert:
        alert = self.store.get(alert_id)
        if alert is None:
            raise AlertError("no_such_alert", number=alert_id)
        return alert

    # raising -----------------------------------------------------------------------------------
    def receive(self, source: AlertSource, events: list[AlertEvent]) -> list[FireResult]:
        """A monitoring payload: every event in one transaction, on disk before the caller replies."""
        with self.work(ALERTS_AND_PAGES):
            results = self._receive(source, events)
        self.stored(source.name, len(events))
        return results

    def fire(self, source: AlertSource, event: AlertEvent) -> FireResult | None:
        """One monitoring event in the caller's transaction (see :mod:`bot.alerts.intake`); None for a
        "resolved" with nothing open. Raises :class:`bot.alerts.limits.SourceFull` for a new alert
        over the source's cap, having written nothing."""
        return self._apply(source, event, actor=None, policy=None, priority=None)

    def open_alerts_later(self, source: AlertSource, dedup_keys: list[str]) -> Callable[[], dict[str, Alert]]:
        """The open alerts of ``source`` under ``dedup_keys``, asked now, read when called."""
        return self.store.open_by_keys_later(source.name, dedup_keys)

    def fire_repeat(self, source: AlertSource, event: AlertEvent, alert: Alert, tally: RepeatTally) -> FireResult:
        """:meth:`fire` for an ``event`` that repeats ``alert``, which the caller read as open in this
        transaction under the alerts' lock: kept in ``tally``, which :meth:`count_repeats` writes."""
        summary, details = _texts(event)
        now = self.clock.time()
        tally.add(alert.id, summary, details, event.labels)
        self._sync_post(alert.id, alert.batch_id)
        counted = replace(alert, summary=summary, details=details, labels=event.labels,
                          event_count=alert.event_count + 1, updated_at=now)
        return FireResult(counted, created=False)

    def count_repeats(self, tally: RepeatTally) -> Callable[[], bool] | None:
        """The repeats in ``tally`` written, with no wait, and the tally emptied (None: it held none). The
        callable says whether every alert was still open; the caller checks before it commits."""
        repeats = tally.take()
        if not repeats:
            return None
        counted = self.store.count_repeats(repeats, self.clock.time())
        return lambda: counted() == len(repeats)

    def _receive(self, source: AlertSource, events: list[AlertEvent]) -> list[FireResult]:
        return [r for r in (self._apply(source, e, actor=None, policy=None, priority=None) for e in events) if r]

    def raise_alert(self, source: AlertSource, event: AlertEvent, *, actor: str | None, policy: str | None = None,
                    priority: str | None = None, allowed_policies: tuple[str, ...] | None = None) -> FireResult:
        """Someone raises an alert in Slack (``allowed_policies``: what /il-alert let them choose)."""
        if not event.summary.strip():
            raise AlertError("empty_summary", field="summary")
        if allowed_policies is not None and policy not in allowed_policies:
            raise AlertError("not_a_policy", field="policy", given=policy)
        with self.work(ALERTS_AND_PAGES):
            result = self._apply(source, event, actor=actor, policy=policy, priority=priority)
        assert result is not None
        self.stored(source.name, 1)
        return result

    def stored(self, source: str, events: int) -> None:
        """``events`` of ``source`` are committed (the caller's transaction, or the webhook intake's)."""
        for observer in self.on_stored:
            try:
                observer(source, events)
            except Exception:  # counting must never undo an answer that is already true
                log.warning("alerts.observer_failed", exc_info=True, source=source)

    def _apply(self, source: AlertSource, event: AlertEvent, *, actor: str | None, policy: str | None,
               priority: str | None) -> FireResult | None:
        now = self.clock.time()
        summary, details = _texts(event)
        if event.resolve:
            existing = self.store.open_by_key(source.name, event.dedup_key) if event.dedup_key else None
            if existing is None:
                return None  # nothing open under that key: a late or repeated "resolved"
            self._resolve(existing, by=None, at=now, reason="source")
            return FireResult(self.get(existing.id), created=False)
        if event.dedup_key:
            repeated = self._fired_again(source, event, summary, details, now)
            if repeated is not None:
                return repeated
        chosen_policy = policy or source.escalation_policy
        chosen_priority = priority or source.priority
        channel = source.channel or self.config.channels.alerts
        if source.type != "slack":
            self.open_cap.admit(source, channel)
        silenced = self.silences.reason(source, now) if self.silences is not None else None
        alert = self.store.insert(
            source=source.name, dedup_key=event.dedup_key, summary=summary, details=details,
            priority=chosen_priority, status=AlertStatus.PENDING, policy=chosen_policy, channel=channel,
            created_by=actor, created_at=now, updated_at=now, labels=event.labels,
            batch_id=self._batch_to_join(channel, now), silenced=silenced,
        )
        if alert is None:  # another replica recorded this key since the update above found nothing
            return self._fired_again(source, event, summary, details, now)
        self.store.log(alert.id, "created", at=now, actor=actor, data={"source": source.name})
        if silenced is not None:
            self.store.log(alert.id, "silenced", at=now, data={"reason": silenced})
            log.info("alert.silenced", alert=alert.id, source=source.name, reason=silenced)
            return FireResult(alert, created=True)
        policy_obj = self.config.policy(chosen_policy) if chosen_policy else None
        if policy_obj is not None:
            levels, repeat = self._levels(policy_obj, chosen_priority)
            self.paging.start(subject(alert.id), levels, repeat=repeat, policy=policy_obj.name, reason="",
                              created_by=actor)
        log.info("alert.created", alert=alert.id, source=source.name, priority=chosen_priority)
        return FireResult(alert, created=True)

    def _fired_again(self, source: AlertSource, event: AlertEvent, summary: str, details: str,
                     now: float) -> FireResult | None:
        """A repeat: the cheap path a storm takes (event_count and updated_at record it; no log row)."""
        repeated = self.store.fired_again(source.name, event.dedup_key, summary=summary, details=details,
                                          labels=event.labels, at=now)
        if repeated is None:
            return None
        self._sync_post(repeated.id, repeated.batch_id)
        return FireResult(repeated, created=False)

    @staticmethod
    def _levels(policy: EscalationPolicy, priority: str) -> tuple[tuple[Level, ...], int]:
        if priority == "low":  # low priority: level 1 hears about it; nobody is escalated to
            return (Level(policy.levels[0].targets, None),), 0
        return policy.levels, policy.repeat

    def _batch_to_join(self, channel: str, now: float) -> int:
        """The channel's batch still waiting for its message, or a new one whose message is recorded
        now (at once, or when the channel's post spacing allows)."""
        batch = self.store.open_batch(channel)
        if batch is None:
            batch = self.store.new_batch(channel, now)
            wait = self.spacing.wait(channel, self.store.last_post_at(channel), now)
            self.effects.sync(f"alertbatch:{batch}", immediate=True, delay=wait)
        return batch

    def close_batch(self, batch_id: int) -> list[Alert]:
        """The batch's message is being written now: from here on new alerts start the next one.
        Returns what the message shows."""
        with self.work(ALERTS_AND_PAGES):
            self.store.close_batch(batch_id, self.clock.time())
        return self.store.in_batch(batch_id)

    def _sync_post(self, alert_id: int, batch: int | None = None) -> None:
        batch = batch if batch is not None else self.store.batch_of(alert_id)
        if batch is not None:
            self.effects.sync(f"alertbatch:{batch}")

    # answering ---------------------------------------------------------------------------------
    # who may answer ------------------------------------------------------------------------------
    def may_answer(self, alert: Alert, by: Actor) -> bool:
        """Listed users, managers and whoever was paged for it; anyone when the config says so."""
        if self.config.who_may_answer_alerts == "anyone" or by.is_manager or by.is_oncall_manager:
            return True
        if self.config.person(by.user) is not None:
            return True
        return any(page.user == by.user for escalation in self.paging.store.for_subject(subject(alert.id))
                   for page in self.paging.store.pages(escalation.id))

    def _pending_for(self, alert_id: int, by: Actor) -> Alert:
        """The alert, still pending and ``by``'s to answer, or the refusal that says why not."""
        alert = self.get(alert_id)
        if alert.status != AlertStatus.PENDING:
            raise AlertError("alert_not_pending", alert=alert)
        if not self.may_answer(alert, by):
            raise AlertError("alert_not_yours", alert=alert)
        return alert

    def accept(self, alert_id: int, by: Actor, note: str | None = None) -> Alert:
        """Acknowledge: stop escalating. A second click says who got there first and changes nothing."""
        user = by.user
        with self.work(ALERTS_AND_PAGES):
            self._pending_for(alert_id, by)
            escalations = [e for e in self.paging.store.for_subject(subject(alert_id)) if e.can_acknowledge]
            if escalations:
                for escalation in escalations:
                    self.paging.acknowledge(escalation.id, user, note)  # the hook marks the alert accepted
            else:
                self._accepted(alert_id, user, self.clock.time())
        return self.get(alert_id)

    def accept_many(self, alert_ids: list[int], by: Actor) -> tuple[int, int]:
        """Acknowledge all (a storm's digest or grouped DM): (done, not theirs to answer); the ones
        already handled are skipped."""
        return self._many(alert_ids, by, lambda a: a.status == AlertStatus.PENDING, self.accept)

    def resolve_many(self, alert_ids: list[int], by: Actor) -> tuple[int, int]:
        return self._many(alert_ids, by, lambda a: a.status != AlertStatus.RESOLVED, self.resolve)

    def _many(self, alert_ids: list[int], by: Actor, wanted, act) -> tuple[int, int]:
        done = refused = 0
        with self.work(ALERTS_AND_PAGES):
            for alert_id in alert_ids:
                alert = self.store.get(alert_id)
                if alert is None or not wanted(alert):
                    continue
                if not self.may_answer(alert, by):
                    refused += 1
                    continue
                act(alert_id, by)
                done += 1
        return done, refused

    def in_batch(self, batch_id: int) -> list[int]:
        return [a.id for a in self.store.in_batch(batch_id)]

    def in_dm_group(self, group: str) -> list[int]:
        return self.paging.store.group_subjects(group)

    def resolve(self, alert_id: int, by: Actor) -> Alert:
        with self.work(ALERTS_AND_PAGES):
            alert = self.get(alert_id)
            if alert.status == AlertStatus.RESOLVED:
                raise AlertError("alert_not_pending", alert=alert)
            if not self.may_answer(alert, by):
                raise AlertError("alert_not_yours", alert=alert)
            self._resolve(alert, by=by.user, at=self.clock.time(), reason="person")
        return self.get(alert_id)

    def resolve_subject(self, subject_key: str, by: Actor) -> None:
        kind, _, ref = subject_key.partition(":")
        if kind != "alert":
            raise AlertError("cannot_resolve_here")
        self.resolve(int(ref), by)

    def escalate(self, alert_id: int, by: Actor, seen: tuple[int, int] | None = None) -> None:
        user = by.user
        with self.work(ALERTS_AND_PAGES):
            alert = self._pending_for(alert_id, by)
            active = [e for e in self.paging.store.for_subject(subject(alert_id)) if e.state == EscalationState.ACTIVE]
            if not active:
                raise AlertError("alert_nothing_to_escalate", alert=alert)
            self.paging.escalate_now(active[-1].id, user, seen=seen)
            self.store.log(alert_id, "escalated", at=self.clock.time(), actor=user)

    def link_declared_incident(self, incident_id: int, request, now: float) -> None:
        """A declare hook: an incident declared from an alert's button is linked to that alert."""
        alert_id = (request.source or {}).get("alert")
        if alert_id:
            self.link_incident(int(alert_id), incident_id, request.declared_by)

    def link_incident(self, alert_id: int, incident_id: int, by: str) -> None:
        """Called inside the declare transaction when an incident is declared from an alert; refusing
        here rolls the whole declaration back (two people clicking Declare get one incident)."""
        alert = self.get(alert_id)
        if alert.incident_id is not None and alert.incident_id != incident_id:
            raise AlertError("alert_already_declared", field="title", alert=alert,
                             incident=alert.incident_id)
        self.store.update(alert_id, incident_id=incident_id, updated_at=self.clock.time())
        self.store.log(alert_id, "incident_declared", at=self.clock.time(), actor=by, data={"incident": incident_id})
        self._sync_post(alert_id)

    def _accepted(self, alert_id: int, user: str, at: float) -> None:
        self.store.update(alert_id, status=AlertStatus.ACCEPTED, accepted_by=user, accepted_at=at, updated_at=at)
        self.store.log(alert_id, "accepted", at=at, actor=user)
        self._sync_post(alert_id)

    def _resolve(self, alert: Alert, *, by: str | None, at: float, reason: str) -> None:
        self.store.update(alert.id, status=AlertStatus.RESOLVED, resolved_by=by, resolved_at=at, updated_at=at)
        self.store.log(alert.id, "resolved", at=at, actor=by, data={"by": reason})
        self.paging.end(subject(alert.id), by=by)
        self._sync_post(alert.id)

    # who may raise what, where -----------------------------------------------------------------
    def raise_options(self, user: str, channel_id: str, channel_name: str) -> RaiseOptions:
        here = next((s for s in self.config.alert_sources
                     if s.type == "slack" and (channel_id in s.channels or channel_name in s.channels)), None)
        if self.config.person(user) is not None:
            policies = tuple(p.name for p in self.config.escalation_policies)
            if not policies:
                raise AlertError("no_policies")
            source = here or AlertSource(SLACK_SOURCE, "slack", policies)
            return RaiseOptions(source, policies, None)
        if here is None:
            raise AlertError("no_slack_source_here", channel=channel_name)
        return RaiseOptions(here, here.escalation_policies, here.priority)


class AlertPagingHooks:
    """What paging means for an alert."""

    def __init__(self, service: AlertService) -> None:
        self.service = service

    def dm_group(self, escalation, user: str, page_id: int) -> DmGroup:
        store = self.service.paging.store
        source, group = store.open_alert_group(user, escalation.subject_id)
        if group is not None:
            return DmGroup(group, new=False)
        group = f"alertdm:{page_id}"
        store.remember_alert_group(user, source, group)
        return DmGroup(group, new=True)

    def on_paged(self, escalation, user: str, at: float) -> None:
        self.service.store.log(escalation.subject_id, "paged", at=at, data={"user": user, "level": escalation.level})
        self.service._sync_post(escalation.subject_id)

    def on_acknowledged(self, escalation, user: str, note: str | None, at: float) -> None:
        alert = self.service.store.get(escalation.subject_id)
        if alert is not None and alert.status == AlertStatus.PENDING:
            self.service._accepted(alert.id, user, at)

    def on_exhausted(self, escalation, at: float) -> None:
        alert = self.service.store.get(escalation.subject_id)
        if alert is None:
            return
        self.service.store.log(alert.id, "unanswered", at=at, data={"repeats": escalation.repeat})
        self.service.effects.post(f"channel:{alert.channel}", "alerts.unanswered",
                                  {"alert": alert.id, "repeats": escalation.repeat, "policy": escalation.policy})
        self.service._sync_post(alert.id)

    def on_nobody_on_call(self, escalation, target: str, at: float) -> None:
        alert = self.service.store.get(escalation.subject_id)
        if alert is not None:
            self.service.effects.post(f"channel:{alert.channel}", "alerts.nobody_on_call",
                                      {"alert": alert.id, "target": target})


def _texts(event: AlertEvent) -> tuple[str, str]:
    """The summary and details stored for ``event``: invisible characters out, cut to size."""
    summary = " ".join(strip_invisible(event.summary).split())[:MAX_SUMMARY] or "(no summary)"
    return summary, strip_invisible(event.details)[:MAX_DETAILS]
