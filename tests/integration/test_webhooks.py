"""The webhook intake over real HTTP, in front of a real AlertService on a real SQLite file (no Slack)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from dataclasses import replace

import pytest

from bot.alerts.payloads import content_key
from bot.http import MAX_BODY, WebhookServer, WebhookServerError
from tests.integration.support import ENVIRON, HOOK_KEY, PROM_KEY, firing, resolved
from tests.unit.test_payloads import ALERTMANAGER_GROUP


# refusals ----------------------------------------------------------------------------------------
async def test_missing_key_is_401(intake):
    status, body = await intake.post("prometheus", firing(), key=None)
    assert (status, body) == (401, {"ok": False, "error": "missing or wrong bearer key for alert source 'prometheus'"})
    status, _ = await intake.post("prometheus", firing(), key=None, headers={"Authorization": "Basic abc"})
    assert status == 401
    assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]


async def test_wrong_key_is_401_and_never_echoed_or_logged(intake, caplog):
    # by name: a Bolt app called "warroom" built by an earlier test leaves the "warroom" logger at WARNING
    caplog.set_level(logging.DEBUG, logger="warroom.http")
    status, body = await intake.post("prometheus", firing(), key=HOOK_KEY)  # another source's key
    assert status == 401 and PROM_KEY not in json.dumps(body) and HOOK_KEY not in json.dumps(body)
    for _ in range(2):
        status, _ = await intake.post("prometheus", firing(), key=PROM_KEY + "x")
        assert status == 401
    status, _ = await intake.post("prometheus", firing(), key=PROM_KEY)
    assert status == 202
    intake.server.throttled.flush_all()  # what the end of the window (or stop()) writes

    def lines():
        return [(r.levelno, r.fields["source"], r.fields["status"], r.fields["count"], r.fields.get("reason"),
                 r.fields.get("suppressed")) for r in caplog.records if r.getMessage() == "http.alerts"]

    # refused keys are logged at a bounded rate: the first, then how many more there were
    assert lines() == [(logging.INFO, "prometheus", 401, 0, "wrong", None),
                       (logging.INFO, "prometheus", 202, 1, None, None),
                       (logging.INFO, "prometheus", 401, 0, "wrong", "2 more like this suppressed")]
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert PROM_KEY not in logged and HOOK_KEY not in logged and "Bearer" not in logged


async def test_a_key_missing_from_the_environment_lets_nobody_in(intake):
    server = WebhookServer(intake.server.config, intake.service, environ={"HOOK_KEY": HOOK_KEY})
    await server.start()
    try:
        for header in ("Bearer ", "Bearer", f"Bearer {PROM_KEY}"):
            async with intake.http.post(f"http://127.0.0.1:{server.port}/alerts/prometheus", json=firing(),
                                        headers={"Authorization": header}) as response:
                assert response.status == 401
    finally:
        await server.stop()


@pytest.mark.parametrize("key", [None, "guess", PROM_KEY])
async def test_unknown_or_slack_source_answers_like_a_wrong_key(intake, key):
    """Source names cannot be found out by trying them: no such source looks like a wrong key."""
    answers = []
    for source in ("nope", "chat", "prometheus"):  # no such source, a slack source, a real one
        async with intake.http.post(f"{intake.base}/alerts/{source}", json=firing(),
                                    headers={"Authorization": f"Bearer {key}"} if key else {}) as response:
            answers.append((response.status, response.headers.get("WWW-Authenticate"),
                            (await response.json()).get("error", "").replace(source, "<name>")))
    if key == PROM_KEY:
        assert answers[:2] == [(401, 'Bearer realm="warroom"', "missing or wrong bearer key for alert source '<name>'")] * 2
        assert answers[2][0] == 202
    else:
        assert answers == [(401, 'Bearer realm="warroom"', "missing or wrong bearer key for alert source '<name>'")] * 3
    assert intake.rows("SELECT count(*) FROM alerts") == [(1 if key == PROM_KEY else 0,)]


async def test_body_over_one_megabyte_is_413(intake):
    too_big = b" " * (MAX_BODY + 1)
    status, body = await intake.post("prometheus", data=too_big)
    assert status == 413 and body["ok"] is False

    async def chunks():  # no Content-Length: refused while reading
        for _ in range(3):
            yield b" " * (MAX_BODY // 2)

    status, body = await intake.post("prometheus", data=chunks())
    assert status == 413
    # exactly the limit is read (and then refused for what it says, not its size)
    padded = json.dumps(firing()).encode()
    status, _ = await intake.post("prometheus", data=padded + b" " * (MAX_BODY - len(padded)))
    assert status == 202


@pytest.mark.parametrize("source,key,data,reason", [
    ("prometheus", PROM_KEY, b"{not json", "the body is not JSON: Expecting property name"),
    ("prometheus", PROM_KEY, b"\xff\xfe\x00garbage", "the body is not JSON"),
    ("prometheus", PROM_KEY, b'{"version": NaN}', "the body is not JSON: NaN is not a JSON value"),
    ("prometheus", PROM_KEY, b"[" * 100_000 + b"]" * 100_000, "the body is not JSON"),
    ("prometheus", PROM_KEY, json.dumps(dict(firing(), version="3")).encode(), 'version must be "4"'),
    ("cron", HOOK_KEY, b'{"details": "no summary"}', "summary is required"),
    ("cron", HOOK_KEY, b'{"summary": "x", "severity": "sev1"}', "severity is not a known key; known keys:"),
])
async def test_unreadable_bodies_are_400_with_the_reason(intake, source, key, data, reason):
    status, body = await intake.post(source, data=data, key=key)
    assert status == 400 and body["ok"] is False and body["error"].startswith(reason), body
    assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]


async def test_other_paths_and_methods_answer_json(intake):
    async with intake.http.get(f"{intake.base}/alerts/prometheus") as response:
        assert response.status == 405 and (await response.json())["ok"] is False
    async with intake.http.post(f"{intake.base}/alerts/") as response:
        assert response.status == 404 and (await response.json())["ok"] is False
    # any other path is a person's: the web side answers it with a page (tests/web/test_web_basics.py)


# accepted ----------------------------------------------------------------------------------------
async def test_alertmanager_group_is_202_and_stored_before_the_reply(intake):
    status, body = await intake.post("prometheus", ALERTMANAGER_GROUP)
    assert status == 202 and body["ok"] is True and body["ignored"] == 0
    assert [(a["created"], a["status"]) for a in body["alerts"]] == [(True, "pending"), (True, "pending")]
    # a second connection sees it at once: committed before the 202 went out
    rows = intake.rows("SELECT id, source, dedup_key, summary, status, priority FROM alerts ORDER BY id")
    assert rows == [
        (body["alerts"][0]["id"], "prometheus", "c3e1f0b9a2d47e55", "p99 latency above 2s on api-1", "pending", "high"),
        (body["alerts"][1]["id"], "prometheus", "0a9d3b7c11e2f4a8", "p99 latency is 3.10s (threshold 2s).", "pending",
         "high"),
    ]
    labels = intake.rows("SELECT labels FROM alerts WHERE id = ?", body["alerts"][0]["id"])[0][0]
    assert json.loads(labels)["instance"] == "api-1:9090"
    # and the pages it starts are recorded with it
    assert intake.rows("SELECT subject, state FROM escalations ORDER BY id") == [
        (f"alert:{body['alerts'][0]['id']}", "active"), (f"alert:{body['alerts'][1]['id']}", "active")]


async def test_firing_again_updates_one_alert_then_resolved_closes_it(intake):
    first = await intake.post("prometheus", firing())
    again = await intake.post("prometheus", firing(summary="p99 latency above 3s on api-1"))
    assert first[0] == again[0] == 202
    alert_id = first[1]["alerts"][0]["id"]
    assert again[1]["alerts"] == [{"id": alert_id, "created": False, "status": "pending"}]
    assert intake.rows("SELECT count(*), max(event_count), max(summary) FROM alerts") == [
        (1, 2, "p99 latency above 3s on api-1")]

    status, body = await intake.post("prometheus", resolved())
    assert (status, body["alerts"]) == (202, [{"id": alert_id, "created": False, "status": "resolved"}])
    assert intake.rows("SELECT count(*), max(status) FROM alerts") == [(1, "resolved")]
    assert intake.rows("SELECT state FROM escalations") == [("resolved",)]

    # Alertmanager repeats resolved notifications: nothing open under that key any more
    status, body = await intake.post("prometheus", resolved())
    assert (status, body) == (202, {"ok": True, "alerts": [], "ignored": 1})
    # and the same fingerprint firing later is a new alert
    status, body = await intake.post("prometheus", firing())
    assert body["alerts"][0]["created"] is True and body["alerts"][0]["id"] != alert_id


async def test_generic_batch(intake):
    batch = [
        {"summary": "Nightly backup failed on db-1", "details": "pg_dump exited 3", "dedup_key": "backup-db-1"},
        {"summary": "Nightly backup failed on db-2", "dedup_key": "backup-db-2"},
        {"summary": "Certificate for api.example.com expires in 6 days"},
    ]
    status, body = await intake.post("cron", batch, key=HOOK_KEY)
    assert status == 202 and [a["created"] for a in body["alerts"]] == [True, True, True]
    status, body = await intake.post("cron", [{"dedup_key": "backup-db-1", "status": "resolved"},
                                              {"summary": "Nightly backup failed on db-2 (retry 1)",
                                               "dedup_key": "backup-db-2"}], key=HOOK_KEY)
    assert status == 202 and [(a["created"], a["status"]) for a in body["alerts"]] == [
        (False, "resolved"), (False, "pending")]
    assert intake.rows("SELECT dedup_key, status, event_count, priority, details FROM alerts ORDER BY id") == [
        ("backup-db-1", "resolved", 1, "low", "pg_dump exited 3"),
        ("backup-db-2", "pending", 2, "low", ""),
        (content_key("Certificate for api.example.com expires in 6 days", ""), "pending", 1, "low", ""),
    ]


async def test_a_bad_event_in_a_batch_stores_none_of_it(intake):
    status, body = await intake.post("cron", [{"summary": "fine"}, {"summary": "x", "status": "broken"}],
                                     key=HOOK_KEY)
    assert status == 400 and body["error"].startswith('[1].status must be "firing" or "resolved"')
    assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]


async def test_busy_database_is_503_and_stores_nothing(intake):
    intake.service.store.db.conn.execute("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(intake.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # someone else holds the write lock
    try:
        async with intake.http.post(f"{intake.base}/alerts/prometheus", json=firing(),
                                    headers={"Authorization": f"Bearer {PROM_KEY}"}) as response:
            assert response.status == 503 and response.headers["Retry-After"] == "5"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]
    status, _ = await intake.post("prometheus", firing())  # the sender's retry
    assert status == 202 and intake.rows("SELECT count(*) FROM alerts") == [(1,)]


# health ------------------------------------------------------------------------------------------
async def test_healthz_is_minimal_and_503_when_the_database_is_gone(intake):
    async with intake.http.get(f"{intake.base}/healthz") as response:
        assert (response.status, await response.json()) == (200, {"ok": True})  # no internal counts
    intake.service.store.db.close()
    # the next probe write (at most one a second) finds out
    deadline = time.monotonic() + 10
    while True:
        async with intake.http.get(f"{intake.base}/healthz") as response:
            answer = (response.status, await response.json())
        if answer[0] != 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert answer == (503, {"ok": False, "error": "the database cannot take writes"})


async def test_port_in_use_is_a_clear_error(intake):
    config = replace(intake.server.config, http=replace(intake.server.config.http, port=intake.server.port))
    with pytest.raises(WebhookServerError, match=f"cannot listen for webhooks on 127.0.0.1:{intake.server.port}"):
        await WebhookServer(config, intake.service, environ=ENVIRON).start()
