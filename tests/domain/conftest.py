"""The domain alone, as bot/app.py wires it (``bot.domain.build_domain``), on an in-memory database
with a clock that moves only when a test moves it. No Slack, no scheduler, no sleeping: a test
calls a service, moves the clock (due timers fire through their real handlers) and reads what the
stores hold and which effects were recorded in the outbox."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

import pytest
import yaml

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config, parse_config
from bot.domain import Domain, build_domain
from bot.effects.outbox import SURFACE_SETTLE_SECONDS
from bot.incidents.model import DeclareRequest
from kernel.incidents import Incident
from kernel.outbox import Effect, Timer
from storage.db import Database, open_database

# a Monday morning: the primary rotation (handoff Sunday 00:00, one day each) has bob on call,
# secondary has dave all week, nights (18:00 to 08:00) has nobody
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

ALICE, BOB, CAROL, DAVE, ERIN = "UALICE001", "UBOB00001", "UCAROL001", "UDAVE0001", "UERIN0001"
MANAGERS = "SMANAGER1"
ONCALL_GROUP = "SONCALL01"
MANAGER = Actor(ERIN, is_manager=True)   # in the incident managers group, in no incident

CONFIG = f"""
timezone: UTC
channels: {{announcements: incidents, alerts: alerts, comms: comms, postmortems: postmortems}}
incident_managers: {MANAGERS}
users:
  - {{slack_id: {ALICE}, name: alice}}
  - {{slack_id: {BOB}, name: bob}}
  - {{slack_id: {CAROL}, name: carol}}
  - {{slack_id: {DAVE}, name: dave}}
schedules:
  - name: primary
    rotation: {{users: [alice, bob], length: 1d, handoff: "2026-03-01T00:00"}}
  - name: secondary
    rotation: {{users: [dave], length: 1w, handoff: "2026-03-02T00:00"}}
  - name: nights
    layers:
      - {{users: [carol], length: 1w, handoff: "2026-03-02T00:00", restrictions: [{{start: "18:00", end: "08:00"}}]}}
escalation_policies:
  - name: default
    repeat: 1
    levels:
      - {{notify: [schedule:primary], timeout: 5m}}
      - {{notify: [user:carol], timeout: 10m}}
  - name: team
    levels:
      - {{notify: [user:alice, usergroup:{ONCALL_GROUP}], timeout: 5m}}
      - {{notify: [schedule:secondary], timeout: 5m}}
  - name: nights
    levels:
      - {{notify: [schedule:nights], timeout: 5m}}
alert_sources:
  - {{name: ops, type: slack, escalation_policies: [default, team], channels: [ops], priority: high}}
  - {{name: prometheus, type: webhook, escalation_policy: default, key_env: PROM_KEY, channel: prod-alerts}}
  - {{name: batchjobs, type: webhook, escalation_policy: default, key_env: JOBS_KEY, priority: low}}
"""
ENVIRON = {"PROM_KEY": "prom-secret", "JOBS_KEY": "jobs-secret"}


def make_config(text: str = CONFIG) -> Config:
    return parse_config(yaml.safe_load(text) or {}, "domain-test.yml", ENVIRON)


class StillClock(Clock):
    """Production's clock adds the wall clock's own progress to the offset; this one stands still
    between moves, so due times can be asserted exactly."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self.start = start.timestamp()

    def time(self) -> float:
        return self.start + self.offset

    def monotonic(self) -> float:
        return self.offset


