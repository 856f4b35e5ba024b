"""A fake ntfy server: JSON publishing at the root URL (and header publishing at /<topic>), bearer-token
auth, ntfy's error shape ({"code": 40xxx, "http": 400, "error": …}), and a phone that presses an
action button the way the Android app does (the phone itself sends the http action's request)."""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

_TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")


@dataclass
class NtfyMessage:
    id: str
    topic: str
    title: str
    message: str
    priority: int
    tags: list[str]
    click: str | None
    actions: list[dict[str, Any]] = field(default_factory=list)
    received_at: float = 0.0


class FakeNtfy(FakeServer):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.messages: list[NtfyMessage] = []

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/", self.publish_json), web.put("/{topic}", self.publish_headers),
                web.post("/{topic}", self.publish_headers)]

    def error_body(self, status: int) -> Any:
        return {"code": status * 100 + 1, "http": status, "error": "internal server error" if status >= 500
                else "injected error", "link": "https://ntfy.sh/docs/"}

    def _error(self, status: int, code: int, text: str) -> web.Response:
        return web.json_response({"code": code, "http": status, "error": text, "link": "https://ntfy.sh/docs/publish/"},
                                 status=status)

    def _authorized(self, request: web.Request) -> web.Response | None:
        if self.token is None:
            return None
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, 40101, "unauthorized")
        return None

    async def publish_json(self, request: web.Request) -> web.StreamResponse:
        refused = self._authorized(request)
        if refused:
            return refused
        try:
            body = json.loads(await request.text())
        except ValueError:
            return self._error(400, 40024, "invalid request: request body must be message JSON")
        topic = body.get("topic")
        if not isinstance(topic, str) or not _TOPIC.match(topic):
            return self._error(400, 40009, "invalid request: topic invalid")
        priority = body.get("priority", 3)
        if priority not in (1, 2, 3, 4, 5):
            return self._error(400, 40007, "invalid priority parameter")
        actions = body.get("actions") or []
        if len(actions) > 3 or any(a.get("action") not in ("view", "http", "broadcast", "copy") or not a.get("label")
                                   for a in actions):
            return self._error(400, 40018, "invalid request: actions invalid")
        return self._stored(NtfyMessage(secrets.token_hex(6), topic, body.get("title") or f"ntfy.sh/{topic}",
                                        body.get("message") or "triggered", priority, body.get("tags") or [],
                                        body.get("click"), actions))

    async def publish_headers(self, request: web.Request) -> web.StreamResponse:
        refused = self._authorized(request)
        if refused:
            return refused
        topic = request.match_info["topic"]
        if not _TOPIC.match(topic):
            return self._error(404, 40401, "page not found")
        headers = request.headers
        priority = int(headers.get("X-Priority") or headers.get("Priority") or 3)
        return self._stored(NtfyMessage(secrets.token_hex(6), topic, headers.get("X-Title") or f"ntfy.sh/{topic}",
                                        await request.text(), priority,
                                        [t for t in (headers.get("X-Tags") or "").split(",") if t],
                                        headers.get("X-Click")))

    def _stored(self, message: NtfyMessage) -> web.Response:
        message.received_at = time.time()
        self.messages.append(message)
        return web.json_response({"id": message.id, "time": int(message.received_at), "expires": int(message.received_at) + 43200,
                                  "event": "message", "topic": message.topic, "title": message.title,
                                  "message": message.message, "priority": message.priority, "tags": message.tags})

    def to(self, topic: str) -> list[NtfyMessage]:
        return [m for m in self.messages if m.topic == topic]

    @staticmethod
    def press(message: NtfyMessage, label: str) -> int:
        """The phone performs the http action labelled ``label``: its own request to the action's URL
        (method default POST, body "" when none is given). Returns the HTTP status it got."""
        action = next(a for a in message.actions if a["label"] == label and a["action"] == "http")
        request = urllib.request.Request(action["url"], data=(action.get("body") or "").encode(),
                                         method=action.get("method") or "POST",
                                         headers={"User-Agent": "ntfy/1.16.0 (fdroid; Android 14; SDK 34)",
                                                  **(action.get("headers") or {})})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=15) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
