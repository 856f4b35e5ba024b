"""A TCP proxy in front of the PostgreSQL server, for tests that lose the database.

``cut()`` is what a restart or a failover looks like from a replica: every open connection is
closed at once (the server rolls back what was in flight) and new ones are turned away until
``restore()``. The server itself is shared by the test run, so it is never restarted for real.
"""

from __future__ import annotations

import selectors
import socket
import threading

CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._down = False
        self._stopped = False
        self.cuts = 0
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    # control ---------------------------------------------------------------------------------
    def cut(self) -> None:
        """Close every connection through the proxy and refuse new ones until :meth:`restore`."""
        with self._lock:
            self._down = True
            self.cuts += 1
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._down = False

    def stop(self) -> None:
        self._stopped = True
        self.cut()
        _close(self.listener)

    # work --------------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                down = self._down
            if down:
                _close(client)  # as a server that is not up yet: the connection is refused
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        other = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in other:
                sock.setblocking(True)
                # as libpq and PostgreSQL set on their own sockets: without it, a client that sends several
                # messages before reading (psycopg's pipeline mode) waits for delayed ACKs at every hop
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                selector.register(sock, selectors.EVENT_READ)
            try:
                while True:
                    for key, _ in selector.select(timeout=1.0):
                        data = key.fileobj.recv(CHUNK)
                        if not data:
                            return
                        other[key.fileobj].sendall(data)
                    if client.fileno() < 0 or upstream.fileno() < 0:
                        return
            except (OSError, ValueError):
                return
            finally:
                _close(client)
                _close(upstream)
                with self._lock:
                    if (client, upstream) in self._pairs:
                        self._pairs.remove((client, upstream))


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
