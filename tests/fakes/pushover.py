"""A fake Pushover API: messages.json (form), emergency priority with receipts, the receipts API with
its 5-second poll floor (429 when polled sooner), cancel, and Pushover's error shape."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.server import FakeServer

POLL_FLOOR = 5.0


@dataclass
class PushoverMessage:
    request: str
    user: str
    title: str
    message: str
    priority: int
    url: str
    url_title: str
    receipt: str | None = None
    acknowledged_at: int = 0
    cancelled: bool = False
    expires_at: int = 0
    last_poll: float = 0.0
    polls: int = 0


class FakePushover(FakeServer):
    def __init__(self, token: str, users: set[str]) -> None:
        super().__init__()
        self.token = token
        self.users = users
        self.messages: list[PushoverMessage] = []
        self.too_soon = 0                  # polls refused for coming sooner than the floor

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/1/messages.json", self.send), web.get("/1/receipts/{receipt}.json", self.receipt),
                web.post("/1/receipts/{receipt}/cancel.json", self.cancel)]

    def error_body(self, status: int) -> dict:
        return {"status": 0, "errors": ["injected failure"], "request": secrets.token_hex(16)}

    @staticmethod
    def _refuse(status: int, error: str, **fields: str) -> web.Response:
        return web.json_response({"status": 0, "errors": [error], "request": secrets.token_hex(16), **fields},
                                 status=status)

    async def send(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if form.get("token") != self.token:
            return self._refuse(400, "application token is invalid", token="invalid")
        if form.get("user") not in self.users:
            return self._refuse(400, "user identifier is not a valid user, group, or subscribed user key", user="invalid")
        if not form.get("message"):
            return self._refuse(400, "message cannot be blank", message="cannot be blank")
        priority = int(str(form.get("priority") or 0))
        message = PushoverMessage(secrets.token_hex(16), str(form["user"]), str(form.get("title") or ""),
                                  str(form["message"]), priority, str(form.get("url") or ""),
                                  str(form.get("url_title") or ""))
        answer = {"status": 1, "request": message.request}
        if priority == 2:
            retry, expire = int(str(form.get("retry") or 0)), int(str(form.get("expire") or 0))
            if retry < 30:
                return self._refuse(400, "retry is invalid", retry="invalid")
            if not 0 < expire <= 10800:
                return self._refuse(400, "expire is invalid", expire="invalid")
            message.receipt = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(30))
            message.expires_at = int(time.time()) + expire
            answer["receipt"] = message.receipt
        self.messages.append(message)
        return web.json_response(answer, headers={"X-Limit-App-Limit": "10000", "X-Limit-App-Remaining": "9999",
                                                  "X-Limit-App-Reset": str(int(time.time()) + 86400)})

    def _by_receipt(self, receipt: str) -> PushoverMessage | None:
        return next((m for m in self.messages if m.receipt == receipt), None)

    async def receipt(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("token") != self.token:
            return self._refuse(400, "application token is invalid", token="invalid")
        message = self._by_receipt(request.match_info["receipt"])
        if message is None:
            return self._refuse(404, "receipt not found; may be invalid or expired", receipt="not found")
        now = time.time()
        if message.last_poll and now - message.last_poll < POLL_FLOOR:
            self.too_soon += 1
            return self._refuse(429, "polling too often")
        message.last_poll = now
        message.polls += 1
        expired = int(now) >= message.expires_at or message.cancelled
        return web.json_response({
            "status": 1, "acknowledged": 1 if message.acknowledged_at else 0,
            "acknowledged_at": message.acknowledged_at, "acknowledged_by": message.user if message.acknowledged_at else "",
            "acknowledged_by_device": "phone" if message.acknowledged_at else "", "last_delivered_at": int(now),
            "expired": 1 if expired else 0, "expires_at": message.expires_at, "called_back": 0, "called_back_at": 0,
            "request": secrets.token_hex(16)})

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if form.get("token") != self.token:
            return self._refuse(400, "application token is invalid", token="invalid")
        message = self._by_receipt(request.match_info["receipt"])
        if message is None:
            return self._refuse(404, "receipt not found; may be invalid or expired", receipt="not found")
        message.cancelled = True
        return web.json_response({"status": 1, "request": secrets.token_hex(16)})

    def acknowledge(self, receipt: str) -> None:
        """Someone taps Acknowledge in the Pushover app."""
        message = self._by_receipt(receipt)
        assert message is not None
        message.acknowledged_at = int(time.time())

    def to(self, user: str) -> list[PushoverMessage]:
        return [m for m in self.messages if m.user == user]
