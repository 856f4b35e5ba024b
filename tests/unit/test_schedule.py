"""Example tests of the on-call schedule engine (pure: no Slack, no database)."""

from __future__ import annotations

import ast
import pathlib
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.oncall.schedule import (
    Override,
    Restriction,
    Rotation,
    Schedule,
    Shift,
    current_shift,
    next_shifts,
    on_call_user,
    rotation_boundaries,
    shifts_for_user,
    timeline,
)

UTC = timezone.utc
WEEKDAYS = frozenset(range(5))
TICK = timedelta(microseconds=1)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def local(key: str, *fields: int, fold: int = 0) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(key), fold=fold)


def one_layer(key: str, rotation: Rotation) -> Schedule:
    return Schedule(name="s", timezone=key, layers=(rotation,))


# --- plain rotations ---------------------------------------------------------------------------


def test_weekly_rotation_hands_off_every_monday_and_wraps():
    rotation = Rotation(("a", "b", "c"), timedelta(weeks=1), datetime(2024, 1, 1, 9, 0))
    schedule = one_layer("Europe/Berlin", rotation)
    berlin = "Europe/Berlin"

    assert on_call_user(schedule, [], local(berlin, 2024, 1, 1, 8, 59)) is None
    assert on_call_user(schedule, [], local(berlin, 2024, 1, 1, 9, 0)) == "a"
    assert on_call_user(schedule, [], local(berlin, 2024, 1, 8, 8, 59)) == "a"
    assert on_call_user(schedule, [], local(berlin, 2024, 1, 8, 9, 0)) == "b"
    assert on_call_user(schedule, [], local(berlin, 2024, 1, 15, 9, 0)) == "c"
    assert on_call_user(schedule, [], local(berlin, 2024, 1, 22, 9, 0)) == "a"
    assert current_shift(schedule, [], utc(2024, 1, 10, 12)) == Shift(
        "b", utc(2024, 1, 8, 8), utc(2024, 1, 15, 8), "layer:0"
    )
    assert rotation_boundaries(rotation, berlin, utc(2024, 1, 1), utc(2024, 1, 31)) == [
        utc(2024, 1, 1, 8),
        utc(2024, 1, 8, 8),
        utc(2024, 1, 15, 8),
        utc(2024, 1, 22, 8),
        utc(2024, 1, 29, 8),
    ]
    # Across the spring change the week is 167 h long but still ends Monday 09:00 local.
    assert current_shift(schedule, [], utc(2024, 3, 28)) == Shift(
        "a", utc(2024, 3, 25, 8), utc(2024, 4, 1, 7), "layer:0"
    )


def test_twelve_hour_rotation():
    rotation = Rotation(("a", "b"), timedelta(hours=12), datetime(2024, 1, 1, 8, 0))
    schedule = one_layer("America/New_York", rotation)  # EST, UTC-5

    assert timeline(schedule, [], utc(2024, 1, 2), utc(2024, 1, 3)) == [
        Shift("a", utc(2024, 1, 2, 0), utc(2024, 1, 2, 1), "layer:0"),
        Shift("b", utc(2024, 1, 2, 1), utc(2024, 1, 2, 13), "layer:0"),
        Shift("a", utc(2024, 1, 2, 13), utc(2024, 1, 3, 0), "layer:0"),
    ]


def test_lengths_that_do_not_divide_a_day():
    seven = Rotation(("a", "b", "c"), timedelta(hours=7), datetime(2024, 1, 1, 0, 0))
    assert rotation_boundaries(seven, "UTC", utc(2024, 1, 1), utc(2024, 1, 3)) == [
        utc(2024, 1, 1, 0),
        utc(2024, 1, 1, 7),
        utc(2024, 1, 1, 14),
        utc(2024, 1, 1, 21),
        utc(2024, 1, 2, 4),
        utc(2024, 1, 2, 11),
        utc(2024, 1, 2, 18),
    ]
    assert on_call_user(one_layer("UTC", seven), [], utc(2024, 1, 2, 5)) == "b"  # shift 4

    # 36 h of wall clock from Saturday 00:00 ends Sunday 12:00 BST: 35 h across spring-forward.
    thirty_six = Rotation(("a", "b"), timedelta(hours=36), datetime(2024, 3, 30, 0, 0))
    assert current_shift(one_layer("Europe/London", thirty_six), [], utc(2024, 3, 30, 12)) == Shift(
        "a", utc(2024, 3, 30, 0), utc(2024, 3, 31, 11), "layer:0"
    )


