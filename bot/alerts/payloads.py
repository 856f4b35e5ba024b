"""What monitoring systems send, read into :class:`AlertEvent` objects. Pure: no I/O, no clock.

Two formats: Prometheus Alertmanager's webhook (version 4) and warroom's own small JSON for
anything else (a cron job, a CI pipeline, a script). A body that cannot be read is refused with a
:class:`PayloadError` whose reason names the field, so whoever set up the sender can fix it from
the HTTP reply alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator, Mapping

from bot.alerts.model import AlertEvent

ALERTMANAGER_VERSION = "4"
NOTABLE_LABELS = ("instance", "job", "severity")     # named in a summary made from labels
GENERIC_KEYS = ("summary", "details", "dedup_key", "status")
STATUSES = ("firing", "resolved")
MAX_DEDUP_KEY = 255
MAX_REASON = 300
# One request is stored a slice at a time, but it is parsed and answered as a whole: this keeps a
# request to well under a second of work. Alertmanager's webhook_config has max_alerts for it.
MAX_EVENTS = 1000
# Labels are stored whole with the alert (and shown): Prometheus' own are a few dozen characters.
MAX_LABELS = 64
MAX_LABEL_NAME = 128
MAX_LABEL_VALUE = 1024
MAX_LABELS_TOTAL = 8192          # characters of all names and values of one alert
CONTENT_KEY_PREFIX = "content:"


class PayloadError(ValueError):
    """A request body that is not what its source type sends; ``reason`` says which field and why."""

    def __init__(self, reason: str) -> None:
        if len(reason) > MAX_REASON:  # it quotes keys and values the sender chose: keep the reply small
            reason = reason[:MAX_REASON] + "…"
        super().__init__(reason)
        self.reason = reason


class TooManyEvents(PayloadError):
    """More events in one request than :data:`MAX_EVENTS`; the sender should split them."""


def parse(source_type: str, body: Any) -> list[AlertEvent]:
    """The events in ``body`` (already decoded from JSON) sent by a source of ``source_type``."""
    return list(iter_events(source_type, body))


def iter_events(source_type: str, body: Any) -> Iterator[AlertEvent]:
    """:func:`parse` one event at a time, so a caller can pause between them (a thousand events take
    milliseconds to check). The body as a whole is checked before the first event comes out."""
    if source_type == "alertmanager":
        return _alertmanager_events(body)
    if source_type == "webhook":
        return _generic_events(body)
    raise PayloadError(f"a source of type {source_type!r} does not take webhooks")


# Alertmanager ----------------------------------------------------------------------------------
def parse_alertmanager(body: Any) -> list[AlertEvent]:
    """One event per alert of an Alertmanager webhook (version 4); deduplicated by fingerprint."""
    return list(_alertmanager_events(body))


def _alertmanager_events(body: Any) -> Iterator[AlertEvent]:
    if not isinstance(body, dict):
        raise PayloadError(f"the body must be a JSON object (Alertmanager webhook), not {_kind(body)}")
    version = body.get("version")
    if version != ALERTMANAGER_VERSION:
        raise PayloadError(f"version must be \"4\" (the Alertmanager webhook format warroom reads), "
                           f"not {_shown(version)}")
    for name in ("groupKey", "receiver", "externalURL"):
        _optional_string(body, name, name)
    for name in ("groupLabels", "commonLabels", "commonAnnotations"):
        _string_map(body, name, name)
    group_status = _optional_string(body, "status", "status")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        got = "nothing" if alerts is None else "an empty list" if alerts == [] else _kind(alerts)
        raise PayloadError(f"alerts must be a non-empty list of alerts (got {got})")
    if len(alerts) > MAX_EVENTS:
        raise TooManyEvents(f"alerts has {len(alerts)} alerts; warroom takes at most {MAX_EVENTS} in one request: "
                            f"set max_alerts: {MAX_EVENTS} in the webhook_config or group alerts more finely")
    return (_alertmanager_alert(alert, f"alerts[{i}]", group_status) for i, alert in enumerate(alerts))


def _alertmanager_alert(alert: Any, where: str, group_status: str | None) -> AlertEvent:
    if not isinstance(alert, dict):
        raise PayloadError(f"{where} must be an object, not {_kind(alert)}")
    labels = _labels(alert, f"{where}.labels")
    annotations = _string_map(alert, "annotations", f"{where}.annotations")
    status = _optional_string(alert, "status", f"{where}.status") or group_status
    if status not in STATUSES:
        raise PayloadError(f"{where}.status must be \"firing\" or \"resolved\", not {_shown(status)}")
    for name in ("startsAt", "endsAt"):
        _optional_string(alert, name, f"{where}.{name}")
    generator_url = _optional_string(alert, "generatorURL", f"{where}.generatorURL")
    fingerprint = _optional_string(alert, "fingerprint", f"{where}.fingerprint")
    return AlertEvent(
        summary=_alert_summary(labels, annotations),
        details=_alert_details(annotations, generator_url),
        dedup_key=fingerprint or labels_fingerprint(labels),
        resolve=status == "resolved",
        labels=labels,
    )


def _labels(alert: dict[str, Any], where: str) -> dict[str, str]:
    labels = _string_map(alert, "labels", where)
    if len(labels) > MAX_LABELS:
        raise PayloadError(f"{where} has {len(labels)} labels; at most {MAX_LABELS}")
    total = 0
    for name, value in labels.items():
        if len(name) > MAX_LABEL_NAME:
            raise PayloadError(f"{where} has a label name of {len(name)} characters ({_shown(name)}); "
                               f"at most {MAX_LABEL_NAME}")
        if len(value) > MAX_LABEL_VALUE:
            raise PayloadError(f"{where}.{name[:40]} is {len(value)} characters; a label value may have at most "
                               f"{MAX_LABEL_VALUE} (put long text in an annotation)")
        total += len(name) + len(value)
    if total > MAX_LABELS_TOTAL:
        raise PayloadError(f"{where} has {total} characters of names and values; at most {MAX_LABELS_TOTAL}")
    return labels


def labels_fingerprint(labels: Mapping[str, str]) -> str:
    """A stable key for an alert that came without a fingerprint: the same labels, the same key."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False, separators=(",", ":"))
    return "labels:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _alert_summary(labels: dict[str, str], annotations: dict[str, str]) -> str:
    if annotations.get("summary", "").strip():
        return annotations["summary"].strip()
    description = annotations.get("description", "").strip()
    if description:
        return description.splitlines()[0].strip()
    name = labels.get("alertname") or "Alert"
    notable = ", ".join(f"{key}={labels[key]}" for key in NOTABLE_LABELS if labels.get(key))
    return f"{name} ({notable})" if notable else name


