"""The interactive side of ``warroom sandbox``: line editing and history (the stdlib's readline),
and printing what happens in the background without garbling the line being typed."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import termios
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator, TextIO

from sandbox import ANSI, PLAIN, Style

HISTORY_FILE = ".warroom_sandbox_history"
HISTORY_LENGTH = 1000
POLL_SECONDS = 0.2
CLEAR_LINE = "\r\x1b[K"
CTRL_C = "\x03"
# While a line is read, Ctrl-C is a key, not a signal: readline only notices a SIGINT that interrupts
# its select(), and one that lands while it is drawing the last key typed is lost until the next key
# (CPython's readline cannot close that window). The key runs this macro: to the end of the line, a
# literal ^C, and Enter, so read() gets the line with ^C at its end and knows what was asked.
CTRL_C_MACRO = r'"\C-c": "\C-e\C-v\C-c\C-m"'


def style_for(stream: TextIO) -> Style:
    """Bold and colour for a terminal that shows them; plain words for files, pipes and NO_COLOR."""
    if stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
        return ANSI
    return PLAIN


@contextlib.contextmanager
def threads_deaf_to_ctrl_c() -> Iterator[None]:
    """Threads started in this block never take SIGINT. The kernel hands a process's signal to any
    thread that does not block it; when that is not the main thread, the main thread's readline is not
    woken, and Ctrl-C does nothing until the next key (the sandbox runs a dozen threads)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class Terminal:
    """Reads lines with editing and history when stdin is a terminal; prints from any thread."""

    def __init__(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                 words: Callable[[], list[str]] | None = None) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self._lock = threading.Lock()
        self._prompt: str | None = None           # set while a line is being typed
        self.readline = _readline() if stdin.isatty() else None
        self.history = Path.home() / HISTORY_FILE
        if self.readline is not None:
            self._start_readline(words)

    def _start_readline(self, words: Callable[[], list[str]] | None) -> None:
        rl = self.readline
        assert rl is not None
        rl.set_history_length(HISTORY_LENGTH)
        try:
            rl.read_history_file(self.history)
        except (FileNotFoundError, PermissionError):
            pass
        except OSError as exc:   # a damaged file must not stop the sandbox
            self.print(f"(history not loaded from {self.history}: {exc.strerror or exc})")
        rl.parse_and_bind(CTRL_C_MACRO)
        if words is not None:
            rl.set_completer_delims(" \t\n")
            rl.set_completer(_completer(words))
            rl.parse_and_bind("tab: complete")

    def read(self, prompt: str) -> str:
        """One line. Ctrl-C clears a half-typed line and asks again, as a shell does; on an empty
        line it raises KeyboardInterrupt (so does the signal on a terminal without readline). Each
        line goes into the history file as it is entered."""
        while True:
            with self._lock:
                self._prompt = prompt
            try:
                with self._ctrl_c_as_a_key():
                    line = input(prompt)
            finally:
                with self._lock:
                    self._prompt = None
            if line.endswith(CTRL_C):
                self._forget_last()
                if line[:-1].strip():
                    continue
                raise KeyboardInterrupt
            self._remember(line)
            return line

    @contextlib.contextmanager
    def _ctrl_c_as_a_key(self) -> Iterator[None]:
        """Turn off the terminal's interrupt character while readline reads (Ctrl-Z and Ctrl-\\ keep
        their signals); put it back for the command that runs next, so Ctrl-C stops a long :wait."""
        if self.readline is None:
            yield
            return
        try:
            fd = self.stdin.fileno()
            before = termios.tcgetattr(fd)
        except (OSError, ValueError, termios.error):
            yield
            return
        keyed = [*before[:6], list(before[6])]
        keyed[6][termios.VINTR] = b"\0"   # _POSIX_VDISABLE on Linux and the BSDs
        termios.tcsetattr(fd, termios.TCSANOW, keyed)
        try:
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, before)

    def _forget_last(self) -> None:
        """input() put the cancelled line into readline's history; take it out again."""
        assert self.readline is not None
        length = self.readline.get_current_history_length()
        if length and (self.readline.get_history_item(length) or "").endswith(CTRL_C):
            self.readline.remove_history_item(length - 1)

    def _remember(self, line: str) -> None:
        """Append the line to the history file now: a sandbox that is killed keeps what was typed."""
        if self.readline is None or not line.strip():
            return
        try:
            self.history.touch(mode=0o600, exist_ok=True)   # append_history_file needs the file
            self.readline.append_history_file(1, self.history)
        except OSError as exc:
            self.stdout.write(f"(history not saved to {self.history}: {exc.strerror or exc})\n")

    def print(self, text: str) -> None:
        """Print ``text``; while a line is being typed, above it, then the prompt and what was typed."""
        with self._lock:
            if self._prompt is None:
                self.stdout.write(text + "\n")
            elif self.readline is not None:
                self.stdout.write(CLEAR_LINE + text + "\n" + self._prompt + self.readline.get_line_buffer())
            else:
                self.stdout.write("\n" + text + "\n" + self._prompt)
            self.stdout.flush()

    def save_history(self) -> None:
        if self.readline is None:
            return
        try:
            self.readline.write_history_file(self.history)
        except OSError as exc:
            self.stdout.write(f"(history not saved to {self.history}: {exc.strerror or exc})\n")


class Watcher:
    """Calls ``poll`` every moment on its own thread until stopped."""

    def __init__(self, poll: Callable[[], None], report: Callable[[str], None],
                 interval: float = POLL_SECONDS) -> None:
        self._poll = poll
        self._report = report
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-watcher", daemon=True)

    def start(self) -> "Watcher":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._poll()
            except Exception as exc:  # the person keeps typing; they are told background news has stopped
                self._report(f"! stopped printing background changes: {type(exc).__name__}: {exc}")
                return


def _readline() -> ModuleType | None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return None
    return readline


def _completer(words: Callable[[], list[str]]) -> Callable[[str, int], Any]:
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            matches[:] = [w for w in words() if w.startswith(text)]
        return matches[state] if state < len(matches) else None
    return complete
