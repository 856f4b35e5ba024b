"""A receiver of Standard Webhooks (a person's page webhook, warroom's outbound webhooks) that checks the
signature and the timestamp as a real one must: the HMAC over id.timestamp.body with the secret's key, and
a timestamp within 5 minutes of its own clock (``now``: the bot's clock, which tests move)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Callable

from aiohttp import web

from tests.fakes.server import FakeServer


class FakeWebhookReceiver(FakeServer):
    TOLERANCE = 300

    def __init__(self, secret: str, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.secret = secret
        self.now = now
        self.received: list[dict[str, Any]] = []
        self.ids: list[str] = []

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/hook", self.hook)]

    async def hook(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        message_id = request.headers.get("webhook-id", "")
        timestamp = request.headers.get("webhook-timestamp", "")
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        expected = base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.".encode() + body,
                                             hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in request.headers.get("webhook-signature", "").split() if "," in s]
        if not any(hmac.compare_digest(expected, g) for g in given):
            return web.json_response({"error": "bad signature"}, status=401)
        if not timestamp.isdigit() or abs(int(timestamp) - self.now()) > self.TOLERANCE:
            return web.json_response({"error": "timestamp too old or too new"}, status=400)
        self.ids.append(message_id)
        self.received.append(json.loads(body))
        return web.Response(status=204)
