"""WAL checkpoints off the thread that answers Slack.

SQLite copies the write-ahead log back into the database file (a checkpoint) inside whichever commit
crosses the WAL's size threshold, and with it an fsync: on a busy disk that is tens or hundreds of
milliseconds on the event loop that must ack Slack within 3 s. warroom turns the automatic checkpoint
off on its working connection and checkpoints from this thread instead, on its own connection.
PASSIVE never waits for readers or writers: it copies what it can, and the next round does the rest.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

INTERVAL = 0.5          # seconds between checkpoints
log = logging.getLogger("warroom.storage")


class Checkpointer:
    def __init__(self, path: str, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self.rounds = 0

    def start(self) -> "Checkpointer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=1.0, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.rounds += 1
                except sqlite3.Error as exc:  # busy or a full disk: the next round tries again
                    log.warning("storage.checkpoint_failed: %s", exc)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # leave a short WAL behind on a clean stop
        finally:
            conn.close()
