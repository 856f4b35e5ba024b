"""What the API tests share: a warroom.yml with API keys for the sandbox's people, and JSON over HTTP."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.e2e.oncall_config import oncall_yaml

# one secret per person a key acts as; the environment variables are set by the test's config_text
SECRETS = {name: secrets.token_urlsafe(32) for name in ("alice", "bob", "carol", "dave")}
ENV = {name: f"WARROOM_TEST_API_KEY_{name.upper()}" for name in SECRETS}


HOOK_SECRET = secrets.token_urlsafe(32)


def api_config(sandbox, monkeypatch) -> str:
    """oncall_yaml's team, with a key for each of alice, bob, carol (by name) and dave (by Slack ID: he
    is not under users), and a webhook alert source ``monitoring``."""
    for name, secret in SECRETS.items():
        monkeypatch.setenv(ENV[name], secret)
    monkeypatch.setenv("WARROOM_TEST_HOOK_KEY", HOOK_SECRET)
    keys = "\n".join(f"  - {{name: {name}-key, key_env: {ENV[name]}, user: "
                     f"{sandbox.user('dave')['id'] if name == 'dave' else name}}}" for name in SECRETS)
    return oncall_yaml(sandbox, extra=f"""  - {{name: monitoring, type: webhook, escalation_policy: default,
     key_env: WARROOM_TEST_HOOK_KEY}}
api_keys:
{keys}
""")


def send_alert(bot, summary: str) -> None:
    """A monitor's alert, through the webhook, stored when this returns; its Slack message once settled."""
    request = urllib.request.Request(f"{bot.bot.web.public_url}/alerts/monitoring", method="POST",
                                     data=json.dumps({"summary": summary}).encode(),
                                     headers={"Authorization": f"Bearer {HOOK_SECRET}",
                                              "Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=20) as response:
        assert response.status == 202
    bot.settle()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    raw: bytes

    @property
    def error(self) -> str:
        assert isinstance(self.body, dict) and self.body.get("ok") is False, self
        return self.body["error"]


class Api:
    """JSON over plain HTTP to the bot's /api/v1/, as one of the people's keys (or none, or any header)."""

    def __init__(self, bot, as_user: str | None = "alice", *, authorization: str | None = None) -> None:
        self.base = bot.bot.web.public_url + "/api/v1"
        self.authorization = authorization if authorization is not None else (
            f"Bearer {SECRETS[as_user]}" if as_user else None)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get(self, path: str) -> Answer:
        return self.send("GET", path)

    def post(self, path: str, body: Any = None, *, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> Answer:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return self.send("POST", path, data, {"Content-Type": "application/json", **(headers or {})})

    def send(self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=dict(headers or {}))
        if self.authorization is not None:
            request.add_header("Authorization", self.authorization)
        try:
            with self.opener.open(request, timeout=20) as response:
                status, got, raw = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            status, got, raw = exc.code, dict(exc.headers), exc.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return Answer(status, got, body, raw)
