"""PostgreSQL notifications heard on a connection of their own, so a replica learns at once that
another one recorded work for it (an effect to perform, a timer planned sooner) instead of finding
it at its next look."""

from __future__ import annotations

import logging
import threading
from typing import Callable

import psycopg

from storage.postgres import CONNECT_TIMEOUT, shown

log = logging.getLogger("warroom.storage")

POLL = 1.0        # seconds between looks at the stop flag while nothing is heard
RECONNECT = 2.0   # seconds between attempts after the connection was lost


class NoticeListener:
    def __init__(self, url: str, channel: str, callback: Callable[[], None],
                 own_backend: Callable[[], int | None] = lambda: None) -> None:
        self.url = url
        self.channel = channel
        self.callback = callback
        self.own_backend = own_backend   # this replica's own connection: it wakes itself after its commits
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)

    def start(self) -> Callable[[], None]:
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                     application_name="warroom-listen") as conn:
                    conn.execute(f"LISTEN {self.channel}")
                    self._tell()   # whatever was notified while nobody listened is looked at now
                    while not self._stopped.is_set():
                        # read to the end: a generator left half-read keeps the connection's lock, and the
                        # connection could then never be closed (a thread and a connection lost per stop)
                        heard = list(conn.notifies(timeout=POLL, stop_after=1))
                        if any(notice.pid != self.own_backend() for notice in heard):
                            self._tell()
            except psycopg.Error as exc:
                first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                log.warning("storage.listen_lost channel=%s: %s", self.channel, shown(first_line))
                self._stopped.wait(RECONNECT)

    def _tell(self) -> None:
        """The callback, whose failure (the replica stopping under it) must not take the listener down."""
        if self._stopped.is_set():
            return
        try:
            self.callback()
        except Exception as exc:   # noqa: BLE001 - a listener thread has nobody to raise to
            if not self._stopped.is_set():
                log.warning("storage.listen_callback_failed channel=%s: %s", self.channel, type(exc).__name__)