def test_handoff_at_midnight_follows_local_midnight_across_dst():
    rotation = Rotation(("a", "b"), timedelta(days=1), datetime(2024, 3, 29, 0, 0))
    schedule = one_layer("Europe/London", rotation)

    assert on_call_user(schedule, [], utc(2024, 3, 30, 23, 59)) == "b"
    assert on_call_user(schedule, [], utc(2024, 3, 31, 0, 0)) == "a"
    # Sunday is 23 h long; Monday 00:00 BST is 23:00 UTC.
    assert current_shift(schedule, [], utc(2024, 3, 31, 12)) == Shift(
        "a", utc(2024, 3, 31, 0), utc(2024, 3, 31, 23), "layer:0"
    )
    assert on_call_user(schedule, [], utc(2024, 3, 31, 23, 0)) == "b"


# --- DST transition days -----------------------------------------------------------------------

DST_HANDOFFS = [
    # zone, transition day, handoff wall time, the instant that day's handoff happens
    ("Europe/London", (2024, 3, 31), time(0, 0), utc(2024, 3, 31, 0, 0)),
    ("Europe/London", (2024, 3, 31), time(1, 30), utc(2024, 3, 31, 1, 30)),  # gap: 02:30 BST
    ("Europe/London", (2024, 3, 31), time(2, 30), utc(2024, 3, 31, 1, 30)),
    ("Europe/London", (2024, 10, 27), time(0, 0), utc(2024, 10, 26, 23, 0)),
    ("Europe/London", (2024, 10, 27), time(1, 30), utc(2024, 10, 27, 0, 30)),  # first 01:30
    ("Europe/London", (2024, 10, 27), time(2, 30), utc(2024, 10, 27, 2, 30)),
    ("America/New_York", (2024, 3, 10), time(0, 0), utc(2024, 3, 10, 5, 0)),
    ("America/New_York", (2024, 3, 10), time(1, 30), utc(2024, 3, 10, 6, 30)),
    ("America/New_York", (2024, 3, 10), time(2, 30), utc(2024, 3, 10, 7, 30)),  # gap: 03:30 EDT
    ("America/New_York", (2024, 11, 3), time(0, 0), utc(2024, 11, 3, 4, 0)),
    ("America/New_York", (2024, 11, 3), time(1, 30), utc(2024, 11, 3, 5, 30)),  # first 01:30
    ("America/New_York", (2024, 11, 3), time(2, 30), utc(2024, 11, 3, 7, 30)),
]


@pytest.mark.parametrize(("key", "day", "wall_time", "expected"), DST_HANDOFFS)
def test_daily_handoff_on_a_transition_day(key, day, wall_time, expected):
    transition_day = datetime(*day)
    two_days_before = datetime.combine(transition_day - timedelta(days=2), wall_time)
    rotation = Rotation(("a", "b", "c"), timedelta(days=1), two_days_before)
    schedule = one_layer(key, rotation)

    hour = timedelta(hours=1)
    assert expected in rotation_boundaries(rotation, key, expected - hour, expected + TICK)
    assert on_call_user(schedule, [], expected - TICK) == "b"
    assert on_call_user(schedule, [], expected) == "c"
    next_handoff = datetime.combine(transition_day + timedelta(days=1), wall_time)
    next_instant = next_handoff.replace(tzinfo=ZoneInfo(key)).astimezone(UTC)
    shift = current_shift(schedule, [], expected + hour)
    assert shift == Shift("c", expected, next_instant, "layer:0")


def test_fall_back_hour_never_hands_the_pager_back():
    rotation = Rotation(("a", "b"), timedelta(hours=1), datetime(2024, 10, 26, 0, 0))
    schedule = one_layer("Europe/London", rotation)
    # 01:00 BST (00:00Z) starts b's hour; the repeated 01:00-02:00 GMT stays with b.
    assert timeline(schedule, [], utc(2024, 10, 26, 23), utc(2024, 10, 27, 3)) == [
        Shift("a", utc(2024, 10, 26, 23), utc(2024, 10, 27, 0), "layer:0"),
        Shift("b", utc(2024, 10, 27, 0), utc(2024, 10, 27, 2), "layer:0"),
        Shift("a", utc(2024, 10, 27, 2), utc(2024, 10, 27, 3), "layer:0"),
    ]
    assert on_call_user(schedule, [], local("Europe/London", 2024, 10, 27, 1, 30, fold=1)) == "b"


