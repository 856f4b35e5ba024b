"""The webhook intake over real HTTP, in front of a real AlertService on a real SQLite file (no Slack):
what the integration tests share."""

from __future__ import annotations

import contextlib
import copy
import sqlite3
from dataclasses import dataclass
from typing import AsyncIterator

import aiohttp

from bot.alerts.service import AlertService
from bot.clock import Clock
from bot.config import Config, parse_config
from bot.domain import build_domain
from bot.http import WebhookServer
from bot.http.limits import ConnectionLimits
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
    """The domain as bot/app.py wires it, without Slack; the intake needs its alert service."""
    return build_domain(config, open_database(db_path), Clock()).alerts


@contextlib.asynccontextmanager
async def running_intake(db_path: str, raw_config: dict | None = None,
                         connections: ConnectionLimits = ConnectionLimits()) -> AsyncIterator[Intake]:
    config = parse_config(raw_config or CONFIG, "test.yml", environ=ENVIRON)
    service = build_service(config, db_path)
    server = WebhookServer(config, service, environ=ENVIRON, connections=connections)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Intake(server, service, db_path, http)
    finally:
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
