"""Repeated log lines at a bounded rate: the first of a kind is written, the rest of its window are
counted and summed up in one line ("N more like this suppressed").

An attacker or a broken sender can make the same error happen thousands of times a second; one
line each fills the disk (171 MB in 50 s once) and costs the event loop the time to write them.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot.logs import EventLogger, get_logger

WINDOW_SECONDS = 10.0
MAX_KINDS = 1024              # kinds remembered at once; an attacker choosing keys cannot grow this


@dataclass
class _Kind:
    window_ends: float
    suppressed: int = 0
    last: dict[str, Any] | None = None
    flush_scheduled: bool = False


class Throttled:
    """``throttled.warning("refused:prometheus", "http.alerts", status=401)``: written once per window
    per key; at the end of a window with suppressed lines, one more line says how many there were."""

    def __init__(self, log: EventLogger, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log = log
        self.window = window
        self.clock = clock
        self._kinds: dict[str, _Kind] = {}

    def info(self, key: str, event: str, **fields: Any) -> None:
        self._write(logging.INFO, key, event, fields)

    def warning(self, key: str, event: str, **fields: Any) -> None:
        self._write(logging.WARNING, key, event, fields)

    def error(self, key: str, event: str, **fields: Any) -> None:
        self._write(logging.ERROR, key, event, fields)

    def _write(self, level: int, key: str, event: str, fields: dict[str, Any]) -> None:
        now = self.clock()
        kind = self._kinds.get(key)
        if kind is not None and now >= kind.window_ends:
            self._flush(key)
            kind = None
        if kind is None:
            if len(self._kinds) >= MAX_KINDS:
                self._flush(next(iter(self._kinds)))  # the oldest kind says what it held back, then goes
            self._kinds[key] = _Kind(window_ends=now + self.window)
            self._emit(level, event, fields)
            return
        kind.suppressed += 1
        kind.last = dict(fields, _level=level, _event=event)
        if not kind.flush_scheduled:
            kind.flush_scheduled = self._schedule_flush(key, kind.window_ends - now)

    def _schedule_flush(self, key: str, delay: float) -> bool:
        """So the count is written even when the storm stops within the window (no later line to carry it)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False  # no loop here: the next line of this kind, or flush_all(), writes the count
        loop.call_later(max(0.0, delay), self._flush, key)
        return True

    def _flush(self, key: str) -> None:
        kind = self._kinds.pop(key, None)
        if kind is None or not kind.suppressed or kind.last is None:
            return
        fields = dict(kind.last)
        level, event = fields.pop("_level"), fields.pop("_event")
        fields.pop("exc_info", None)  # the first line of the kind carried the traceback
        fields["suppressed"] = f"{kind.suppressed} more like this suppressed"
        self._emit(level, event, fields)

    def flush_all(self) -> None:
        for key in list(self._kinds):
            self._flush(key)

    def _emit(self, level: int, event: str, fields: dict[str, Any]) -> None:
        if level >= logging.ERROR:
            self.log.error(event, **fields)
            return
        fields.pop("exc_info", None)
        (self.log.warning if level == logging.WARNING else self.log.info)(event, **fields)


# Loggers of libraries on the loop that answers requests: aiohttp writes a full traceback for every
# request it cannot parse (a header over 8,190 bytes, a broken chunk), asyncio for what the loop
# cannot hand to anyone. A stranger can cause either as often as he likes.
LIBRARY_LOGGERS = ("aiohttp.server", "aiohttp.access", "aiohttp.web", "asyncio")


def describe(error: BaseException | None) -> dict[str, str]:
    """What an exception was and where it was raised, in two short fields instead of a traceback."""
    if error is None:
        return {}
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    fields = {"error": f"{type(error).__name__}: {lines[-1][:200] if lines else '-'}"}
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    if frames:
        fields["where"] = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"
    return fields


def install_loop_error_throttle(loop: asyncio.AbstractEventLoop) -> None:
    """asyncio reports errors it cannot hand to anyone (``socket.accept() out of system resource``
    when the process is out of file descriptors) through the loop's exception handler, once per
    failed accept. Route them through a :class:`Throttled`, keyed by the message, and the warnings
    and errors of :data:`LIBRARY_LOGGERS` too: one line per kind, no traceback."""
    throttled = Throttled(get_logger("warroom.loop"))

    def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message") or "unhandled error in the event loop")
        throttled.error(message, "loop.error", message=message, **describe(context.get("exception")))

    loop.set_exception_handler(handler)
    throttle_library_errors()


class _LibraryErrors(logging.Filter):
    """Takes a library's warning or error off its logger and writes it through a :class:`Throttled`,
    keyed by logger and kind (the exception's type, else the message before its arguments, which
    carry the client's address)."""

    def __init__(self) -> None:
        super().__init__()
        self.throttled = Throttled(get_logger("warroom.library"))

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        error = record.exc_info[1] if record.exc_info else None
        key = f"{record.name}:{type(error).__name__ if error is not None else record.msg}"
        fields = dict(library=record.name, message=record.getMessage()[:200], **describe(error))
        if record.levelno >= logging.ERROR:
            self.throttled.error(key, "library.error", **fields)
        else:
            self.throttled.warning(key, "library.warning", **fields)
        return False


def throttle_library_errors() -> None:
    """Install :class:`_LibraryErrors` on :data:`LIBRARY_LOGGERS` (once, however often it is called)."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _LibraryErrors) for f in logger.filters):
            logger.addFilter(_LIBRARY_ERRORS)


_LIBRARY_ERRORS = _LibraryErrors()
