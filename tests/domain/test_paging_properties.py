"""Any sequence of paging operations (time passing by any amount, acknowledgements, Escalate clicks
current or stale, user group answers current or stale, the subject ending) against a model of the
escalation written separately here: the same level, round, state and timeout, the same people paged,
nobody paged twice at one level and round, nobody paged once it was answered or over."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from bot.paging.model import PagingError
from kernel.paging import EscalationState, Level
from tests.domain.conftest import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ONCALL_GROUP,
    START,
    DomainRig,
    make_config,
)

ROTATION_START = START.replace(day=1, hour=0).timestamp()   # primary: alice on odd days, bob on even
TARGETS = [f"user:{ALICE}", f"user:{BOB}", f"user:{CAROL}", "schedule:primary", "schedule:nights",
           f"usergroup:{ONCALL_GROUP}"]
GROUP_MEMBERS = [ALICE, BOB, CAROL, DAVE]
CONFIG = make_config()

levels_strategy = st.lists(
    st.builds(lambda targets, minutes: Level(tuple(targets), timedelta(minutes=minutes) if minutes else None),
              st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3, unique=True),
              st.one_of(st.none(), st.integers(1, 30))),
    min_size=1, max_size=3,
)


def on_call(schedule: str, at: float) -> str | None:
    """The demo schedules, by their rules: primary changes hands at midnight UTC, nights is carol's
    from 18:00 to 08:00 UTC and nobody's by day."""
    if schedule == "primary":
        return (ALICE, BOB)[int((at - ROTATION_START) // 86400) % 2]
    hour = (at % 86400) / 3600
    return CAROL if hour >= 18 or hour < 8 else None


class EscalationModel:
    def __init__(self, levels: tuple[Level, ...], repeat: int, now: float) -> None:
        self.levels, self.repeat = levels, repeat
        self.level = self.round = 0
        self.state = EscalationState.ACTIVE
        self.due: float | None = None
        self.pages: set[tuple[str, int, int]] = set()
        self.expands: list[tuple[tuple[str, ...], int, int]] = []   # one per level paged with groups
        self.exhausted_posts = 0
        self.page_level(now)

    def page_level(self, now: float) -> None:
        for target in self.levels[self.level].targets:
            kind, _, ref = target.partition(":")
            user = ref if kind == "user" else on_call(ref, now) if kind == "schedule" else None
            if user:
                self.pages.add((user, self.level, self.round))
        groups = tuple(t.partition(":")[2] for t in self.levels[self.level].targets if t.startswith("usergroup:"))
        if groups:
            self.expands.append((groups, self.level, self.round))
        timeout = self.levels[self.level].timeout
        self.due = now + timeout.total_seconds() if timeout else None

    @property
    def has_next(self) -> bool:
        return self.level + 1 < len(self.levels) or self.round < self.repeat

    def advance(self, now: float) -> None:
        if not self.has_next:
            self.state, self.due = EscalationState.EXHAUSTED, None
            self.exhausted_posts += 1
            return
        self.level, self.round = (self.level + 1, self.round) if self.level + 1 < len(self.levels) else (0, self.round + 1)
        self.page_level(now)


class PagingMachine(RuleBasedStateMachine):
    @initialize(levels=levels_strategy, repeat=st.integers(0, 2), start_after=st.integers(0, 86400))
    def start(self, levels, repeat, start_after):
        self.rig = DomainRig(CONFIG)
        self.rig.clock.advance(start_after)   # any time of day: whoever is on call then
        self.rig.declare("Checkout errors", "sev4")   # no pulses: only the escalation's timer runs
        self.escalation = self.rig.paging.start("incident:1", tuple(levels), repeat=repeat).id
        self.model = EscalationModel(tuple(levels), repeat, self.rig.clock.time())
        self.answered_at: float | None = None

    def teardown(self):
        if hasattr(self, "rig"):
            self.rig.close()

    @property
    def now(self) -> float:
        return self.rig.clock.time()

    # what people and time do -------------------------------------------------------------------
    @rule(seconds=st.one_of(st.integers(0, 2400), st.sampled_from([60, 300, 600])))
    def time_passes(self, seconds):
        end = self.now + seconds
        while self.model.state == EscalationState.ACTIVE and self.model.due is not None and self.model.due <= end:
            self.model.advance(self.model.due)
        self.rig.run_for(seconds)

    @rule()
    def exactly_at_the_timeout(self):
        timer = self.rig.timer("escalation", f"escalation:{self.escalation}")
        if timer is not None:
            self.time_passes(max(0.0, timer.due_at - self.now))

    @rule(user=st.sampled_from(GROUP_MEMBERS))
    def acknowledge(self, user):
        outcome = self.rig.paging.acknowledge(self.escalation, user)
        if self.model.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED):
            assert outcome.already is False
            self.model.state, self.model.due = EscalationState.ACKNOWLEDGED, None
            self.answered_at = self.now
        else:
            assert outcome.already is True

    @rule(seen=st.one_of(st.just("current"), st.none(), st.tuples(st.integers(0, 2), st.integers(0, 2))))
    def escalate_button(self, seen):
        seen = (self.model.level, self.model.round) if seen == "current" else seen
        expected = None
        if self.model.state != EscalationState.ACTIVE:
            expected = "page_not_active"
        elif seen is not None and seen != (self.model.level, self.model.round):
            expected = "already_escalated"
        elif not self.model.has_next:
            expected = "last_level"
        try:
            self.rig.paging.escalate_now(self.escalation, BOB, seen=seen)
        except PagingError as refused:
            assert refused.code == expected
        else:
            assert expected is None
            self.model.advance(self.now)

    @precondition(lambda self: self.model.expands)
    @rule(pick=st.integers(0, 100), members=st.lists(st.sampled_from(GROUP_MEMBERS), unique=True))
    def group_answer(self, pick, members):
        groups, level, round = self.model.expands[pick % len(self.model.expands)]   # possibly a stale one
        paged = self.rig.paging.page_group_members(self.escalation, {g: members for g in groups}, level=level,
                                                   round=round)
        expected = 0
        if self.model.state == EscalationState.ACTIVE and (level, round) == (self.model.level, self.model.round):
            new = {(user, level, round) for user in members} - self.model.pages
            self.model.pages |= new
            expected = len(new)
        assert paged == expected

    @rule()
    def subject_ends(self):
        self.rig.paging.end("incident:1", by=ALICE)
        if self.model.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED):
            self.model.state, self.model.due = EscalationState.RESOLVED, None
            self.answered_at = self.now

    # what must always hold ---------------------------------------------------------------------
    @invariant()
    def the_escalation_is_where_the_model_is(self):
        if not hasattr(self, "rig"):
            return
        escalation = self.rig.paging.get(self.escalation)
        assert (escalation.level, escalation.round, escalation.state) == \
            (self.model.level, self.model.round, self.model.state)
        timer = self.rig.timer("escalation", f"escalation:{self.escalation}")
        assert (timer.due_at, timer.payload) == (self.model.due, {"level": self.model.level, "round": self.model.round}) \
            if self.model.due is not None else timer is None
        exhausted = self.rig.posts("paging.incident_exhausted")
        assert len(exhausted) == self.model.exhausted_posts

    @invariant()
    def the_right_people_are_paged_once_and_never_after_an_answer(self):
        if not hasattr(self, "rig"):
            return
        pages = self.rig.paging.store.pages(self.escalation)
        keys = [(p.user, p.level, p.round) for p in pages]
        assert len(keys) == len(set(keys)), "someone was paged twice at one level and round"
        assert set(keys) == self.model.pages
        if self.answered_at is not None:
            assert all(p.sent_at <= self.answered_at for p in pages), "paged after it was answered or over"
        dms = self.rig.synced()
        assert all(dms.count(f"page:{p.id}") == 1 for p in pages), "a page's DM was recorded twice"
        expands = [(tuple(e.payload["groups"]), e.payload["level"], e.payload["round"])
                   for e in self.rig.effects("paging.expand_group")]
        assert expands == self.model.expands


PagingMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestPagingSequences = PagingMachine.TestCase
