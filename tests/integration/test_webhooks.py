"""The webhook intake over real HTTP, in front of a real AlertService on a real SQLite file (no Slack)."""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
from dataclasses import dataclass, replace

import aiohttp
import pytest

from bot.alerts.service import AlertService
from bot.clock import Clock
from bot.config import Config, parse_config
from bot.domain import build_domain
from bot.http import MAX_BODY, WebhookServer, WebhookServerError
from storage.db import open_database
from tests.unit.test_payloads import ALERTMANAGER_GROUP

PROM_KEY = "prom-Secret-0123456789abcdef"
HOOK_KEY = "hook-Secret-fedcba9876543210"
ENVIRON = {"PROM_KEY": PROM_KEY, "HOOK_KEY": HOOK_KEY}

CONFIG = {
    "users": [{"slack_id": "U0000AAA1", "name": "alice"}],
    "escalation_policies": [{"name": "primary", "levels": [{"notify": ["user:alice"], "timeout": "5m"}]}],
    "alert_sources": [
        {"name": "prometheus", "type": "alertmanager", "escalation_policy": "primary", "key_env": "PROM_KEY"},
        {"name": "cron", "type": "webhook", "escalation_policy": "primary", "key_env": "HOOK_KEY",
         "priority": "low"},
        {"name": "chat", "type": "slack", "escalation_policy": "primary", "channels": ["ops"]},
    ],
    "http": {"listen": "127.0.0.1:0"},
}


@dataclass
class Intake:
    server: WebhookServer
    service: AlertService
    db_path: str
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def post(self, source: str, body=None, *, key: str | None = PROM_KEY, data=None, headers=None):
        headers = dict(headers or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        kwargs = {"data": data} if data is not None else {"json": body}
        async with self.http.post(f"{self.base}/alerts/{source}", headers=headers, **kwargs) as response:
            return response.status, await response.json()

    def rows(self, sql: str, *args):
        """Read through a second connection: only what was committed is visible here."""
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()


def build_service(config: Config, db_path: str) -> AlertService:
    """The alert service as bot/app.py wires it, without Slack."""
    return build_domain(config, open_database(db_path), Clock()).alerts


@pytest.fixture
async def intake(tmp_path):
    config = parse_config(CONFIG, "test.yml", environ=ENVIRON)
    db_path = str(tmp_path / "warroom.db")
    service = build_service(config, db_path)
    server = WebhookServer(config, service, environ=ENVIRON)
    await server.start()
    async with aiohttp.ClientSession() as http:
        yield Intake(server, service, db_path, http)
    await server.stop()
    service.store.db.close()


def firing(fingerprint: str = "c3e1f0b9a2d47e55", **annotations) -> dict:
    body = copy.deepcopy(ALERTMANAGER_GROUP)
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0]["fingerprint"] = fingerprint
    body["alerts"][0]["annotations"].update(annotations)
    return body


def resolved(fingerprint: str = "c3e1f0b9a2d47e55") -> dict:
    body = firing(fingerprint)
    body["status"] = body["alerts"][0]["status"] = "resolved"
    return body


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
    status, _ = await intake.post("prometheus", firing(), key=PROM_KEY + "x")
    assert status == 401
    status, _ = await intake.post("prometheus", firing(), key=PROM_KEY)
    assert status == 202
    lines = [(r.levelno, r.fields) for r in caplog.records if r.getMessage() == "http.alerts"]
    assert [(level, f["source"], f["status"], f["count"], f.get("reason")) for level, f in lines] == [
        (logging.INFO, "prometheus", 401, 0, "wrong"), (logging.INFO, "prometheus", 401, 0, "wrong"),
        (logging.INFO, "prometheus", 202, 1, None)]
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


@pytest.mark.parametrize("source", ["nope", "chat"])
async def test_unknown_or_slack_source_is_404(intake, source):
    status, body = await intake.post(source, firing())
    assert (status, body) == (404, {"ok": False, "error": f"unknown alert source '{source}'"})


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
    async with intake.http.get(f"{intake.base}/nothing") as response:
        assert response.status == 404 and (await response.json())["ok"] is False


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
        (None, "pending", 1, "low", ""),
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
async def test_healthz_counts_and_503_when_the_database_is_gone(intake):
    async with intake.http.get(f"{intake.base}/healthz") as response:
        assert (response.status, await response.json()) == (200, {"ok": True, "open_alerts": 0, "pending_effects": 0})
    await intake.post("prometheus", ALERTMANAGER_GROUP)
    async with intake.http.get(f"{intake.base}/healthz") as response:
        body = await response.json()
        assert response.status == 200 and body["open_alerts"] == 2 and body["pending_effects"] > 0
    intake.service.store.db.close()
    async with intake.http.get(f"{intake.base}/healthz") as response:
        assert (response.status, await response.json()) == (503, {"ok": False, "error": "the database does not answer"})


async def test_port_in_use_is_a_clear_error(intake):
    config = replace(intake.server.config, http=replace(intake.server.config.http, port=intake.server.port))
    with pytest.raises(WebhookServerError, match=f"cannot listen for webhooks on 127.0.0.1:{intake.server.port}"):
        await WebhookServer(config, intake.service, environ=ENVIRON).start()
