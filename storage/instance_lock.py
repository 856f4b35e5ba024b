"""One warroom per SQLite database: two would both run every effect and fire every timer.

The lock is taken before anything else touches the database (migrations included), so a second,
newer warroom never migrates a database the first one is using. It is a ``flock`` on
``<database>.lock``: the kernel releases it when the process dies, even by ``kill -9``, and the file
is removed on a clean stop.
"""

from __future__ import annotations

import fcntl
import os

from storage.errors import StorageError


class InstanceLocked(StorageError):
    """Another process holds the lock: a warroom is running with this database."""

    def __init__(self, message: str, owner: str) -> None:
        super().__init__(message)
        self.owner = owner  # its pid, as it wrote it into the lock file


class InstanceLock:
    def __init__(self, db_path: str) -> None:
        self.path = f"{db_path}.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise StorageError(f"cannot open database {self.path[:-5]}: cannot create {self.path} "
                                   f"({exc.strerror})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise InstanceLocked(f"another warroom (pid {owner}) is already running with database "
                                     f"{self.path[:-5]}; stop it first", owner) from None
            if self._still_the_file(fd):
                break
            os.close(fd)  # the holder removed the file as we opened it: lock the new one instead
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def _still_the_file(self, fd: int) -> bool:
        try:
            return os.fstat(fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)  # while still held, so nobody can take a lock on a file about to vanish
        except FileNotFoundError:
            pass
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
