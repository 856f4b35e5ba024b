"""Repeated log lines at a bounded rate."""

import logging

from bot.log_throttle import MAX_KINDS, Throttled
from bot.logs import get_logger


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def written(caplog):
    return [(r.levelno, r.getMessage(), dict(r.fields)) for r in caplog.records if r.name == "warroom.test.throttle"]


def test_the_first_of_a_kind_is_written_and_the_rest_of_the_window_counted(caplog):
    caplog.set_level(logging.DEBUG, logger="warroom.test.throttle")
    clock = FakeClock()
    throttled = Throttled(get_logger("warroom.test.throttle"), window=10, clock=clock)
    for i in range(1000):
        throttled.warning("refused", "http.refused", attempt=i)
    throttled.info("other", "http.other")
    assert written(caplog) == [(logging.WARNING, "http.refused", {"attempt": 0}),
                               (logging.INFO, "http.other", {})]
    clock.now = 10.5  # the next one after the window says how many were held back, then starts a new one
    throttled.warning("refused", "http.refused", attempt=1000)
    assert written(caplog)[2:] == [
        (logging.WARNING, "http.refused", {"attempt": 999, "suppressed": "999 more like this suppressed"}),
        (logging.WARNING, "http.refused", {"attempt": 1000})]


def test_flush_all_writes_what_was_held_back(caplog):
    caplog.set_level(logging.DEBUG, logger="warroom.test.throttle")
    throttled = Throttled(get_logger("warroom.test.throttle"), clock=FakeClock())
    throttled.error("boom", "loop.error", message="socket.accept() out of system resource")
    throttled.error("boom", "loop.error", message="socket.accept() out of system resource")
    throttled.flush_all()
    throttled.flush_all()  # nothing more to say
    assert [f.get("suppressed") for _, _, f in written(caplog)] == [None, "1 more like this suppressed"]


def test_keys_an_attacker_chooses_cannot_grow_it_without_bound(caplog):
    caplog.set_level(logging.DEBUG, logger="warroom.test.throttle")
    throttled = Throttled(get_logger("warroom.test.throttle"), clock=FakeClock())
    for i in range(MAX_KINDS * 3):
        throttled.info(f"name-{i}", "http.alerts", source=f"name-{i}")
    assert len(throttled._kinds) <= MAX_KINDS
