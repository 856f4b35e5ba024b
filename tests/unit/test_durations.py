from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.durations import (
    DurationError,
    DurationTooLong,
    compact_duration,
    format_duration,
    parse_duration,
)


@pytest.mark.parametrize("text,seconds", [("20s", 20), ("15m", 900), ("1h", 3600), ("1h30m", 5400),
                                          ("2d", 172800), ("1w", 604800), (" 1H 5M ", 3900)])
def test_parses_what_people_write(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["off", "none", "OFF", "0"])
def test_off_means_none_when_allowed(text):
    assert parse_duration(text, allow_off=True) is None


@pytest.mark.parametrize("text", ["", "15", "m15", "1.5h", "15 minutes", "-5m", "off"])
def test_refuses_with_an_example_of_the_right_form(text):
    with pytest.raises(DurationError) as error:
        parse_duration(text)
    assert "like 20s, 15m" in str(error.value) or "positive" in str(error.value)


def test_zero_is_refused_unless_off_is_allowed():
    with pytest.raises(DurationError, match="zero"):
        parse_duration("0m")


@given(st.integers(min_value=1, max_value=10 * 365 * 86400))
def test_compact_form_round_trips(seconds):
    assert parse_duration(compact_duration(timedelta(seconds=seconds))) == timedelta(seconds=seconds)


@pytest.mark.parametrize("seconds,text", [(45, "45s"), (720, "12 min"), (7500, "2 h 5 min"),
                                          (273600, "3 d 4 h"), (-5, "0s")])
def test_formats_for_people(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text", ["9999999999w", "99999999999999999999d", "5215w"])
def test_longer_than_a_century_is_refused_as_too_long_not_a_crash(text):
    """timedelta overflowed on '9999999999w' (OverflowError: a 500 on the web, 'something went wrong' in
    Slack); a caller with a limit of its own takes at_least and refuses it in that limit's words."""
    with pytest.raises(DurationTooLong, match="too long") as error:
        parse_duration(text)
    assert error.value.at_least == timedelta(days=36500)
    assert parse_duration("5214w") == timedelta(weeks=5214)