def test_shift_begun_in_the_first_pass_of_a_repeated_hour_holds_through_the_second():
    rotation = Rotation(("a", "b"), timedelta(days=1), datetime(2024, 10, 26, 1, 30))
    schedule = one_layer("Europe/London", rotation)
    # b took over at the first 01:30 (BST); at the second 01:10 (GMT) the clock reads earlier.
    assert on_call_user(schedule, [], local("Europe/London", 2024, 10, 27, 1, 10, fold=1)) == "b"
    assert on_call_user(schedule, [], local("Europe/London", 2024, 10, 27, 1, 10, fold=0)) == "a"


def test_shift_inside_the_spring_forward_gap_is_empty():
    rotation = Rotation(("a", "b"), timedelta(hours=1), datetime(2024, 3, 30, 0, 0))
    schedule = one_layer("Europe/London", rotation)
    # b's 01:00 shift does not exist on the clock: it would start at 02:00 BST, as a's does.
    assert timeline(schedule, [], utc(2024, 3, 30, 23), utc(2024, 3, 31, 3)) == [
        Shift("b", utc(2024, 3, 30, 23), utc(2024, 3, 31, 0), "layer:0"),
        Shift("a", utc(2024, 3, 31, 0), utc(2024, 3, 31, 2), "layer:0"),
        Shift("b", utc(2024, 3, 31, 2), utc(2024, 3, 31, 3), "layer:0"),
    ]
    assert rotation_boundaries(
        rotation, "Europe/London", utc(2024, 3, 30, 23), utc(2024, 3, 31, 3)
    ) == [utc(2024, 3, 30, 23), utc(2024, 3, 31, 0), utc(2024, 3, 31, 1), utc(2024, 3, 31, 2)]


def test_rotation_shorter_than_the_gap_skips_the_shifts_the_clock_skips():
    rotation = Rotation(("a", "b", "c"), timedelta(minutes=30), datetime(2024, 3, 31, 0, 0))
    schedule = one_layer("Europe/London", rotation)
    # c at 01:00 and a at 01:30 fall in the gap and would start at 02:00 and 02:30 BST,
    # exactly when b and c do: they are empty.
    assert rotation_boundaries(
        rotation, "Europe/London", utc(2024, 3, 31, 0), utc(2024, 3, 31, 3)
    ) == [utc(2024, 3, 31) + timedelta(minutes=30 * n) for n in range(6)]
    assert timeline(schedule, [], utc(2024, 3, 31, 0), utc(2024, 3, 31, 2, 30)) == [
        Shift("a", utc(2024, 3, 31, 0, 0), utc(2024, 3, 31, 0, 30), "layer:0"),
        Shift("b", utc(2024, 3, 31, 0, 30), utc(2024, 3, 31, 1, 30), "layer:0"),
        Shift("c", utc(2024, 3, 31, 1, 30), utc(2024, 3, 31, 2, 0), "layer:0"),
        Shift("a", utc(2024, 3, 31, 2, 0), utc(2024, 3, 31, 2, 30), "layer:0"),
    ]


# --- restrictions and layers -------------------------------------------------------------------


def test_restriction_crossing_midnight():
    friday_night = Restriction(frozenset({4}), time(18, 0), time(8, 0))
    rotation = Rotation(("a", "b"), timedelta(days=1), datetime(2024, 1, 1), (friday_night,))
    schedule = one_layer("Europe/London", rotation)  # GMT in January

    assert timeline(schedule, [], utc(2024, 1, 5, 12), utc(2024, 1, 6, 12)) == [
        Shift(None, utc(2024, 1, 5, 12), utc(2024, 1, 5, 18), "none"),
        Shift("a", utc(2024, 1, 5, 18), utc(2024, 1, 6, 0), "layer:0"),
        Shift("b", utc(2024, 1, 6, 0), utc(2024, 1, 6, 8), "layer:0"),
        Shift(None, utc(2024, 1, 6, 8), utc(2024, 1, 6, 12), "none"),
    ]
    assert on_call_user(schedule, [], utc(2024, 1, 12, 7, 59)) is None  # Friday morning


