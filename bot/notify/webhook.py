"""A person's own webhook, signed as Standard Webhooks says: ``webhook-id`` (the same on every retry),
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp

from bot.effects.errors import Permanent
from bot.notify.http import TIMEOUT, check, reach


def key_of(secret: str) -> bytes:
    """A ``whsec_`` secret's key is the base64 after the prefix; any other string is used as it is."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):])
        except ValueError:
            pass
    return secret.encode("utf-8")


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key_of(secret), signed, hashlib.sha256).digest()).decode()


async def deliver(session: aiohttp.ClientSession, url: str, secret: str, *, message_id: str,
                  data: dict[str, Any]) -> None:
    timestamp = int(time.time())
    body = json.dumps({"type": "page.notification", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                              time.gmtime(timestamp)),
                       "data": data}, separators=(",", ":")).encode()
    headers = {"content-type": "application/json", "webhook-id": message_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": sign(secret, message_id, timestamp, body)}

    async def call() -> None:
        async with session.post(url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False) as response:
            text = await response.text()
            if 300 <= response.status < 400:
                raise Permanent(f"webhook: HTTP {response.status} redirect (not followed)")
            check("webhook", response.status, text, response.headers)
    await reach("webhook", call)
