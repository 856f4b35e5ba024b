"""The PostgreSQL notice listener (one thread and connection per replica): a callback that fails (the
replica stopping under it) neither stops the listening nor keeps the thread and its connection alive
after stop()."""

from __future__ import annotations

import time

import psycopg

from storage.pg_listen import NoticeListener


def wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


def test_a_failing_callback_keeps_listening_and_stop_ends_the_thread(postgres_url):
    calls: list[float] = []

    def callback() -> None:
        calls.append(time.monotonic())
        raise RuntimeError("Event loop is closed")

    listener = NoticeListener(postgres_url, "warroom_listen_test", callback)
    listener.start()
    wait_until(lambda: len(calls) == 1)                      # the look at start, failed
    with psycopg.connect(postgres_url, autocommit=True) as other:
        other.execute("NOTIFY warroom_listen_test")
        wait_until(lambda: len(calls) == 2)                  # heard, failed again, still listening
        other.execute("NOTIFY warroom_listen_test")
        wait_until(lambda: len(calls) == 3)
    listener.stop()
    listener._thread.join(timeout=5)
    assert not listener._thread.is_alive(), "the thread (and its connection) outlived stop()"
