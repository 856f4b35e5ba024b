"""Who is on call: the schedules from config, overrides from the database; which schedule someone
means when they name none."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.actor import Actor
from bot.oncall.service import OnCallError, WhichSchedule
from tests.domain.conftest import ALICE, BOB, CAROL, CONFIG, DAVE, START, DomainRig, make_config

NOW = START.timestamp()
HOUR = 3600.0
ONE_SCHEDULE = """
users:
  - {slack_id: UALICE001, name: alice}
schedules:
  - name: only
    rotation: {users: [alice], length: 1w, handoff: "2026-03-02T00:00"}
"""


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_the_rotation_decides_who_is_on_call(rig):
    assert rig.oncall.on_call("primary", NOW) == BOB
    assert rig.oncall.on_call("primary", utc(2026, 3, 3, 0, 0).timestamp()) == ALICE   # handoff at midnight
    assert rig.oncall.on_call("primary", utc(2026, 3, 2, 23, 59).timestamp()) == BOB
    assert rig.oncall.on_call("nights", NOW) is None
    assert rig.oncall.on_call("nights", utc(2026, 3, 2, 18, 0).timestamp()) == CAROL
    assert rig.oncall.on_call("no such schedule", NOW) is None
    shift = rig.oncall.current(rig.oncall.schedule("primary"))
    assert (shift.user, shift.start, shift.end) == (BOB, utc(2026, 3, 2), utc(2026, 3, 3))


def test_an_override_takes_the_pager_until_it_ends(rig):
    primary = rig.oncall.schedule("primary")
    assert rig.oncall.on_call("primary", NOW) == BOB   # read (and cached) before the override
    override_id = rig.oncall.override(primary, CAROL, until=NOW + 2 * HOUR, by=Actor(BOB, is_oncall_manager=True))

    assert rig.oncall.on_call("primary", NOW) == CAROL
    assert rig.oncall.on_call("primary", NOW + 2 * HOUR - 1) == CAROL
    assert rig.oncall.on_call("primary", NOW + 2 * HOUR) == BOB
    assert rig.oncall.on_call("secondary", NOW) == DAVE   # other schedules are untouched
    shift = rig.oncall.current(primary)
    assert (shift.user, shift.source, shift.end) == (CAROL, "override", utc(2026, 3, 2, 11, 0))

    [post] = rig.effects()
    assert (post.kind, post.lane) == ("message.post", "post:config:alerts")
    assert post.payload == {"target": "config:alerts", "message": "oncall.override",
                            "context": {"schedule": "primary", "user": CAROL, "by": BOB,
                                        "start": NOW, "end": NOW + 2 * HOUR}}
    assert rig.db.query('SELECT id, schedule, user_id, start, "end", created_by FROM overrides') == \
        [(override_id, "primary", CAROL, NOW, NOW + 2 * HOUR, BOB)]

    rig.clock.advance(3 * HOUR)
    assert rig.oncall.current(primary).user == BOB


def test_a_later_override_wins_where_they_overlap(rig):
    primary = rig.oncall.schedule("primary")
    rig.oncall.override(primary, CAROL, until=NOW + 4 * HOUR, by=Actor(CAROL))
    rig.clock.advance(HOUR)
    rig.oncall.override(primary, DAVE, until=NOW + 2 * HOUR, by=Actor(DAVE))
    assert [rig.oncall.on_call("primary", NOW + h * HOUR) for h in (0.5, 1.5, 3, 4)] == [CAROL, DAVE, CAROL, BOB]


def test_an_override_may_start_later_and_a_start_already_past_is_now(rig):
    """The web's override form has a start; /il-oncall's starts now. Neither rewrites who was on call."""
    primary, manager = rig.oncall.schedule("primary"), Actor(BOB, is_oncall_manager=True)
    rig.oncall.override(primary, CAROL, start=NOW + 3 * HOUR, until=NOW + 5 * HOUR, by=manager)
    assert [rig.oncall.on_call("primary", NOW + h * HOUR) for h in (0, 3, 5)] == [BOB, CAROL, BOB]
    [post] = rig.effects()
    assert post.payload["context"] == {"schedule": "primary", "user": CAROL, "by": BOB, "start": NOW + 3 * HOUR,
                                       "end": NOW + 5 * HOUR, "later": True}
    rig.oncall.override(primary, DAVE, start=NOW - 2 * HOUR, until=NOW + HOUR, by=manager)
    assert rig.db.query('SELECT user_id, start FROM overrides ORDER BY id')[-1] == (DAVE, NOW)
    with pytest.raises(OnCallError) as refused:
        rig.oncall.override(primary, CAROL, start=NOW + 2 * HOUR, until=NOW + HOUR, by=manager)
    assert refused.value.code == "override_ends_before_start"
    with pytest.raises(OnCallError) as refused:
        rig.oncall.override(primary, CAROL, start=NOW + 24 * HOUR, until=NOW + 24 * HOUR + 32 * 24 * HOUR, by=manager)
    assert refused.value.code == "override_too_long"


def test_my_shifts_include_overrides(rig):
    rig.oncall.override(rig.oncall.schedule("secondary"), CAROL, until=NOW + HOUR, by=Actor(CAROL))
    mine = rig.oncall.mine(CAROL, days=2)
    assert [(m.schedule.name, m.shift.start, m.shift.end) for m in mine] == [
        ("secondary", utc(2026, 3, 2, 9), utc(2026, 3, 2, 10)),
        ("nights", utc(2026, 3, 2, 18), utc(2026, 3, 3, 8)),
        ("nights", utc(2026, 3, 3, 18), utc(2026, 3, 4, 8)),
    ]


@pytest.mark.parametrize("until,code", [(NOW, "override_in_past"), (NOW + 32 * 24 * HOUR, "override_too_long")])
def test_an_override_that_cannot_be_is_refused(rig, until, code):
    with pytest.raises(OnCallError) as refused:
        rig.oncall.override(rig.oncall.schedule("primary"), CAROL, until=until, by=Actor(CAROL))
    assert refused.value.code == code
    assert rig.effects() == [] and rig.oncall.on_call("primary", NOW) == BOB


def test_choosing_a_schedule_by_name(rig):
    assert rig.oncall.choose_schedule("Secondary").name == "secondary"
    with pytest.raises(OnCallError) as unknown:
        rig.oncall.choose_schedule("tertiary")
    assert unknown.value.code == "no_such_schedule"
    assert unknown.value.params == {"given": "tertiary", "schedules": ["primary", "secondary", "nights"]}


def test_with_several_schedules_and_none_named_the_person_is_asked(rig):
    with pytest.raises(WhichSchedule) as which:
        rig.oncall.choose_schedule(None)
    assert [s.name for s in which.value.schedules] == ["primary", "secondary", "nights"]


def test_the_only_schedule_needs_no_name(make_rig):
    assert make_rig(ONE_SCHEDULE).oncall.choose_schedule(None).name == "only"


def test_with_no_schedules_there_is_nothing_to_choose(make_rig):
    with pytest.raises(OnCallError) as refused:
        make_rig("").oncall.choose_schedule(None)
    assert refused.value.code == "no_schedules"


def test_a_day_later_the_rotation_has_moved_on(rig):
    rig.clock.advance(timedelta(days=1))
    assert rig.oncall.current(rig.oncall.schedule("primary")).user == ALICE
    assert [shift.user for shift in rig.oncall.upcoming(rig.oncall.schedule("primary"), count=3)] == [ALICE, BOB, ALICE]


def test_an_override_made_by_another_replica_is_seen_at_once(engine, postgres, tmp_path):
    """Every replica serves /il-oncall and the web's override form, and pages from its own lookups:
    what one of them records, the next lookup on another sees (no stale per-process copy)."""
    database = str(tmp_path / "warroom.db") if engine == "sqlite" else postgres.new_schema()
    here, there = DomainRig(make_config(CONFIG), database), DomainRig(make_config(CONFIG), database)
    try:
        assert there.oncall.on_call("primary", NOW) == BOB          # read, and kept, before the override
        here.oncall.override(here.oncall.schedule("primary"), CAROL, until=NOW + 2 * HOUR,
                             by=Actor(BOB, is_oncall_manager=True))
        assert there.oncall.on_call("primary", NOW) == CAROL
    finally:
        here.close()
        there.close()
        if engine != "sqlite":
            postgres.drop_schema(database)
