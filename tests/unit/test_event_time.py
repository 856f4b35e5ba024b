"""Reading the time a timeline event happened, as people type it, in their own zone."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.incidents.event_time import parse_moment, split_leading_time
from bot.incidents.model import IncidentError

NOW = datetime(2026, 3, 26, 14, 30, tzinfo=timezone.utc).timestamp()
ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "Asia/Kolkata"]


@pytest.mark.parametrize("typed, expected", [
    ("10:02 Customer reported 502s", ("10:02", "Customer reported 502s")),
    ("9:05:30 x", ("9:05:30", "x")),
    ("yesterday 23:50 Deploy went out", ("yesterday 23:50", "Deploy went out")),
    ("Yesterday at 23:50 Deploy", ("Yesterday 23:50", "Deploy")),
    ("2026-03-26 10:02 Paged", ("2026-03-26 10:02", "Paged")),
    ("2026-03-26T10:02", ("2026-03-26T10:02", "")),
    ("25:99 x", ("25:99", "x")),                 # time-like: refused when read, never taken as text
    ("10am x", ("10am", "x")),
    ("Customer reported 502s at 10:02", (None, "Customer reported 502s at 10:02")),
    ("1002 x", (None, "1002 x")),
    ("", (None, "")),
])
def test_the_time_is_split_from_the_text(typed, expected):
    assert split_leading_time(typed) == expected


@pytest.mark.parametrize("typed, zone, expected", [
    ("10:02", "UTC", datetime(2026, 3, 26, 10, 2, tzinfo=timezone.utc)),
    ("10:02", "America/New_York", datetime(2026, 3, 26, 14, 2, tzinfo=timezone.utc)),   # EDT since Mar 8
    ("yesterday 23:50", "UTC", datetime(2026, 3, 25, 23, 50, tzinfo=timezone.utc)),
    ("2026-03-20 08:00:15", "Europe/London", datetime(2026, 3, 20, 8, 0, 15, tzinfo=timezone.utc)),
    ("2026-03-20T08:00", "Asia/Kolkata", datetime(2026, 3, 20, 2, 30, tzinfo=timezone.utc)),
    ("03:00", "Pacific/Kiritimati", datetime(2026, 3, 26, 13, 0, tzinfo=timezone.utc)),  # already the 27th there
])
def test_a_time_is_read_in_the_persons_zone(typed, zone, expected):
    assert parse_moment(typed, zone, NOW) == expected.timestamp()


@pytest.mark.parametrize("typed", ["24:00", "10:60", "10:02:61", "10am", "2026-02-30 10:00", "2026-3-26 10:00",
                                   "tomorrow 10:00", "10.02", ""])
def test_what_is_not_a_time_is_refused(typed):
    with pytest.raises(IncidentError) as refused:
        parse_moment(typed, "UTC", NOW)
    assert refused.value.code == "event_time_unreadable" and refused.value.field == "when"


@pytest.mark.parametrize("typed, zone", [("9999-12-31 23:59", "America/New_York"), ("0001-01-01 00:00", "Asia/Tokyo")])
def test_a_day_whose_moment_is_beyond_the_calendar_is_refused_not_a_crash(typed, zone):
    with pytest.raises(IncidentError) as refused:   # in UTC these fall in the years 10000 and 0
        parse_moment(typed, zone, NOW)
    assert refused.value.code == "event_time_unreadable"


def test_a_time_the_clocks_skipped_is_refused_not_moved():
    with pytest.raises(IncidentError) as refused:   # London went from 01:00 to 02:00 on 2026-03-29
        parse_moment("2026-03-29 01:30", "Europe/London", NOW + 7 * 86400)
    assert refused.value.code == "event_time_skipped"
    # the hour that happens twice is read as the first time round
    assert parse_moment("2026-10-25 01:30", "Europe/London", NOW) == \
        datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc).timestamp()


@settings(max_examples=60, deadline=None)
@given(minutes_ago=st.integers(min_value=0, max_value=60 * 24 * 30), zone=st.sampled_from(ZONES),
       now_offset=st.integers(min_value=0, max_value=86400 * 365))
def test_a_moment_written_as_people_see_it_reads_back_as_the_same_moment(minutes_ago, zone, now_offset):
    now = NOW + now_offset
    local = ZoneInfo(zone)
    moment = datetime.fromtimestamp(now - minutes_ago * 60, local).replace(second=0, microsecond=0)
    if moment.fold:   # the second pass through a repeated hour has no wall-clock name of its own
        return
    today = datetime.fromtimestamp(now, local).date()
    forms = [f"{moment:%Y-%m-%d %H:%M}", f"{moment:%Y-%m-%dT%H:%M}"]
    if moment.date() == today:
        forms.append(f"{moment:%H:%M}")
    if moment.date() == today - timedelta(days=1):
        forms.append(f"yesterday {moment:%H:%M}")
    for form in forms:
        when, rest = split_leading_time(f"{form} Something happened")
        assert (when, rest) == (form, "Something happened")
        assert parse_moment(when, zone, now) == moment.timestamp(), form
