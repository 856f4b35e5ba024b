import copy

import pytest

from bot.alerts.model import AlertEvent
from bot.alerts.payloads import (
    PayloadError,
    content_key,
    labels_fingerprint,
    parse,
    parse_alertmanager,
    parse_generic,
)

# What Alertmanager 0.27 posts for a group of two alerts (trimmed of nothing but other receivers).
ALERTMANAGER_GROUP = {
    "receiver": "warroom",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HighRequestLatency", "instance": "api-1:9090", "job": "api",
                       "severity": "critical", "service": "checkout"},
            "annotations": {
                "summary": "p99 latency above 2s on api-1",
                "description": "p99 latency is 2.43s (threshold 2s) for 10 minutes.\nCheckout is slow.",
                "runbook_url": "https://runbooks.example.com/api/latency",
            },
            "startsAt": "2024-05-02T09:14:30.123Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=histogram_quantile%280.99%2C...%29&g0.tab=1",
            "fingerprint": "c3e1f0b9a2d47e55",
        },
        {
            "status": "firing",
            "labels": {"alertname": "HighRequestLatency", "instance": "api-2:9090", "job": "api",
                       "severity": "critical", "service": "checkout"},
            "annotations": {"description": "p99 latency is 3.10s (threshold 2s)."},
            "startsAt": "2024-05-02T09:15:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": "0a9d3b7c11e2f4a8",
        },
    ],
    "groupLabels": {"alertname": "HighRequestLatency"},
    "commonLabels": {"alertname": "HighRequestLatency", "job": "api", "severity": "critical", "service": "checkout"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": "{}/{severity=\"critical\"}:{alertname=\"HighRequestLatency\"}",
    "truncatedAlerts": 0,
}

RESOLVED_ONE = {
    "receiver": "warroom",
    "status": "resolved",
    "alerts": [{
        "status": "resolved",
        "labels": {"alertname": "NodeDown", "instance": "db-3:9100", "job": "node", "severity": "page"},
        "annotations": {},
        "startsAt": "2024-05-02T08:00:00Z",
        "endsAt": "2024-05-02T08:12:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": "5f1e0c2b8d9a7e63",
    }],
    "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093", "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0,
}


def group(**changes):
    body = copy.deepcopy(ALERTMANAGER_GROUP)
    body.update(changes)
    return body


def test_alertmanager_group_gives_one_event_per_alert():
    first, second = parse_alertmanager(group())
    assert first == AlertEvent(
        summary="p99 latency above 2s on api-1",
        details="p99 latency is 2.43s (threshold 2s) for 10 minutes.\nCheckout is slow.\n\n"
                "Runbook: https://runbooks.example.com/api/latency\n\n"
                "Source: http://prometheus:9090/graph?g0.expr=histogram_quantile%280.99%2C...%29&g0.tab=1",
        dedup_key="c3e1f0b9a2d47e55",
        resolve=False,
        labels=ALERTMANAGER_GROUP["alerts"][0]["labels"],
    )
    # no summary: the description's first line; an empty generatorURL adds nothing
    assert second.summary == "p99 latency is 3.10s (threshold 2s)."
    assert second.details == "p99 latency is 3.10s (threshold 2s)."
    assert second.dedup_key == "0a9d3b7c11e2f4a8" and not second.resolve


def test_resolved_alert_resolves_by_fingerprint_and_summary_comes_from_labels():
    (event,) = parse_alertmanager(RESOLVED_ONE)
    assert event.resolve and event.dedup_key == "5f1e0c2b8d9a7e63"
    assert event.summary == "NodeDown (instance=db-3:9100, job=node, severity=page)"
    assert event.details == "Source: http://prometheus:9090/graph?g0.expr=up+%3D%3D+0"


def test_each_alert_has_its_own_status_in_a_mixed_group():
    body = group(status="firing")
    body["alerts"][1]["status"] = "resolved"
    assert [e.resolve for e in parse_alertmanager(body)] == [False, True]


def test_alert_without_status_takes_the_groups():
    body = copy.deepcopy(RESOLVED_ONE)
    del body["alerts"][0]["status"]
    assert parse_alertmanager(body)[0].resolve


def test_missing_fingerprint_falls_back_to_a_stable_hash_of_the_labels():
    body = group()
    del body["alerts"][0]["fingerprint"]
    body["alerts"][1]["fingerprint"] = ""
    first, second = parse_alertmanager(body)
    assert first.dedup_key == labels_fingerprint(body["alerts"][0]["labels"])
    assert first.dedup_key != second.dedup_key
    # the same labels in another order (another sender, another day) give the same key
    reordered = dict(reversed(list(body["alerts"][0]["labels"].items())))
    assert labels_fingerprint(reordered) == first.dedup_key
    assert first.dedup_key.startswith("labels:")


def test_summary_without_annotations_or_notable_labels():
    body = copy.deepcopy(RESOLVED_ONE)
    body["alerts"][0]["labels"] = {"alertname": "Watchdog"}
    assert parse_alertmanager(body)[0].summary == "Watchdog"
    body["alerts"][0]["labels"] = {}
    assert parse_alertmanager(body)[0].summary == "Alert"


@pytest.mark.parametrize("change,reason", [
    (lambda b: b.update(version="3"), 'version must be "4"'),
    (lambda b: b.update(version=4), 'version must be "4" (the Alertmanager webhook format warroom reads), not 4'),
    (lambda b: b.pop("version"), 'version must be "4"'),
    (lambda b: b.pop("alerts"), "alerts must be a non-empty list of alerts (got nothing)"),
    (lambda b: b.update(alerts=[]), "alerts must be a non-empty list of alerts (got an empty list)"),
    (lambda b: b.update(alerts={"0": {}}), "alerts must be a non-empty list of alerts (got an object)"),
    (lambda b: b["alerts"].append("boom"), "alerts[2] must be an object, not a string"),
    (lambda b: b["alerts"][1].update(labels=["a"]), "alerts[1].labels must be an object, not a list"),
    (lambda b: b["alerts"][0]["labels"].update(port=9090), "alerts[0].labels.port must be a string, not a number"),
    (lambda b: b["alerts"][0].update(annotations="x"), "alerts[0].annotations must be an object, not a string"),
    (lambda b: b["alerts"][0].update(status="pending"), 'alerts[0].status must be "firing" or "resolved"'),
    (lambda b: b["alerts"][0].update(fingerprint=123), "alerts[0].fingerprint must be a string, not a number"),
    (lambda b: b["alerts"][0].update(generatorURL=None) or b["alerts"][0].update(startsAt=5),
     "alerts[0].startsAt must be a string"),
    (lambda b: b.update(commonLabels=[]), "commonLabels must be an object, not a list"),
    (lambda b: b.update(externalURL=False), "externalURL must be a string, not a boolean"),
])
def test_alertmanager_refusals_name_the_field(change, reason):
    body = group()
    change(body)
    with pytest.raises(PayloadError) as error:
        parse_alertmanager(body)
    assert error.value.reason.startswith(reason) and str(error.value) == error.value.reason


@pytest.mark.parametrize("body", [None, [], "text", 4])
def test_alertmanager_body_must_be_an_object(body):
    with pytest.raises(PayloadError, match="must be a JSON object"):
        parse_alertmanager(body)


def test_refusals_stay_short_whatever_was_sent():
    with pytest.raises(PayloadError) as error:
        parse_alertmanager(group(version="4" * 10_000))
    assert error.value.reason == 'version must be "4" (the Alertmanager webhook format warroom reads), not "' + \
        "4" * 39 + "…"
    with pytest.raises(PayloadError) as error:
        parse_generic({"summary": "x", "k" * 10_000: 1})
    assert len(error.value.reason) == 301 and error.value.reason.endswith("k…")


def test_unknown_alertmanager_keys_are_fine():
    body = group(newField={"x": 1})
    body["alerts"][0]["silencedBy"] = []
    assert len(parse_alertmanager(body)) == 2


# generic -----------------------------------------------------------------------------------------
def test_generic_event_defaults_to_firing():
    assert parse_generic({"summary": "  Backups failed on db-1 ", "details": "exit 3"}) == [
        AlertEvent(summary="Backups failed on db-1", details="exit 3", dedup_key=content_key("Backups failed on db-1",
                                                                                          "exit 3"), resolve=False)]


def test_generic_resolve_needs_only_the_key():
    assert parse_generic({"dedup_key": "backup-db-1", "status": "resolved"}) == [
        AlertEvent(summary="", dedup_key="backup-db-1", resolve=True)]


def test_generic_batch_and_nulls_for_optional_fields():
    events = parse_generic([
        {"summary": "disk 91% on db-1", "dedup_key": "disk-db-1", "details": None},
        {"summary": "disk 95% on db-2", "dedup_key": "disk-db-2", "status": "firing"},
        {"dedup_key": "disk-db-3", "status": "resolved"},
    ])
    assert [(e.dedup_key, e.resolve) for e in events] == [("disk-db-1", False), ("disk-db-2", False),
                                                         ("disk-db-3", True)]


@pytest.mark.parametrize("body,reason", [
    ({}, "summary is required"),
    ({"summary": "   "}, "summary is required"),
    ({"summary": 5}, "summary must be a string, not a number"),
    ({"status": "resolved"}, "dedup_key is missing: a resolved event needs the dedup_key of what it resolves"),
    ({"summary": "x", "status": "ok"}, 'status must be "firing" or "resolved", not "ok"'),
    ({"summary": "x", "dedup_key": ""}, "dedup_key is empty"),
    ({"summary": "x", "dedup_key": "k" * 256}, "dedup_key is 256 characters; at most 255"),
    ({"summary": "x", "severity": "high"},
     "severity is not a known key; known keys: summary, details, dedup_key, status"),
    ("boom", "the body must be a JSON object"),
    ([], "the list is empty"),
    ([{"summary": "ok"}, {"summary": "x", "labels": {}}], "[1].labels is not a known key"),
    ([{"summary": "ok"}, 3], "[1] must be a JSON object"),
    ([{"summary": "ok"}, {"status": "resolved"}], "[1].dedup_key is missing"),
])
def test_generic_refusals_name_the_field(body, reason):
    with pytest.raises(PayloadError) as error:
        parse_generic(body)
    assert error.value.reason.startswith(reason)


def test_parse_dispatches_on_source_type():
    assert parse("alertmanager", RESOLVED_ONE)[0].dedup_key == "5f1e0c2b8d9a7e63"
    assert parse("webhook", {"summary": "x"})[0].summary == "x"
    with pytest.raises(PayloadError, match="does not take webhooks"):
        parse("slack", {"summary": "x"})