def _alert_details(annotations: dict[str, str], generator_url: str | None) -> str:
    parts = []
    if annotations.get("description", "").strip():
        parts.append(annotations["description"].strip())
    if annotations.get("runbook_url", "").strip():
        parts.append(f"Runbook: {annotations['runbook_url'].strip()}")
    if generator_url:
        parts.append(f"Source: {generator_url}")
    return "\n\n".join(parts)


# warroom's generic JSON ------------------------------------------------------------------------
def parse_generic(body: Any) -> list[AlertEvent]:
    """``{"summary", "details"?, "dedup_key"?, "status"?}``, or a non-empty list of them (a batch)."""
    return list(_generic_events(body))


def _generic_events(body: Any) -> Iterator[AlertEvent]:
    if isinstance(body, list):
        if not body:
            raise PayloadError("the list is empty; send one or more events")
        if len(body) > MAX_EVENTS:
            raise TooManyEvents(f"the list has {len(body)} events; warroom takes at most {MAX_EVENTS} in one "
                                "request: send them in several requests")
        return (_generic_event(item, f"[{i}].") for i, item in enumerate(body))
    return iter([_generic_event(body, "")])


def _generic_event(item: Any, prefix: str) -> AlertEvent:
    where = prefix.rstrip(".") or "the body"
    if not isinstance(item, dict):
        raise PayloadError(f"{where} must be a JSON object like {{\"summary\": \"...\"}}, not {_kind(item)}")
    unknown = sorted(set(item) - set(GENERIC_KEYS))
    if unknown:
        raise PayloadError(f"{prefix}{unknown[0]} is not a known key; known keys: {', '.join(GENERIC_KEYS)}")
    status = _optional_string(item, "status", f"{prefix}status") or "firing"
    if status not in STATUSES:
        raise PayloadError(f"{prefix}status must be \"firing\" or \"resolved\", not {_shown(status)}")
    resolve = status == "resolved"
    dedup_key = _optional_string(item, "dedup_key", f"{prefix}dedup_key")
    if dedup_key is not None:
        if not dedup_key.strip():
            raise PayloadError(f"{prefix}dedup_key is empty; leave it out or give a key")
        if len(dedup_key) > MAX_DEDUP_KEY:
            raise PayloadError(f"{prefix}dedup_key is {len(dedup_key)} characters; at most {MAX_DEDUP_KEY}")
    if resolve and not dedup_key:
        raise PayloadError(f"{prefix}dedup_key is missing: a resolved event needs the dedup_key of what it resolves")
    summary = _optional_string(item, "summary", f"{prefix}summary") or ""
    if not summary.strip() and not resolve:
        raise PayloadError(f"{prefix}summary is required: say what is wrong in one line")
    details = _optional_string(item, "details", f"{prefix}details") or ""
    summary = summary.strip()
    # without a key, the same summary and details are the same alert: a sender's retry (after a
    # timeout, a 503) must never page twice
    return AlertEvent(summary=summary, details=details, dedup_key=dedup_key or content_key(summary, details),
                      resolve=resolve)


def content_key(summary: str, details: str) -> str:
    """The dedup key of a generic event sent without one: the same text, the same key."""
    canonical = json.dumps([summary, details], ensure_ascii=False, separators=(",", ":"))
    return CONTENT_KEY_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:16]


# field checks ----------------------------------------------------------------------------------
def _optional_string(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"{where} must be a string, not {_kind(value)}")
    return value if value is None else _unicode(value, where)


def _string_map(obj: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object, not {_kind(value)}")
    for name, item in value.items():
        _unicode(name, f"{where} (a name)")
        if not isinstance(item, str):
            raise PayloadError(f"{where}.{name} must be a string, not {_kind(item)}")
        _unicode(item, f"{where}.{name}")
    return dict(value)


def _unicode(text: str, where: str) -> str:
    """JSON may spell half a character (a lone surrogate such as \\ud800); it cannot be stored or
    shown, and failing later would answer 500, which Alertmanager retries for ever."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PayloadError(f"{where} has half of a character at position {exc.start + 1} "
                           f"({ascii(text[exc.start])[1:-1]}, a lone surrogate): send valid UTF-8, or both "
                           "halves of a surrogate pair") from None
    return text


def _shown(value: Any, limit: int = 40) -> str:
    """A value as JSON, cut short: a refusal quotes what was sent, never a megabyte of it."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
