"""Properties of incidents over any sequence of operations.

Pulses: whatever people do (updates, severity changes, snoozes, resolve, reopen) and however time
passes, a reminder is only ever sent when one is owed (the incident is open and has been silent
for its severity's interval, and is not snoozed), and an open incident with pulses always has its
next reminder planned no later than it is owed.

Channel names: however many incidents of similar titles are declared and whatever names Slack says
are taken, every incident has a valid name no other incident has.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot.actor import Actor
from bot.incidents import naming
from bot.incidents.model import IncidentError
from kernel.incidents import Status
from tests.domain.conftest import ALICE, BOB, CAROL, DAVE, DomainRig, make_config

CONFIG = make_config()
SEVERITIES = ["sev1", "sev2", "sev3", "sev4"]
COMMANDER = Actor(ALICE)


class PulseMachine(RuleBasedStateMachine):
    @initialize(severity=st.sampled_from(SEVERITIES))
    def declare(self, severity):
        self.rig = DomainRig(CONFIG)
        self.rig.declare("Checkout errors", severity, by=ALICE)
        self.last_pulse: float | None = None
        self.seen_pulses = 0

    def teardown(self):
        if hasattr(self, "rig"):
            self.rig.close()

    @property
    def incident(self):
        return self.rig.incident(1)

    def interval(self, incident) -> float | None:
        pulse = self.rig.config.severity(incident.severity).pulse
        return pulse.total_seconds() if pulse else None

    def attempt(self, change) -> None:
        try:
            change()
        except IncidentError as refused:   # resolved, same severity...: refusals change nothing
            assert refused.code in {"incident_resolved", "incident_open", "same_severity"}

    # what people and time do -------------------------------------------------------------------
    @rule(seconds=st.one_of(st.integers(0, 7200), st.sampled_from([900, 1800, 3600])))
    def time_passes(self, seconds):
        before = self.incident
        start = self.rig.clock.time()
        self.rig.run_for(seconds)
        pulses = [p.payload["context"]["at"] for p in self.rig.posts("incident.pulse")][self.seen_pulses:]
        self.seen_pulses += len(pulses)
        if pulses:   # nothing but time changed the incident meanwhile: each reminder was owed
            interval = self.interval(before)
            assert before.is_open and interval is not None, "a reminder for a resolved or pulse-less incident"
            owed = max(before.last_update_at + interval, before.snoozed_until or 0.0)
            assert all(start <= at <= start + seconds for at in pulses)
            assert pulses[0] + 0.5 >= owed, "reminded before the interval passed or during a snooze"
            assert all(b - a == interval for a, b in zip(pulses, pulses[1:])), "reminders closer than the interval"
            self.last_pulse = pulses[-1]

    @rule(status=st.sampled_from([None, Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING]))
    def update(self, status):
        self.attempt(lambda: self.rig.incidents.post_update(self.incident, Actor(BOB), message="Update",
                                                            status=status))

    @rule(severity=st.sampled_from(SEVERITIES))
    def severity(self, severity):
        self.attempt(lambda: self.rig.incidents.set_severity(self.incident, COMMANDER, severity))

    @rule(minutes=st.integers(1, 240))
    def snooze(self, minutes):
        self.attempt(lambda: self.rig.incidents.snooze_pulse(self.incident, COMMANDER, minutes * 60))

    @rule()
    def resolve(self):
        self.attempt(lambda: self.rig.incidents.resolve(self.incident, COMMANDER, summary="Fixed"))

    @rule()
    def reopen(self):
        self.attempt(lambda: self.rig.incidents.reopen(self.incident, COMMANDER))

    # what must always hold ---------------------------------------------------------------------
    @invariant()
    def the_next_reminder_is_planned_no_later_than_it_is_owed(self):
        if not hasattr(self, "rig"):
            return
        incident, now = self.incident, self.rig.clock.time()
        timer = self.rig.timer("pulse", "incident:1")
        interval = self.interval(incident)
        if not incident.is_open:
            assert timer is None, "a resolved incident still has a pulse planned"
            return
        if interval is None:
            return   # a pulse-less severity: a timer left by a snooze fires and stops itself
        owed = max(incident.last_update_at + interval, incident.snoozed_until or 0.0)
        if self.last_pulse is not None and self.last_pulse > incident.last_update_at:
            owed = max(owed, self.last_pulse + interval)
        assert timer is not None, "an open incident with pulses has no reminder planned"
        assert now <= timer.due_at <= max(owed, now)


PulseMachine.TestCase.settings = settings(max_examples=80, stateful_step_count=25, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestPulseSequences = PulseMachine.TestCase


TITLES = ["Checkout errors", "Checkout errors 2", "checkout-errors-2", "Checkout  errors!", "CHECKOUT ERRORS",
          "Payments are failing for every customer in the European region since the deploy " + "x" * 20,
          "Payments are failing for every customer in the European region since the deploy 2"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.tuples(st.just("declare"), st.sampled_from(TITLES), st.sampled_from([ALICE, BOB, CAROL, DAVE])),
    st.tuples(st.just("taken"), st.integers(0, 50)),
), min_size=1, max_size=25))
def test_every_incident_has_a_valid_name_no_other_incident_has(operations):
    rig = DomainRig(CONFIG)
    try:
        for n, operation in enumerate(operations):
            if operation[0] == "declare":
                _, title, user = operation
                rig.clock.advance(1)
                try:
                    rig.declare(title, SEVERITIES[n % 4], by=user)
                except IncidentError as refused:
                    assert refused.code in {"declared_already", "declaring_too_fast"}
            else:   # Slack says the name recorded for an incident is taken (outside warroom)
                count = rig.incident_store.count_open()
                if not count:
                    continue
                incident = rig.incident(operation[1] % count + 1)
                chosen = rig.channels.name_taken(incident.id, incident.channel_name)
                assert chosen != incident.channel_name
        names = [rig.incident(i + 1).channel_name for i in range(rig.incident_store.count_open())]
        assert len(set(names)) == len(names)
        assert all(naming.is_valid_channel_name(name) for name in names)
    finally:
        rig.close()
