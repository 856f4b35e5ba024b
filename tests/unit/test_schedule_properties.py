"""Property tests of the on-call schedule engine against a brute force written separately here.

The brute force follows the rules literally: a rotation's shift in effect is the highest k
whose start (wall time handoff + k*length, converted by zoneinfo with fold=0) is not after
the instant, found among all shifts near it; a restriction is checked as an interval of wall
time; overrides are filtered and ranked directly. Every input is minute-aligned and every
zone offset is whole minutes, so all changes happen on minute boundaries and stepping
through a window minute by minute sees all of them.
"""

from __future__ import annotations

import bisect
import functools
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.oncall.schedule import (
    Override,
    Restriction,
    Rotation,
    Schedule,
    current_shift,
    next_shifts,
    on_call_user,
    rotation_boundaries,
    timeline,
)

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)
ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "America/Santiago",  # changes at midnight: 00:00 does not exist on its spring day
    "America/St_Johns",  # UTC-3:30 / -2:30
    "Asia/Kolkata",  # +5:30, no DST
    "Asia/Kathmandu",  # +5:45
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Apia",  # skipped 30 Dec 2011 entirely
    "Africa/Casablanca",  # DST suspended every Ramadan
]
RANGE_START = datetime(2010, 1, 1, tzinfo=UTC)
RANGE_END = datetime(2030, 1, 1, tzinfo=UTC)
USERS = ["U1", "U2", "U3", "U4"]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def transitions(key: str) -> tuple[datetime, ...]:
    """UTC instants in the test range where the zone's offset changes (to the minute)."""
    tz = ZoneInfo(key)
    found = []
    moment, offset = RANGE_START, RANGE_START.astimezone(tz).utcoffset()
    while moment < RANGE_END:
        later = moment + timedelta(days=1)
        later_offset = later.astimezone(tz).utcoffset()
        if later_offset != offset:
            low, high = moment, later
            while high - low > MINUTE:
                middle = low + (high - low) // 2 // MINUTE * MINUTE
                if middle.astimezone(tz).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high)
        moment, offset = later, later_offset
    return tuple(found)


# --- the brute force ---------------------------------------------------------------------------


