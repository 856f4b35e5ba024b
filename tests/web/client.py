"""HTTP to the bot's web side without a browser: pages, redirects and cookies as a browser sends them."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from storage.web import LoginLinks
from bot.web.signin import make_login_link


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.body)
        assert found, f"no CSRF field in the page:\n{self.body[:2000]}"
        return found.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class WebClient:
    def __init__(self, bot) -> None:
        self.bot = bot
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect(),
                                                  urllib.request.HTTPCookieProcessor(self.cookies))

    @property
    def base(self) -> str:
        """Where this test reaches the bot (web.public_url may name a proxy in front of it)."""
        return f"http://127.0.0.1:{self.bot.bot.webhooks.port}"

    def login_link(self, user: str) -> str:
        """A one-time sign-in link, as ``warroom login-link`` makes it on the host (at the bot's time: a
        test may have moved its clock)."""
        return self.bot.run(lambda: make_login_link(LoginLinks(self.bot.bot.db), self.base, user,
                                                    now=self.bot.bot.clock.time()))

    def sign_in(self, user: str) -> Reply:
        reply = self.get(self.login_link(user)[len(self.base):])
        assert reply.status == 303, reply
        return reply

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self._send(urllib.request.Request(self.base + path, headers=headers or {}))

    def post(self, path: str, form: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        data = urllib.parse.urlencode(form).encode()
        return self._send(urllib.request.Request(self.base + path, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {})}))

    def _send(self, request: urllib.request.Request) -> Reply:
        try:
            with self.opener.open(request, timeout=20) as response:
                return Reply(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, dict(exc.headers), exc.read().decode())