def test_weekend_windows_join_into_one_shift():
    weekend = (
        Restriction(frozenset({4}), time(17, 0), time(0, 0)),  # Friday evening to midnight
        Restriction(frozenset({5, 6}), time(0, 0), time(0, 0)),  # whole days
        Restriction(frozenset({0}), time(0, 0), time(9, 0)),  # Monday morning
    )
    rotation = Rotation(("a", "b"), timedelta(weeks=1), datetime(2024, 1, 5, 17, 0), weekend)
    schedule = one_layer("Europe/London", rotation)

    assert timeline(schedule, [], utc(2024, 1, 5, 12), utc(2024, 1, 8, 12)) == [
        Shift(None, utc(2024, 1, 5, 12), utc(2024, 1, 5, 17), "none"),
        Shift("a", utc(2024, 1, 5, 17), utc(2024, 1, 8, 9), "layer:0"),
        Shift(None, utc(2024, 1, 8, 9), utc(2024, 1, 8, 12), "none"),
    ]


def test_equal_start_and_end_is_a_whole_day():
    wednesday = Restriction(frozenset({2}), time(10, 0), time(10, 0))
    rotation = Rotation(("a",), timedelta(days=1), datetime(2024, 1, 1), (wednesday,))
    schedule = one_layer("UTC", rotation)
    assert [s.user for s in timeline(schedule, [], utc(2024, 1, 3), utc(2024, 1, 5))] == [
        None,
        "a",
        None,
    ]
    assert current_shift(schedule, [], utc(2024, 1, 4, 9)).end == utc(2024, 1, 4, 10)


def test_window_edges_inside_a_repeated_hour_are_crossed_twice():
    # Restrictions read the wall clock literally: 00:00-01:30 on the fall-back Sunday is
    # 00:00-01:30 BST and again the repeated 01:00-01:30 GMT.
    window = Restriction(frozenset({6}), time(0, 0), time(1, 30))
    rotation = Rotation(("a",), timedelta(days=1), datetime(2024, 10, 1), (window,))
    schedule = one_layer("Europe/London", rotation)
    assert timeline(schedule, [], utc(2024, 10, 26, 22), utc(2024, 10, 27, 3)) == [
        Shift(None, utc(2024, 10, 26, 22), utc(2024, 10, 26, 23), "none"),
        Shift("a", utc(2024, 10, 26, 23), utc(2024, 10, 27, 0, 30), "layer:0"),
        Shift(None, utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1), "none"),
        Shift("a", utc(2024, 10, 27, 1), utc(2024, 10, 27, 1, 30), "layer:0"),
        Shift(None, utc(2024, 10, 27, 1, 30), utc(2024, 10, 27, 3), "none"),
    ]


def test_window_opening_inside_a_gap_opens_when_the_clock_jumps_over_it():
    window = Restriction(frozenset({6}), time(1, 30), time(5, 0))
    rotation = Rotation(("a",), timedelta(days=1), datetime(2024, 3, 1), (window,))
    schedule = one_layer("Europe/London", rotation)
    assert timeline(schedule, [], utc(2024, 3, 30, 22), utc(2024, 3, 31, 5)) == [
        Shift(None, utc(2024, 3, 30, 22), utc(2024, 3, 31, 1), "none"),
        Shift("a", utc(2024, 3, 31, 1), utc(2024, 3, 31, 4), "layer:0"),  # 02:00-05:00 BST
        Shift(None, utc(2024, 3, 31, 4), utc(2024, 3, 31, 5), "none"),
    ]


def test_office_hours_follow_local_time_all_year():
    office = Restriction(WEEKDAYS, time(9, 0), time(17, 0))
    rotation = Rotation(("x",), timedelta(days=1), datetime(2024, 1, 1), (office,))
    schedule = one_layer("Europe/London", rotation)
    assert on_call_user(schedule, [], utc(2024, 1, 3, 8, 59)) is None
    assert on_call_user(schedule, [], utc(2024, 1, 3, 9, 0)) == "x"
    assert on_call_user(schedule, [], utc(2024, 7, 3, 7, 59)) is None
    assert on_call_user(schedule, [], utc(2024, 7, 3, 8, 0)) == "x"  # 09:00 BST
    assert on_call_user(schedule, [], utc(2024, 7, 3, 16, 0)) is None  # 17:00 BST


