"""Pages beyond Slack, in the domain's words: which ways to reach a paged person, when, and what became
of each. Nothing here speaks HTTP or SMTP: every delivery is a ``notify.send`` effect recorded in the
page's transaction and performed by ``bot.notify`` through the effect runner (retries, backoff).

Notifications due together for one person by one way go out as one delivery (a bundle): in a storm of
a thousand alerts the person gets one push that says a thousand, not a thousand pushes, and every page
in it is attempted at once; acknowledging the delivery acknowledges every page it carried.

A notification that keeps failing is given up after ``notify.attempts`` tries and the person's next
way is brought forward; one skipped (Do Not Disturb) likewise. Acknowledging on any way stops the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from bot.clock import Clock
from bot.config import Config
from bot.effects.outbox import Effects
from bot.logs import get_logger
from bot.paging.service import AckOutcome, Paging
from bot.work import ALERTS_AND_PAGES, Work
from kernel.notify import PUSH_METHODS, WAKING_METHODS, ContactMethods, Notification, NotificationState
from kernel.paging import Escalation
from storage.notify import NotificationStore

log = get_logger("warroom.notify")

SEND = "notify.send"
POLL = "notify.poll"
CANCEL = "notify.cancel"
BUNDLE_LIMIT = 1000     # pages one delivery carries at most; the rest go in the next one
SubjectLog = Callable[[Escalation, str, dict, float], None]   # (escalation, user, what, at)


@dataclass(frozen=True)
class Step:
    method: str
    delay: float


@dataclass(frozen=True)
class LinkAck:
    notification: Notification
    outcome: AckOutcome | None       # None: a test page (nothing to acknowledge)
    also: int = 0                    # other pages of the same delivery this answer acknowledged


class Notifier:
    def __init__(self, store: NotificationStore, paging: Paging, effects: Effects, work: Work, clock: Clock,
                 config: Config) -> None:
        self.store = store
        self.paging = paging
        self.effects = effects
        self.work = work
        self.clock = clock
        self.config = config
        self.priority_of: dict[str, Callable[[int], str]] = {}   # subject kind -> its priority by id
        self.subject_log: dict[str, SubjectLog] = {}              # subject kind -> where its history goes

    # planning --------------------------------------------------------------------------------
    def contact(self, user: str) -> ContactMethods:
        person = self.config.person(user)
        return person.contact if person else ContactMethods()

    def usable(self, user: str) -> tuple[str, ...]:
        """The ways this person can be reached now (their contacts whose provider is configured)."""
        settings = self.config.notify
        return tuple(m for m in self.contact(user).methods if settings.provider(m) is not None)

    def steps(self, user: str, priority: str) -> list[Step]:
        person = self.config.person(user)
        rules = (person.rules if person and person.rules else self.config.notify.rules).for_priority(priority)
        usable = self.usable(user)
        steps: list[Step] = []
        for rule in rules:
            for method in (PUSH_METHODS if rule.method == "push" else (rule.method,)):
                if method in usable and not (priority == "low" and method in WAKING_METHODS):
                    steps.append(Step(method, rule.delay.total_seconds()))
        return steps

    def plan(self, escalation: Escalation, page_id: int, user: str, now: float) -> None:
        """Called in the page's transaction: every way to reach ``user`` about it, each when due."""
        priority = self.priority_of.get(escalation.subject_kind, lambda _id: "high")(escalation.subject_id)
        steps = self.steps(user, priority)
        if all(step.method == "slack" for step in steps):
            return   # Slack alone: the DM is the page, as before; no Do Not Disturb check with nowhere to skip to
        for index, step in enumerate(steps):
            notification = self.store.add(page_id=page_id, escalation_id=escalation.id, user=user, step=index,
                                          method=step.method, priority=priority, due_at=now + step.delay, now=now)
            self.effects.do(SEND, {"notification": notification}, lane=f"notify:{notification}", delay=step.delay)

    def plan_test(self, user: str) -> list[str]:
        """``/il-oncall test``: one notification on every way the person has, at once; the methods tried."""
        now = self.clock.time()
        methods = list(self.usable(user))
        with self.work():
            for index, method in enumerate(methods):
                notification = self.store.add(page_id=None, escalation_id=None, user=user, step=index, method=method,
                                              priority="high", due_at=now, now=now)
                self.store.log(notification, "planned", at=now, detail="test page")
                self.effects.do(SEND, {"notification": notification}, lane=f"notify:{notification}")
        return methods

    # the adapter reports -----------------------------------------------------------------------
    def begin(self, notification_id: int, *, resumed: bool = False) -> Notification | None:
        """The notification to send now, with this attempt recorded; None when it is no longer wanted.

        It is marked as being sent, so a second effect for it (one brought forward while the first
        waited) does not send it twice; ``resumed``: this effect's own earlier attempt may have died midway.
        """
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            notification = self.store.get(notification_id)
            wanted = (NotificationState.PLANNED, NotificationState.SENDING) if resumed else (NotificationState.PLANNED,)
            if notification is None or notification.state not in wanted:
                return None
            if notification.bundle_id is not None:
                # another delivery carries it: its own effect, resumed after a crash (the runner counts an
                # attempt when it claims, and claims a storm's effects together), must not send it again
                return None
            if not notification.test:
                escalation = self.paging.get(notification.escalation_id)
                if not escalation.can_acknowledge:
                    self._stop(notification, "answered before its time", now)
                    return None
            self.store.begin_attempt(notification_id)
            self.store.update(notification_id, state=NotificationState.SENDING)
            self.store.log(notification_id, "attempt", at=now, detail=f"attempt {notification.attempts + 1}")
            if not notification.test:
                others = self.store.due_with(notification, now, BUNDLE_LIMIT)
                if others:
                    self.store.join_bundle(others, notification_id)
                    self.store.log_many(others, "attempt", at=now, detail=f"with notification {notification_id}")
            return self.store.get(notification_id)

    def bundle(self, notification_id: int) -> list[Notification]:
        """The other pages the delivery of ``notification_id`` carries."""
        return self.store.bundled_with(notification_id)

    def sent(self, notification_id: int, detail: str = "", receipt: str | None = None, *,
             poll_after: float | None = None) -> None:
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            notification = self.store.get(notification_id)
            if notification is None:
                return
            self.store.update(notification_id, state=NotificationState.SENT, detail=detail, receipt=receipt, sent_at=now)
            self.store.log(notification_id, "sent", at=now, detail=detail)
            self._tell(notification, "sent", detail, now)
            carried = self.store.bundled_with(notification_id)
            for other in carried:
                self.store.update(other.id, state=NotificationState.SENT, detail=detail, sent_at=now)
                self._tell(other, "sent", detail, now)
            self.store.log_many([o.id for o in carried], "sent", at=now, detail=f"{detail}, with notification {notification_id}")
            if poll_after is not None:
                self.effects.do(POLL, {"notification": notification_id}, lane=f"notify:{notification_id}",
                                delay=poll_after)

    def retrying(self, notification_id: int, reason: str) -> None:
        with self.work():
            self.store.update(notification_id, state=NotificationState.PLANNED, detail=reason)
            self.store.log(notification_id, "retry", at=self.clock.time(), detail=reason)

    def not_yet(self, notification_id: int) -> None:
        """Paced (Slack's rate tier): nothing was sent, it goes again soon."""
        with self.work():
            self.store.update(notification_id, state=NotificationState.PLANNED)

    def pending_receipt(self, notification_id: int) -> str | None:
        """The Pushover receipt still worth asking about: sent, and its page still waiting for an answer."""
        notification = self.store.get(notification_id)
        if notification is None or notification.state != NotificationState.SENT or not notification.receipt:
            return None
        if notification.test:
            return notification.receipt
        return notification.receipt if self.paging.get(notification.escalation_id).can_acknowledge else None

    def expired(self, notification_id: int, why: str) -> None:
        with self.work():
            self.store.log(notification_id, "expired", at=self.clock.time(), detail=why)

    def failed(self, notification_id: int, reason: str) -> None:
        """Given up: said on the timeline, and the next way brought forward."""
        self._give_up(notification_id, NotificationState.FAILED, "failed", reason)

    def skipped(self, notification_id: int, reason: str) -> None:
        """Not sent (Do Not Disturb): the next way goes at once."""
        self._give_up(notification_id, NotificationState.SKIPPED, "skipped", reason)

    def _give_up(self, notification_id: int, state: NotificationState, outcome: str, reason: str) -> None:
        """The notification and every page its delivery carried: each one's next way comes forward."""
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            notification = self.store.get(notification_id)
            if notification is None:
                return
            for each in (notification, *self.store.bundled_with(notification_id)):
                self.store.update(each.id, state=state, detail=reason)
                self.store.log(each.id, outcome, at=now, detail=reason)
                following = self._bring_forward(each, now)
                self._tell(each, outcome, reason, now, following=following)
        log.warning(f"notify.{outcome}", notification=notification_id, method=notification.method, reason=reason)

    def _bring_forward(self, notification: Notification, now: float) -> str | None:
        if notification.test or notification.page_id is None:
            return None
        for later in self.store.for_page(notification.page_id):
            if later.step > notification.step and later.state == NotificationState.PLANNED:
                if later.due_at > now:
                    self.store.update(later.id, due_at=now)
                    self.store.log(later.id, "brought_forward", at=now,
                                   detail=f"after {notification.method}")
                    # the effect planned for later finds it sent by then and does nothing
                    self.effects.do(SEND, {"notification": later.id}, lane=f"notify:{later.id}:now")
                return later.method
        return None

    def poll_again(self, notification_id: int, delay: float) -> None:
        with self.work():
            self.effects.do(POLL, {"notification": notification_id}, lane=f"notify:{notification_id}", delay=delay)

    # acknowledging -----------------------------------------------------------------------------
    def acknowledge(self, notification_id: int, via: str) -> LinkAck | None:
        """Someone answered a notification (a link, an ntfy button, a Pushover receipt, an SMS reply, a
        keypress): the same acknowledge as Slack's button, by the person it was sent to."""
        notification = self.store.get(notification_id)
        if notification is None:
            return None
        now = self.clock.time()
        if notification.test:
            with self.work():
                self.store.log(notification_id, "acknowledged", at=now, detail=via)
            return LinkAck(notification, None)
        with self.work(ALERTS_AND_PAGES):
            outcome = self.paging.acknowledge(notification.escalation_id, notification.user)
            if not outcome.already:
                self.store.log(notification_id, "acknowledged", at=now, detail=via)
                self._tell(notification, "acknowledged", via, now)
            # one answer for the whole delivery, whichever of its pages the answer names
            also = 0
            for other in self._same_delivery(notification):
                if not self.paging.acknowledge(other.escalation_id, other.user).already:
                    also += 1
                    self.store.log(other.id, "acknowledged", at=now, detail=f"{via}, with notification {notification_id}")
                    self._tell(other, "acknowledged", via, now)
        log.info("notify.acknowledged", notification=notification_id, via=via, already=outcome.already, also=also)
        return LinkAck(notification, outcome, also)

    def waiting_with(self, notification_id: int) -> int:
        """How many other pages the same delivery carried still wait for an answer (the acknowledge page
        says so: its own page may be answered already while the others still escalate)."""
        notification = self.store.get(notification_id)
        if notification is None or notification.test:
            return 0
        return sum(1 for other in self._same_delivery(notification)
                   if self.paging.get(other.escalation_id).can_acknowledge)

    def _same_delivery(self, notification: Notification) -> list[Notification]:
        """The other pages of the delivery that carried ``notification`` (its leader and the rest)."""
        leader = notification.bundle_id or notification.id
        carried = self.store.bundled_with(leader, sending_only=False)
        everyone = ([self.store.get(leader)] if leader != notification.id else []) + carried
        return [n for n in everyone if n is not None and n.id != notification.id]

    def use_link(self, token: str, notification_id: int) -> bool:
        with self.work():
            return self.store.use_link(token, notification_id, now=self.clock.time())

    def stop(self, escalation_id: int, why: str) -> None:
        """Acknowledged or over: nothing more goes out, and Pushover stops re-alerting. In the caller's
        transaction."""
        now = self.clock.time()
        for notification in self.store.for_escalation(escalation_id):
            if notification.state == NotificationState.SENDING and self.store.bundled_with(notification.id):
                # its delivery is on its way carrying other pages: released now, they would go out again in
                # a second delivery. Its outcome decides theirs: sent, given up (their next ways come
                # forward), or tried again, when begin() finds this page answered and releases them then.
                continue
            if notification.state in (NotificationState.PLANNED, NotificationState.SENDING):
                self._stop(notification, why, now)
            elif notification.method == "pushover" and notification.receipt and notification.state == "sent":
                self.effects.do(CANCEL, {"notification": notification.id}, lane=f"notify:{notification.id}")

    def _stop(self, notification: Notification, why: str, now: float) -> None:
        self.store.update(notification.id, state=NotificationState.STOPPED, detail=why)
        self.store.log(notification.id, "stopped", at=now, detail=why)
        # the pages its delivery was to carry still need theirs: they go again, as a bundle of their own
        released = self.store.release_bundle(notification.id)
        if released:
            self.effects.do(SEND, {"notification": released[0]}, lane=f"notify:{released[0]}:again")

    # telling -----------------------------------------------------------------------------------
    def _tell(self, notification: Notification, outcome: str, detail: str, now: float, *,
              following: str | None = None) -> None:
        what = {"method": notification.method, "outcome": outcome, "detail": detail, "next": following,
                "notification": notification.id}
        if notification.test:
            if outcome != "retry":
                self.effects.post(f"dm:{notification.user}", "notify.test_result",
                                  {"method": notification.method, "outcome": outcome, "detail": detail})
            return
        escalation = self.paging.get(notification.escalation_id)
        record = self.subject_log.get(escalation.subject_kind)
        if record is not None:
            record(escalation, notification.user, what, now)
