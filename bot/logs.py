"""One structured line per event (logfmt), with every Slack token scrubbed before it is written."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

_TOKEN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def redact(text: str) -> str:
    text = _TOKEN.sub(lambda m: m.group(1) + "-[redacted]", text)
    return _BEARER.sub(lambda m: m.group(1) + "[redacted]", text)


def _value(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        fields = {
            "ts": stamp,
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info).replace("\n", " | ")
        line = " ".join(f"{key}={_value(val)}" for key, val in fields.items())
        return redact(line)


class RedactingFilter(logging.Filter):
    """A second net for handlers we do not format ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and ("xox" in record.msg or "xapp" in record.msg or "earer" in record.msg):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in (record.args if isinstance(record.args, tuple) else (record.args,)))
        return True


def setup_logging(level: str = "INFO", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Library chatter at INFO (every socket ping) drowns the events people need at 2 a.m.
    for noisy in ("slack_bolt", "slack_sdk", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class EventLogger:
    """``log.info("incident.declared", incident=12)`` -> one logfmt line with those fields."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)

    def _log(self, severity: int, event: str, /, exc_info: Any = None, **fields: Any) -> None:
        # positional-only, so a field may be called "level" or "event" without clashing
        if self._logger.isEnabledFor(severity):
            self._logger.log(severity, event, exc_info=exc_info, extra={"fields": fields})

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, event, **fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, **fields)

    def error(self, event: str, exc_info: Any = None, **fields: Any) -> None:
        self._log(logging.ERROR, event, exc_info=exc_info, **fields)


def get_logger(name: str) -> EventLogger:
    return EventLogger(name)
