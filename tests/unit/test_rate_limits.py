"""The arithmetic behind the intake's limits: token buckets, post spacing, the connection cap."""

from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.spacing import PostSpacing
from bot.http.limits import MAX_CONNECTIONS, TokenBucket, connection_limit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_in_then_the_rate_and_says_when():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=5, clock=clock)
    assert [bucket.admit() for _ in range(6)] == [0, 0, 0, 0, 0, 1]
    clock.now += 0.1  # one token back
    assert bucket.admit() == 0 and bucket.admit() == 1


def test_a_big_request_gets_in_and_its_debt_keeps_the_source_out():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=100, clock=clock)
    assert bucket.admit() == 0
    bucket.charge(999)        # a request of 1,000 events: far over the burst, still stored
    assert bucket.admit() == 91   # (1 - (100 - 1000)) / 10 seconds until the next may come
    clock.now += 90
    assert bucket.admit() == 1
    clock.now += 1
    assert bucket.admit() == 0


@given(st.lists(st.tuples(st.floats(0, 2), st.integers(1, 50)), max_size=200))
def test_what_gets_in_never_exceeds_burst_plus_rate_plus_one_request(requests):
    clock = FakeClock()
    rate, burst = 20, 40
    bucket = TokenBucket(rate=rate, burst=burst, clock=clock)
    began, admitted = clock.now, 0
    for pause, events in requests:
        clock.now += pause
        if bucket.admit() == 0:
            bucket.charge(events - 1)
            admitted += events
    assert admitted <= burst + rate * (clock.now - began) + 50


def test_the_connection_cap_leaves_half_the_files_for_slack_and_the_database():
    assert connection_limit(1024) == 512 == MAX_CONNECTIONS
    assert connection_limit(256) == 128
    assert connection_limit(65536) == MAX_CONNECTIONS
    assert connection_limit(10) == 8


def test_spacing_is_measured_on_the_monotonic_clock_and_never_longer_than_the_interval():
    mono = FakeClock()
    spacing = PostSpacing(1.0, monotonic=mono)
    wall = 1_700_000_000.0
    # after a restart only the stored wall time is known: a post stored "in the future" (the clock
    # went back since) waits the interval at most
    assert spacing.wait("alerts", last_posted_at=wall + 3600, now=wall) == 1.0   # due 1 s from now
    mono.now += 1.25  # posted; the next new alert 0.25 s later, the wall clock stepped back an hour meanwhile
    assert spacing.wait("alerts", last_posted_at=wall + 3600, now=wall - 3600) == 0.75
    mono.now += 5
    assert spacing.wait("alerts", last_posted_at=None, now=wall) == 0.0
    assert spacing.wait("other", last_posted_at=wall - 0.5, now=wall) == 0.5
    assert spacing.wait("fresh", last_posted_at=None, now=wall) == 0.0