def business_over_24x7() -> Schedule:
    base = Rotation(("a", "b"), timedelta(weeks=1), datetime(2024, 1, 1, 9, 0), name="24x7")
    office = Rotation(
        ("x", "y"),
        timedelta(days=1),
        datetime(2024, 1, 1, 0, 0),
        (Restriction(WEEKDAYS, time(9, 0), time(17, 0)),),
        name="office",
    )
    return Schedule(name="platform", timezone="Europe/London", layers=(base, office))


def test_business_hours_layer_over_24x7_layer():
    schedule = business_over_24x7()
    assert timeline(schedule, [], utc(2024, 1, 3), utc(2024, 1, 4)) == [
        Shift("a", utc(2024, 1, 3, 0), utc(2024, 1, 3, 9), "layer:0"),
        Shift("x", utc(2024, 1, 3, 9), utc(2024, 1, 3, 17), "layer:1"),
        Shift("a", utc(2024, 1, 3, 17), utc(2024, 1, 4, 0), "layer:0"),
    ]
    assert on_call_user(schedule, [], utc(2024, 1, 6, 12)) == "a"  # Saturday: base layer
    week = shifts_for_user(schedule, [], "y", utc(2024, 1, 1), utc(2024, 1, 8))
    assert week == [
        Shift("y", utc(2024, 1, 2, 9), utc(2024, 1, 2, 17), "layer:1"),
        Shift("y", utc(2024, 1, 4, 9), utc(2024, 1, 4, 17), "layer:1"),
    ]


# --- overrides ---------------------------------------------------------------------------------


def daily_utc() -> Schedule:
    return one_layer("UTC", Rotation(("a", "b"), timedelta(days=1), datetime(2024, 1, 1, 9, 0)))


def test_overrides_overlapping_each_other_and_a_handoff():
    overrides = [
        Override("z", utc(2024, 1, 2, 8), utc(2024, 1, 2, 10), seq=1),  # spans the 09:00 handoff
        Override("w", utc(2024, 1, 2, 9, 30), utc(2024, 1, 2, 11), seq=2),
        Override("v", utc(2024, 1, 2, 9, 15), utc(2024, 1, 2, 9, 45), seq=0),  # always outranked
    ]
    assert timeline(daily_utc(), overrides, utc(2024, 1, 2, 6), utc(2024, 1, 2, 12)) == [
        Shift("a", utc(2024, 1, 2, 6), utc(2024, 1, 2, 8), "layer:0"),
        Shift("z", utc(2024, 1, 2, 8), utc(2024, 1, 2, 9, 30), "override"),
        Shift("w", utc(2024, 1, 2, 9, 30), utc(2024, 1, 2, 11), "override"),
        Shift("b", utc(2024, 1, 2, 11), utc(2024, 1, 2, 12), "layer:0"),
    ]


NEW_YORK = "America/New_York"


def test_override_ties_go_to_the_later_one_and_any_zone_is_accepted():
    overrides = [
        Override("p", utc(2024, 1, 2, 12), utc(2024, 1, 2, 14), seq=5),
        Override("q", local(NEW_YORK, 2024, 1, 2, 7), local(NEW_YORK, 2024, 1, 2, 9), seq=5),
    ]
    assert overrides[1].start == utc(2024, 1, 2, 12)
    assert on_call_user(daily_utc(), overrides, utc(2024, 1, 2, 13)) == "q"
    assert on_call_user(daily_utc(), overrides, local("Asia/Tokyo", 2024, 1, 2, 22)) == "q"


def test_override_across_the_repeated_hour_given_in_local_time():
    # 01:30 BST to 01:10 GMT: later in time though earlier on the clock.
    start = local("Europe/London", 2024, 10, 27, 1, 30)
    end = local("Europe/London", 2024, 10, 27, 1, 10, fold=1)
    override = Override("z", start, end)
    assert (override.start, override.end) == (utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 10))
    assert on_call_user(daily_utc(), [override], utc(2024, 10, 27, 1)) == "z"


def test_override_by_the_person_on_call_next_merges_into_one_run():
    overrides = [Override("b", utc(2024, 1, 2, 7), utc(2024, 1, 2, 9, 30))]
    shift = current_shift(daily_utc(), overrides, utc(2024, 1, 2, 12))
    assert shift == Shift("b", utc(2024, 1, 2, 7), utc(2024, 1, 3, 9), "override")


# --- before the first handoff, horizons, next shifts ------------------------------------------