class BruteForce:
    """Who is on call at instants in [low, high], computed the slow and obvious way."""

    def __init__(
        self, schedule: Schedule, overrides: list[Override], low: datetime, high: datetime
    ):
        self.tz = ZoneInfo(schedule.timezone)
        self.overrides = overrides
        self.layers = []
        margin = timedelta(days=3)  # more than any offset, so no nearby shift is left out
        low_wall = low.astimezone(UTC).replace(tzinfo=None) - margin
        high_wall = high.astimezone(UTC).replace(tzinfo=None) + margin
        for rotation in schedule.layers:
            first = max(0, (low_wall - rotation.handoff) // rotation.length)
            last = (high_wall - rotation.handoff) // rotation.length
            starts = sorted(
                (self.start_of_shift(rotation, k), k) for k in range(first, last + 1)
            )
            highest_so_far, running = [], -1
            for _, k in starts:
                running = max(running, k)
                highest_so_far.append(running)
            self.layers.append((rotation, [s for s, _ in starts], highest_so_far))

    def start_of_shift(self, rotation: Rotation, k: int) -> datetime:
        wall_time = rotation.handoff + k * rotation.length
        return wall_time.replace(tzinfo=self.tz).astimezone(UTC)  # fold=0 as zoneinfo does

    def shift_index(self, layer: int, at: datetime) -> int | None:
        _, starts, highest_so_far = self.layers[layer]
        position = bisect.bisect_right(starts, at)
        return highest_so_far[position - 1] if position else None

    def in_window(self, window: Restriction, wall_time: datetime) -> bool:
        for opened_on in (wall_time.date(), wall_time.date() - timedelta(days=1)):
            if opened_on.weekday() not in window.weekdays:
                continue
            opens = datetime.combine(opened_on, window.start)
            closes = datetime.combine(opened_on, window.end)
            if closes <= opens:
                closes += timedelta(days=1)
            if opens <= wall_time < closes:
                return True
        return False

    def user(self, at: datetime) -> str | None:
        active = [(o.seq, i, o.user) for i, o in enumerate(self.overrides) if o.start <= at < o.end]
        if active:
            return max(active)[2]
        wall_time = at.astimezone(self.tz).replace(tzinfo=None)
        for layer in range(len(self.layers) - 1, -1, -1):
            rotation = self.layers[layer][0]
            if rotation.restrictions and not any(
                self.in_window(w, wall_time) for w in rotation.restrictions
            ):
                continue
            k = self.shift_index(layer, at)
            if k is not None:
                return rotation.users[k % len(rotation.users)]
        return None


# --- strategies --------------------------------------------------------------------------------

minute_of_day = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
lengths = st.one_of(
    st.integers(1, 24 * 14).map(lambda h: timedelta(hours=h)),
    st.sampled_from([timedelta(hours=h) for h in (7, 12, 24, 36, 168)]),
    st.integers(1, 12).map(lambda n: timedelta(minutes=15 * n)),  # some shorter than a DST gap
)


def tricky_walls(tz: ZoneInfo, moment: datetime) -> list[datetime]:
    """Local wall times where the clock jumps near `moment` (ends and middle of a DST gap or a
    repeated hour), and a little either side; plain midnight and 09:00 of that day otherwise."""
    before = (moment - MINUTE).astimezone(tz).replace(tzinfo=None) + MINUTE
    after = moment.astimezone(tz).replace(tzinfo=None)
    middle = min(before, after) + abs(after - before) // 2 // MINUTE * MINUTE
    day = datetime.combine(after.date(), time(0))
    half_hour, nine = 30 * MINUTE, 9 * 60 * MINUTE
    return [before, after, middle, before - half_hour, after + half_hour, day, day + nine]


@st.composite
def scenarios(draw):
    """(schedule, overrides, anchor): everything happens within a few days of anchor, which is
    usually within hours of a change of UTC offset; handoffs and window edges like to fall
    on the wall times around that change."""
    key = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(key)
    nearby = transitions(key)
    if nearby and draw(st.integers(0, 9)) < 8:
        transition = draw(st.sampled_from(nearby))
        minutes_away = draw(st.integers(-3 * 60, 3 * 60) | st.integers(-36 * 60, 36 * 60))
        anchor = transition + minutes_away * MINUTE
    else:
        transition = None
        span = (RANGE_END - RANGE_START) // MINUTE - 30 * 24 * 60
        anchor = RANGE_START + draw(st.integers(30 * 24 * 60, span)) * MINUTE
    walls = tricky_walls(tz, transition or anchor)
    tricky_times = st.sampled_from([w.time() for w in walls])
    times_of_day = st.one_of(tricky_times, minute_of_day)
    tricky_day = walls[0].weekday()
    weekdays = st.builds(
        lambda days, add: days | {tricky_day} if add else days,
        st.frozensets(st.integers(0, 6), min_size=1),
        st.booleans(),
    )

    layers = []
    for _ in range(draw(st.integers(1, 3))):
        handoff = draw(
            st.one_of(
                # at a tricky wall time, a few days (or shifts) before it or right on it
                st.builds(
                    lambda wall_time, days: wall_time - timedelta(days=days),
                    st.sampled_from(walls),
                    st.integers(0, 3),
                ),
                st.builds(
                    lambda days, at: datetime.combine(walls[0].date() + timedelta(days=days), at),
                    st.integers(-3, 1),
                    times_of_day,
                ),
                # long before, so the rotation is deep into its cycle
                st.integers(0, 60 * 24 * 60).map(lambda m: walls[0] - m * MINUTE),
            )
        )
        windows = st.builds(Restriction, weekdays=weekdays, start=times_of_day, end=times_of_day)
        layers.append(
            Rotation(
                users=tuple(draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=4))),
                length=draw(lengths),
                handoff=handoff,
                restrictions=tuple(draw(st.lists(windows, max_size=2))),
            )
        )

    overrides = []
    for _ in range(draw(st.integers(0, 4))):
        start = anchor + draw(st.integers(-2 * 24 * 60, 2 * 24 * 60)) * MINUTE
        end = start + draw(st.integers(1, 3 * 24 * 60)) * MINUTE
        zone = draw(st.sampled_from([UTC, tz]))
        overrides.append(
            Override(
                user=draw(st.sampled_from(USERS + ["OVR"])),
                start=start.astimezone(zone),
                end=end.astimezone(zone),
                seq=draw(st.integers(0, 3)),
            )
        )
    return Schedule(name="prop", timezone=key, layers=tuple(layers)), overrides, anchor


offsets = st.integers(-3 * 24 * 60 * 60, 3 * 24 * 60 * 60).map(lambda s: timedelta(seconds=s))


# --- properties --------------------------------------------------------------------------------


