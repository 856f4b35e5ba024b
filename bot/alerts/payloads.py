"""What monitoring systems send, read into :class:`AlertEvent` objects. Pure: no I/O, no clock.

Two formats: Prometheus Alertmanager's webhook (version 4) and warroom's own small JSON for
anything else (a cron job, a CI pipeline, a script). A body that cannot be read is refused with a
:class:`PayloadError` whose reason names the field, so whoever set up the sender can fix it from
the HTTP reply alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from bot.alerts.model import AlertEvent

ALERTMANAGER_VERSION = "4"
NOTABLE_LABELS = ("instance", "job", "severity")     # named in a summary made from labels
GENERIC_KEYS = ("summary", "details", "dedup_key", "status")
STATUSES = ("firing", "resolved")
MAX_DEDUP_KEY = 255
MAX_REASON = 300


class PayloadError(ValueError):
    """A request body that is not what its source type sends; ``reason`` says which field and why."""

    def __init__(self, reason: str) -> None:
        if len(reason) > MAX_REASON:  # it quotes keys and values the sender chose: keep the reply small
            reason = reason[:MAX_REASON] + "…"
        super().__init__(reason)
        self.reason = reason


def parse(source_type: str, body: Any) -> list[AlertEvent]:
    """The events in ``body`` (already decoded from JSON) sent by a source of ``source_type``."""
    if source_type == "alertmanager":
        return parse_alertmanager(body)
    if source_type == "webhook":
        return parse_generic(body)
    raise PayloadError(f"a source of type {source_type!r} does not take webhooks")


# Alertmanager ----------------------------------------------------------------------------------
def parse_alertmanager(body: Any) -> list[AlertEvent]:
    """One event per alert of an Alertmanager webhook (version 4); deduplicated by fingerprint."""
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
    return [_alertmanager_alert(alert, f"alerts[{i}]", group_status) for i, alert in enumerate(alerts)]


def _alertmanager_alert(alert: Any, where: str, group_status: str | None) -> AlertEvent:
    if not isinstance(alert, dict):
        raise PayloadError(f"{where} must be an object, not {_kind(alert)}")
    labels = _string_map(alert, "labels", f"{where}.labels")
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
    if isinstance(body, list):
        if not body:
            raise PayloadError("the list is empty; send one or more events")
        return [_generic_event(item, f"[{i}].") for i, item in enumerate(body)]
    return [_generic_event(body, "")]


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
    return AlertEvent(summary=summary.strip(), details=details, dedup_key=dedup_key, resolve=resolve)


# field checks ----------------------------------------------------------------------------------
def _optional_string(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"{where} must be a string, not {_kind(value)}")
    return value


def _string_map(obj: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object, not {_kind(value)}")
    for name, item in value.items():
        if not isinstance(item, str):
            raise PayloadError(f"{where}.{name} must be a string, not {_kind(item)}")
    return dict(value)


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