def test_before_the_first_handoff_nobody_is_on_call():
    rotation = Rotation(("a", "b"), timedelta(days=1), datetime(2024, 5, 1, 9, 0))
    schedule = one_layer("Europe/London", rotation)
    at = utc(2024, 4, 30, 12)
    assert on_call_user(schedule, [], utc(2024, 5, 1, 7, 59)) is None
    assert on_call_user(schedule, [], utc(2024, 5, 1, 8, 0)) == "a"
    assert current_shift(schedule, [], at) == Shift(
        None, at - timedelta(days=60), utc(2024, 5, 1, 8), "none"
    )
    assert next_shifts(schedule, [], at, 3) == [
        Shift(None, at - timedelta(days=60), utc(2024, 5, 1, 8), "none"),
        Shift("a", utc(2024, 5, 1, 8), utc(2024, 5, 2, 8), "layer:0"),
        Shift("b", utc(2024, 5, 2, 8), utc(2024, 5, 3, 8), "layer:0"),
    ]


def test_next_shifts_skip_nobody_gaps():
    hours = Restriction(WEEKDAYS, time(9), time(17))
    office = Rotation(("x", "y"), timedelta(days=1), datetime(2024, 1, 1), (hours,))
    schedule = one_layer("Europe/London", office)
    assert next_shifts(schedule, [], utc(2024, 1, 5, 18), 3) == [
        Shift(None, utc(2024, 1, 5, 17), utc(2024, 1, 8, 9), "none"),
        Shift("y", utc(2024, 1, 8, 9), utc(2024, 1, 8, 17), "layer:0"),
        Shift("x", utc(2024, 1, 9, 9), utc(2024, 1, 9, 17), "layer:0"),
    ]
    assert next_shifts(schedule, [], utc(2024, 1, 5, 18), 0) == []
    # Nothing past the horizon: only Monday's shift starts within 3 days.
    assert len(next_shifts(schedule, [], utc(2024, 1, 5, 18), 5, horizon=timedelta(days=3))) == 2


def test_current_shift_is_capped_by_the_horizon():
    schedule = one_layer("UTC", Rotation(("solo",), timedelta(days=1), datetime(2020, 1, 1)))
    at = utc(2024, 6, 1, 12)
    assert current_shift(schedule, [], at, horizon=timedelta(days=2)) == Shift(
        "solo", at - timedelta(days=2), at + timedelta(days=2), "layer:0"
    )


def test_empty_window_and_empty_schedule():
    schedule = Schedule(name="empty", timezone="UTC", layers=())
    assert timeline(daily_utc(), [], utc(2024, 1, 2), utc(2024, 1, 2)) == []
    assert on_call_user(schedule, [], utc(2024, 1, 2)) is None
    assert timeline(schedule, [], utc(2024, 1, 2), utc(2024, 1, 3)) == [
        Shift(None, utc(2024, 1, 2), utc(2024, 1, 3), "none")
    ]


# --- validation and purity ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: Schedule("s", "Mars/Olympus_Mons", ()),
        lambda: Rotation((), timedelta(days=1), datetime(2024, 1, 1)),
        lambda: Rotation(("a",), timedelta(0), datetime(2024, 1, 1)),
        lambda: Rotation(("a",), timedelta(days=1), utc(2024, 1, 1)),
        lambda: Restriction(frozenset({7}), time(9), time(17)),
        lambda: Restriction(frozenset(), time(9), time(17)),
        lambda: Override("a", utc(2024, 1, 2), utc(2024, 1, 1)),
        lambda: Override("a", datetime(2024, 1, 1), datetime(2024, 1, 2)),
    ],
)
def test_invalid_values_are_refused_when_built(build):
    with pytest.raises(ValueError):
        build()


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        on_call_user(daily_utc(), [], datetime(2024, 1, 2))


def test_engine_imports_only_the_standard_library():
    allowed = {"__future__", "bisect", "collections", "dataclasses", "datetime", "zoneinfo", "bot", "kernel"}
    package = pathlib.Path(__file__).resolve().parents[2] / "bot" / "oncall"
    modules = sorted(package.glob("schedule*.py"))
    assert modules
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
                if node.module and node.module.startswith("bot."):
                    assert node.module.startswith("bot.oncall.schedule"), (module, node.module)
            else:
                continue
            assert roots <= allowed, (module, roots)
