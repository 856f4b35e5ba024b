"""One structured line per event (logfmt), with every Slack token, bearer value, response_url and
verification token scrubbed before it is written, and every control character escaped (a value
sent by a stranger, such as a webhook path, must not start a line of its own)."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

from storage.postgres import shown as without_passwords

_TOKEN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
# A payload logged at DEBUG (Socket Mode envelopes), as JSON, as a Python dict or escaped inside a
# log value: "response_url": "https:\/\/hooks.slack.com/...", 'token': '...', \"token\": \"...\"
_SECRET_FIELD = re.compile(r"""((?:\\*["'])?\b(?:response_url|token)(?:\\*["'])?\s*[:=]\s*(?:\\*["'])?)"""
                           r"""((?:\\+/|[^"'\\\s,;&}])+)""")
# A live response URL anywhere else (a library's "Sending a request - url: ...")
_HOOK_URL = re.compile(r"(https?:(?:\\?/){2}hooks\.slack\.com)(?:\\?/[^\s\"'\\,]*)+")
_NEEDS_QUOTES = re.compile(r'[\s"=\x00-\x1f\x7f-\x9f\u2028\u2029]')
_ESCAPED = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029]')
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def redact(text: str) -> str:
    text = _TOKEN.sub(lambda m: m.group(1) + "-[redacted]", text)
    text = _BEARER.sub(lambda m: m.group(1) + "[redacted]", text)
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + "[redacted]", text)
    text = without_passwords(text)   # a database URL or connection string quoted in a message
    return _HOOK_URL.sub(lambda m: m.group(1) + "/[redacted]", text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _value(value: Any) -> str:
    text = str(value)
    if text == "" or _NEEDS_QUOTES.search(text):
        return '"' + _ESCAPED.sub(_escape, text) + '"'
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
        if isinstance(record.msg, str):
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
