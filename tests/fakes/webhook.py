"""A receiver of a person's page webhook that checks the Standard Webhooks signature as a real one must."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer


class FakeWebhookReceiver(FakeServer):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
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
        self.ids.append(message_id)
        self.received.append(json.loads(body))
        return web.Response(status=204)
