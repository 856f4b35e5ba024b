"""``warroom sandbox`` on a pseudo-terminal: keys go in, and the test reads the screen as the person
at the keyboard would (escape codes removed, unless a test asks for them)."""

from __future__ import annotations

import codecs
import fcntl
import json
import os
import pty
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import ROOT

ESCAPE_CODE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
UP_ARROW = "\x1b[A"
CTRL_C = "\x03"


class SandboxTerminal:
    """One ``warroom sandbox`` started on a terminal of 250 columns, HOME at ``home``."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        environ = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(home), "TERM": "xterm",
                   "LANG": "C.UTF-8", **(env or {})}
        # the terminal is its controlling terminal, so Ctrl-C is a SIGINT as at a real one
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "sandbox"], stdin=slave, stdout=slave,
                                        stderr=slave, cwd=ROOT, env=environ, start_new_session=True,
                                        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.fd = master
        self.raw = ""                       # everything the terminal received, escape codes and all
        self.mark = 0                       # where the next expect() starts looking, in screen()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def __enter__(self) -> "SandboxTerminal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # keys in -----------------------------------------------------------------------------------
    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode("utf-8"))

    def line(self, text: str) -> None:
        self.type(text + "\r")

    # screen out ----------------------------------------------------------------------------------
    def screen(self) -> str:
        return ESCAPE_CODE.sub("", self.raw).replace("\r", "")

    def expect(self, text: str, timeout: float = 60.0) -> str:
        """Wait until ``text`` shows after the mark; return the screen from the mark to it, and move
        the mark past it."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            at = shown.find(text, self.mark)
            if at >= 0:
                seen, self.mark = shown[self.mark:at + len(text)], at + len(text)
                return seen
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                ended = self.process.poll()
                state = "still running" if ended is None else f"exited with {ended}"
                raise AssertionError(f"{text!r} did not appear after {timeout - max(left, 0):.1f} s (the program "
                                     f"{state}); the terminal shows:\n{shown[-4000:]}")

    def _read(self, timeout: float) -> bool:
        """Read what has arrived (False once the program has gone and nothing is left)."""
        ready, _, _ = select.select([self.fd], [], [], min(timeout, 1.0))
        if not ready:
            return self.process.poll() is None
        try:
            data = os.read(self.fd, 65536)
        except OSError:   # EIO: the other side closed
            data = b""
        if not data:
            return False
        self.raw += self._decoder.decode(data)
        return True

    def banner_curl(self) -> list[str]:
        return curl_words(self.screen())

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.line(":quit")
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        os.close(self.fd)


def curl_words(text: str) -> list[str]:
    """The words of the first ``curl`` command in ``text`` (two lines joined by a backslash), as a
    shell would split them."""
    start = text.index("curl ")
    end = text.index("\n", text.index("\\\n", start) + 2)
    return shlex.split(text[start:end].replace("\\\n", " "))


def send_curl(words: list[str], body: str | None = None, environ: dict[str, str] | None = None) -> tuple[int, dict]:
    """Do what ``curl`` with these words would (headers, URL, -d body), with ``$VARIABLES`` from
    ``environ`` as a shell would put them in; ``body`` replaces the -d body. Returns status and reply."""
    words = [_expand(w, environ or {}) for w in words]
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    url = next(w for w in words if w.startswith("http://"))
    data = (body if body is not None else words[words.index("-d") + 1]).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # as curl --noproxy '*'
    try:
        with opener.open(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _expand(word: str, environ: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda m: environ.get(m.group(1), ""), word)