@SETTINGS
@given(scenarios(), st.lists(offsets, min_size=1, max_size=25))
def test_on_call_user_matches_brute_force(scenario, deltas):
    schedule, overrides, anchor = scenario
    brute = BruteForce(schedule, overrides, anchor + min(deltas), anchor + max(deltas))
    zone = ZoneInfo(schedule.timezone)
    for delta in deltas:
        at = anchor + delta
        expected = brute.user(at)
        assert on_call_user(schedule, overrides, at) == expected, at
        assert on_call_user(schedule, overrides, at.astimezone(zone)) == expected, at


def assert_well_formed(schedule, overrides, shifts, start, end):
    """Contiguous, non-overlapping, merged, covering [start, end), and agreeing with lookups."""
    assert shifts, "a non-empty window has at least one segment"
    assert shifts[0].start == start and shifts[-1].end == end
    for before, after in zip(shifts, shifts[1:]):
        assert before.end == after.start
        assert before.user != after.user
    for shift in shifts:
        assert shift.start < shift.end
        assert shift.start.tzinfo is UTC and shift.end.tzinfo is UTC
        assert on_call_user(schedule, overrides, shift.start) == shift.user
        assert on_call_user(schedule, overrides, shift.end - TICK) == shift.user


@SETTINGS
@given(scenarios(), st.integers(0, 18 * 60), st.integers(1, 18 * 60))
def test_timeline_and_lookups_match_a_minute_by_minute_walk(scenario, before, after):
    schedule, overrides, anchor = scenario
    start = anchor - before * MINUTE
    end = anchor + after * MINUTE
    minutes = before + after
    shifts = timeline(schedule, overrides, start, end)
    assert_well_formed(schedule, overrides, shifts, start, end)

    brute = BruteForce(schedule, overrides, start - MINUTE, end)
    segment = iter(shifts)
    current = next(segment)
    for step in range(minutes):
        at = start + step * MINUTE
        if at >= current.end:
            current = next(segment)
            assert current.start == at, "segments change only on whole minutes"
        expected = brute.user(at)
        assert current.user == expected, at
        assert on_call_user(schedule, overrides, at) == expected, at

    for index, rotation in enumerate(schedule.layers):
        changes = [
            start + step * MINUTE
            for step in range(minutes)
            if brute.shift_index(index, start + step * MINUTE) is not None
            and brute.shift_index(index, start + step * MINUTE)
            != brute.shift_index(index, start + (step - 1) * MINUTE)
        ]
        assert rotation_boundaries(rotation, schedule.timezone, start, end) == changes


@SETTINGS
@given(scenarios(), st.integers(-3 * 24 * 60, 0), st.integers(1, 21 * 24 * 60))
def test_long_timeline_is_well_formed(scenario, offset, minutes):
    schedule, overrides, anchor = scenario
    start = anchor + offset * MINUTE
    end = start + minutes * MINUTE
    shifts = timeline(schedule, overrides, start, end)
    assert_well_formed(schedule, overrides, shifts, start, end)
    brute = BruteForce(schedule, overrides, start, end)
    for shift in shifts:
        assert brute.user(shift.start) == shift.user
        assert brute.user(shift.end - TICK) == shift.user


@SETTINGS
@given(scenarios(), offsets, st.integers(1, 4 * 24 * 60))
def test_current_shift_is_the_timeline_run_around_the_instant(scenario, delta, horizon_minutes):
    schedule, overrides, anchor = scenario
    at = anchor + delta
    horizon = horizon_minutes * MINUTE
    shift = current_shift(schedule, overrides, at, horizon)
    around = timeline(schedule, overrides, at - horizon, at + horizon)
    (containing,) = [s for s in around if s.start <= at < s.end]
    assert (shift.user, shift.start, shift.end) == (
        containing.user,
        containing.start,
        containing.end,
    )
    assert shift.user == on_call_user(schedule, overrides, at)


@SETTINGS
@given(scenarios(), offsets, st.integers(1, 6), st.integers(1, 5 * 24 * 60))
def test_next_shifts_are_the_coming_runs_with_someone(scenario, delta, count, horizon_minutes):
    schedule, overrides, anchor = scenario
    at = anchor + delta
    horizon = horizon_minutes * MINUTE
    shifts = next_shifts(schedule, overrides, at, count, horizon)
    current = current_shift(schedule, overrides, at, horizon)
    assert shifts[0] == current
    coming = [s for s in timeline(schedule, overrides, current.end, at + horizon) if s.user]
    assert shifts[1:] == coming[: count - 1]
