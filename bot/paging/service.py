"""Escalations: page a level's people by DM; no acknowledgement within the level's timeout pages
the next level; after the last level the policy repeats, then the subject's owners hear that
nobody answered. Acknowledge stops it all and every page shows who answered and when.

Subjects (incidents, alerts) plug in through :class:`SubjectHooks`; nothing here knows Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from bot.clock import Clock
from bot.effects.outbox import Effects
from bot.effects.replies import ReplyTo
from bot.logs import get_logger
from bot.paging.model import DmGroup, PagingError
from bot.work import ALERTS_AND_PAGES, Work
from kernel.outbox import Timer
from kernel.paging import Escalation, EscalationState, Level
from storage.paging import PagingStore
from storage.timers import TimerStore

log = get_logger("warroom.paging")

ESCALATION_TIMER = "escalation"
CONFIRM_ABOVE = 25          # people one hand-named escalation pages at one level without asking the person first
OnCallLookup = Callable[[str, float], "str | None"]


class SubjectHooks(Protocol):
    def dm_group(self, escalation: Escalation, user: str, page_id: int) -> DmGroup | None: ...
    def on_paged(self, escalation: Escalation, user: str, at: float) -> None: ...
    def on_acknowledged(self, escalation: Escalation, user: str, note: str | None, at: float) -> None: ...
    def on_exhausted(self, escalation: Escalation, at: float) -> None: ...
    def on_nobody_on_call(self, escalation: Escalation, target: str, at: float) -> None: ...


class Notifications(Protocol):
    def plan(self, escalation: Escalation, page_id: int, user: str, now: float) -> None: ...
    def stop(self, escalation_id: int, why: str) -> None: ...


@dataclass(frozen=True)
class AckOutcome:
    escalation: Escalation
    already: bool          # True: someone (or something) got there first; nothing changed


def timer_subject(escalation_id: int) -> str:
    return f"escalation:{escalation_id}"


class Paging:
    def __init__(self, store: PagingStore, effects: Effects, timers: TimerStore, work: Work, clock: Clock,
                 on_call: OnCallLookup | None = None) -> None:
        self.store = store
        self.effects = effects
        self.timers = timers
        self.work = work
        self.clock = clock
        self.on_call = on_call
        self.hooks: dict[str, SubjectHooks] = {}
        self.notifier: Notifications | None = None   # pages beyond Slack (bot.paging.notify), set by build_domain

    def get(self, escalation_id: int) -> Escalation:
        escalation = self.store.get(escalation_id)
        if escalation is None:
            raise PagingError("no_such_page", escalation=escalation_id)
        return escalation

    # starting ----------------------------------------------------------------------------------
    def start(self, subject: str, levels: tuple[Level, ...], *, repeat: int = 0, policy: str | None = None,
              reason: str = "", created_by: str | None = None) -> Escalation:
        if not levels or not any(level.targets for level in levels):
            raise PagingError("nobody_to_page", schedules=False, policies=False)
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            escalation = self.store.insert(subject=subject, policy=policy, levels=levels, repeat=repeat,
                                           reason=reason, created_by=created_by, at=now)
            self._page_level(escalation, level=0, round=0, now=now, by=created_by)  # pages; the row stays as read
        log.info("paging.started", escalation=escalation.id, subject=subject, policy=policy or "-")
        return escalation

    def _page_level(self, escalation: Escalation, *, level: int, round: int, now: float, by: str | None,
                    confirmed: bool = False) -> None:
        """``by``: who made this level be paged (None: a timeout did, nobody having answered)."""
        people: list[tuple[str, str]] = []      # (user, via)
        groups: list[str] = []
        for target in escalation.levels[level].targets:
            kind, _, ref = target.partition(":")
            if kind == "user":
                people.append((ref, "user"))
            elif kind == "schedule":
                user = self.on_call(ref, now) if self.on_call else None
                if user:
                    people.append((user, target))
                else:
                    self._hooks(escalation).on_nobody_on_call(escalation, target, now)
            elif kind == "usergroup":
                groups.append(ref)
        everyone = {user for user, _ in people}
        if self._capped(escalation, by, confirmed) and len(everyone) > CONFIRM_ABOVE:
            self._ask_to_confirm(escalation, level=level, round=round, by=by, count=len(everyone), groups=groups)
        else:
            for user, via in people:
                self._page_user(escalation, user, level=level, round=round, via=via, now=now, by=by)
            if groups:  # members come from Slack; the effect pages them when it has them all
                self.effects.do("paging.expand_group", {"escalation": escalation.id, "groups": groups, "level": level,
                                                        "round": round, "by": by, "confirmed": confirmed},
                                lane=f"escalation:{escalation.id}")
        timeout = escalation.levels[level].timeout
        if timeout is not None:
            self.timers.set(ESCALATION_TIMER, timer_subject(escalation.id), now + timeout.total_seconds(),
                            {"level": level, "round": round})
        else:
            self.timers.cancel(ESCALATION_TIMER, timer_subject(escalation.id))

    @staticmethod
    def _capped(escalation: Escalation, by: str | None, confirmed: bool) -> bool:
        """People and groups someone named by hand (not a configured policy) are paged beyond
        CONFIRM_ABOVE only once that person confirms: a typo'd @engineering must not wake 150 people,
        nor three groups of 24, nor a hundred @-mentions."""
        return escalation.policy is None and by is not None and not confirmed

    def _ask_to_confirm(self, escalation: Escalation, *, level: int, round: int, by: str | None, count: int,
                        groups: list[str], already: int = 0) -> None:
        people = sum(1 for t in escalation.levels[level].targets if not t.startswith("usergroup:"))
        self.effects.reply(ReplyTo(by), "paging.confirm_group",
                           {"escalation": escalation.id, "groups": groups, "people": people, "count": count,
                            "already": already, "level": level, "round": round})
        log.info("paging.needs_confirmation", escalation=escalation.id, people=count, groups=len(groups))

    def _page_user(self, escalation: Escalation, user: str, *, level: int, round: int, via: str, now: float,
                   by: str | None) -> None:
        page_id = self.store.add_page(escalation.id, user=user, level=level, round=round, via=via, at=now, by=by)
        if page_id is None:
            return
        hooks = self._hooks(escalation)
        if self.notifier is not None:
            self.notifier.plan(escalation, page_id, user, now)
        group = hooks.dm_group(escalation, user, page_id)
        if group:
            self.store.set_group(page_id, group.name)
            self.effects.sync(group.name, immediate=group.new)  # a new DM goes out at once; updates settle
        else:
            self.effects.sync(f"page:{page_id}", immediate=True)
        hooks.on_paged(escalation, user, now)

    def page_group_members(self, escalation_id: int, members: dict[str, list[str]], *, level: int, round: int,
                           by: str | None = None, confirmed: bool = False) -> int:
        """Called once Slack said who is in the level's groups (group -> members); stale answers
        (escalation moved on) are dropped. Above CONFIRM_ABOVE people at this level in all, a hand-named
        escalation waits for its author to confirm (see :meth:`_capped`)."""
        now = self.clock.time()
        paged = 0
        with self.work(ALERTS_AND_PAGES):
            escalation = self.get(escalation_id)
            if escalation.state != EscalationState.ACTIVE or (escalation.level, escalation.round) != (level, round):
                return 0
            already = {p.user for p in self.store.pages(escalation_id) if (p.level, p.round) == (level, round)}
            everyone = already.union(*members.values())
            if self._capped(escalation, by, confirmed) and len(everyone) > CONFIRM_ABOVE:
                self._ask_to_confirm(escalation, level=level, round=round, by=by, count=len(everyone),
                                     groups=list(members), already=len(already))
                return 0
            for group, users in members.items():
                for user in users:
                    before = len(self.store.pages(escalation_id))
                    self._page_user(escalation, user, level=level, round=round, via=f"usergroup:{group}", now=now,
                                    by=by)
                    paged += len(self.store.pages(escalation_id)) - before
        return paged

    def confirm_group(self, escalation_id: int, *, level: int, round: int, by: str) -> None:
        """The person who named many people confirms: page everyone at that level (groups read afresh)."""
        with self.work(ALERTS_AND_PAGES):
            escalation = self.get(escalation_id)
            if escalation.state != EscalationState.ACTIVE or (escalation.level, escalation.round) != (level, round):
                raise PagingError("page_not_active", escalation=escalation)
            if escalation.created_by != by:
                raise PagingError("confirm_not_yours", escalation=escalation)
            self._page_level(escalation, level=level, round=round, now=self.clock.time(), by=by, confirmed=True)

    # answering ---------------------------------------------------------------------------------
    def acknowledge(self, escalation_id: int, user: str, note: str | None = None) -> AckOutcome:
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            escalation = self.get(escalation_id)
            if not escalation.can_acknowledge:
                return AckOutcome(escalation, already=True)  # a second click never flips state back
            self.store.update(escalation_id, state=EscalationState.ACKNOWLEDGED, acked_by=user, acked_at=now,
                              ack_note=(note or "").strip() or None)
            self.timers.cancel(ESCALATION_TIMER, timer_subject(escalation_id))
            if self.notifier is not None:
                self.notifier.stop(escalation_id, "acknowledged")
            acknowledged = self.get(escalation_id)
            self._sync_pages(escalation_id)
            self._hooks(acknowledged).on_acknowledged(acknowledged, user, acknowledged.ack_note, now)
        log.info("paging.acknowledged", escalation=escalation_id, by=user)
        return AckOutcome(self.get(escalation_id), already=False)

    def escalate_now(self, escalation_id: int, user: str, *, seen: tuple[int, int] | None = None) -> Escalation:
        """The Escalate button: page the next level without waiting for the timeout.

        ``seen`` is the (level, round) the button was shown at: a second click, or a click after the
        timeout already escalated, must not skip a further level.
        """
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            escalation = self.get(escalation_id)
            if escalation.state != EscalationState.ACTIVE:
                raise PagingError("page_not_active", escalation=escalation)
            if seen is not None and seen != (escalation.level, escalation.round):
                raise PagingError("already_escalated", escalation=escalation)
            if not escalation.has_next_level:
                raise PagingError("last_level", escalation=escalation)
            self._advance(escalation, now, by=user)
        return self.get(escalation_id)

    def end(self, subject: str, *, by: str | None) -> list[int]:
        """The subject is over (alert resolved...): stop escalating and say so on every page."""
        now = self.clock.time()
        ended: list[int] = []
        with self.work(ALERTS_AND_PAGES):
            for escalation in self.store.for_subject(subject):
                if escalation.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED):
                    self.store.update(escalation.id, state=EscalationState.RESOLVED, ended_by=by, ended_at=now)
                    self.timers.cancel(ESCALATION_TIMER, timer_subject(escalation.id))
                    if self.notifier is not None:
                        self.notifier.stop(escalation.id, "resolved")
                    ended.append(escalation.id)
                self._sync_pages(escalation.id)  # acknowledged pages also show that it is over
        return ended

    # time --------------------------------------------------------------------------------------
    async def on_timeout(self, timer: Timer) -> None:
        escalation_id = int(timer.subject.split(":", 1)[1])
        now = self.clock.time()
        with self.work(ALERTS_AND_PAGES):
            escalation = self.store.get(escalation_id)
            if escalation is None or escalation.state != EscalationState.ACTIVE:
                self.timers.cancel(ESCALATION_TIMER, timer.subject)
                return
            if (timer.payload.get("level"), timer.payload.get("round")) != (escalation.level, escalation.round):
                return  # planned for a level we already left (the Escalate button); the new timer stands
            self._advance(escalation, now, by=None)

    def _advance(self, escalation: Escalation, now: float, *, by: str | None) -> None:
        if escalation.level + 1 < len(escalation.levels):
            level, round = escalation.level + 1, escalation.round
        elif escalation.round < escalation.repeat:
            level, round = 0, escalation.round + 1
        else:
            self.store.update(escalation.id, state=EscalationState.EXHAUSTED)
            self.timers.cancel(ESCALATION_TIMER, timer_subject(escalation.id))
            exhausted = self.get(escalation.id)
            self._sync_pages(escalation.id)
            self._hooks(exhausted).on_exhausted(exhausted, now)
            log.warning("paging.exhausted", escalation=escalation.id, subject=escalation.subject)
            return
        self.store.update(escalation.id, level=level, round=round)
        moved = self.get(escalation.id)
        self._sync_pages(escalation.id)  # earlier pages lose their Escalate button
        self._page_level(moved, level=level, round=round, now=now, by=by)
        log.info("paging.escalated", escalation=escalation.id, level=level, round=round)

    # helpers -----------------------------------------------------------------------------------
    def _sync_pages(self, escalation_id: int) -> None:
        for surface in {page.surface for page in self.store.pages(escalation_id)}:
            self.effects.sync(surface)

    def _hooks(self, escalation: Escalation) -> SubjectHooks:
        hooks = self.hooks.get(escalation.subject_kind)
        if hooks is None:
            raise RuntimeError(f"nothing handles pages about {escalation.subject_kind}")
        return hooks