class DomainRig:
    """The wired domain plus what a test needs to drive and read it."""

    def __init__(self, config: Config, database: str = ":memory:") -> None:
        self.config = config
        self.db: Database = open_database(database)
        self.clock = StillClock(START)
        self._build()
        self._loop = asyncio.new_event_loop()

    def _build(self) -> None:
        # production's settle time: a surface waits a second for more changes before it is written
        self.domain: Domain = build_domain(self.config, self.db, self.clock, settle=SURFACE_SETTLE_SECONDS)
        self.domain.work.after_commit(self.domain.timer_store.take_soonest)   # TimerService.flush, no scheduler

    def restart(self, config_text: str) -> None:
        """warroom starts again, on the same database, with another warroom.yml."""
        self.config = make_config(config_text)
        self._build()

    def __getattr__(self, name: str):
        if name == "domain":   # not built yet
            raise AttributeError(name)
        return getattr(self.domain, name)   # rig.incidents, rig.paging, rig.outbox...

    def close(self) -> None:
        self._loop.close()
        self.db.close()

    # acting ------------------------------------------------------------------------------------
    def declare(self, title: str = "Checkout errors", severity: str = "sev2", by: str = ALICE,
                **fields) -> Incident:
        return self.incidents.declare(DeclareRequest(title=title, severity=severity, declared_by=by, **fields))

    def incident(self, incident_id: int = 1) -> Incident:
        return self.incidents.get(incident_id)

    # the outbox --------------------------------------------------------------------------------
    def mark(self) -> int:
        """The newest outbox id: pass it as ``after`` to see only what was recorded from here on."""
        return int(self.db.scalar("SELECT coalesce(max(id), 0) FROM outbox"))

    def effects(self, kind: str | None = None, *, after: int = 0) -> list[Effect]:
        if kind is None:
            ids = [r[0] for r in self.db.query("SELECT id FROM outbox WHERE id > ? ORDER BY id", (after,))]
        else:
            ids = [r[0] for r in self.db.query("SELECT id FROM outbox WHERE id > ? AND kind = ? ORDER BY id",
                                               (after, kind))]
        return [self.outbox.get(i) for i in ids]

    def posts(self, message: str | None = None, *, after: int = 0) -> list[Effect]:
        return [e for e in self.effects("message.post", after=after)
                if message is None or e.payload["message"] == message]

    def replies(self, message: str | None = None, *, after: int = 0) -> list[Effect]:
        return [e for e in self.effects("message.reply", after=after)
                if message is None or e.payload["message"] == message]

    def synced(self, *, after: int = 0) -> list[str]:
        """The surfaces a sync was recorded for, in order, once per outbox row."""
        return [e.payload["surface"] for e in self.effects("surface.sync", after=after)]

    def finish(self, *effect_ids: int) -> None:
        """The chat adapter did these (all pending effects when none are named): what waits on them
        may run, and a sync recorded from now on is a new row rather than covered by a pending one."""
        ids = effect_ids or [r[0] for r in self.db.query("SELECT id FROM outbox WHERE state = 'pending'")]
        with self.work():
            for effect_id in ids:
                self.db.execute("UPDATE outbox SET state = 'done', attempts = attempts + 1, finished_at = ? "
                                "WHERE id = ?", (self.clock.time(), effect_id))

    # time --------------------------------------------------------------------------------------
    def timer(self, kind: str, subject: str) -> Timer | None:
        return self.timer_store.get(kind, subject)

    def fire_due(self) -> list[Timer]:
        """Run the handler of every timer due now, as the timer service would, until none is due;
        returns the timers fired, in order."""
        fired: list[Timer] = []
        for _ in range(1000):   # a handler that keeps setting due timers is a bug; do not spin for ever
            now = self.clock.time()
            due = self.timer_store.claim_due(now, "rig", now + 30, 1)   # as TimerService claims them
            if not due:
                return fired
            timer = due[0]
            self._loop.run_until_complete(self.timer_handlers[timer.kind](timer))
            self.timer_store.fired(timer, "rig")
            fired.append(timer)
        raise AssertionError(f"timers keep falling due: {fired[-5:]}")

    def run_for(self, delta: timedelta | float) -> list[Timer]:
        """Let time pass: the clock stops at every timer's due time on the way and fires it there,
        as the running bot would, then ends ``delta`` after it started."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        end = self.clock.time() + seconds
        fired = self.fire_due()
        while True:
            upcoming = self.timer_store.next_due()
            if upcoming is None or upcoming > end:
                break
            self.clock.advance(max(0.0, upcoming - self.clock.time()))
            fired += self.fire_due()
        self.clock.advance(end - self.clock.time())
        return fired


@pytest.fixture
def make_rig(engine, postgres) -> Iterator[Callable[[str], DomainRig]]:
    """A rig with another config: ``make_rig(CONFIG_TEXT)``; on SQLite in memory, or in a PostgreSQL
    schema of its own."""
    made: list[tuple[DomainRig, str]] = []

    def make(text: str = CONFIG) -> DomainRig:
        database = ":memory:" if engine == "sqlite" else postgres.migrated_schema()
        made.append((DomainRig(make_config(text), database), database))
        return made[-1][0]

    yield make
    for rig, database in made:
        rig.close()
        if database != ":memory:":
            postgres.recycle(database)


@pytest.fixture
def rig(make_rig) -> DomainRig:
    return make_rig()


@pytest.fixture
def incident(rig) -> Incident:
    """A SEV2 "Checkout errors" led by alice, its channel made and every surface written."""
    rig.declare("Checkout errors", "sev2", by=ALICE)
    rig.finish()
    return rig.incident(1)
