"""Who is signed in: a signed cookie (itsdangerous) holding the Slack user ID and a CSRF token.

No session table: any replica reads any cookie, and signing out is the cookie's deletion. Every form
that changes something carries the CSRF token; a POST without it is refused before its handler runs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.web.context import WebContext

COOKIE = "warroom_session"
SESSION_SECONDS = 12 * 3600              # a working day and a night on call
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
# machine callers: their key is in a header, no cookie is sent. /ack/ and /twilio/ by design: an
# acknowledge link's token, and Twilio's signature, are the proof (bot.web.ack, bot.web.twilio)
_UNCHECKED_PREFIXES = ("/alerts/", "/heartbeat/", "/api/", "/ack/", "/twilio/")
VIEWER: "web.RequestKey[Viewer | None]" = web.RequestKey("viewer", object)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Viewer:
    user: str
    csrf: str


class Sessions:
    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self._serializer = URLSafeTimedSerializer(ctx.session_secret, salt="warroom-session")

    def read(self, request: web.Request) -> Viewer | None:
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:       # tampered, from another key, or expired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("c"), str):
            return None
        return Viewer(user=data["u"], csrf=data["c"])

    def sign_in(self, response: web.StreamResponse, user: str) -> None:
        value = self._serializer.dumps({"u": user, "c": secrets.token_urlsafe(24)})
        response.set_cookie(COOKIE, value, max_age=SESSION_SECONDS, httponly=True, samesite="Lax",
                            secure=self.ctx.secure_cookies, path="/")

    def sign_out(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path="/")


def viewer(request: web.Request) -> Viewer | None:
    """The signed-in person, or None."""
    return request.get(VIEWER)


def require_viewer(request: web.Request) -> Viewer:
    """The signed-in person; anyone else is sent to sign in and brought back here after."""
    found = viewer(request)
    if found is None:
        raise web.HTTPSeeOther(f"/signin?next={quote(request.path_qs, safe='')}")
    return found


def session_middleware(sessions: Sessions) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[VIEWER] = sessions.read(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not request.path.startswith(_UNCHECKED_PREFIXES):
            await _check_csrf(request)
        return await handler(request)
    return middleware


async def _check_csrf(request: web.Request) -> None:
    found = viewer(request)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        given = (await request.post()).get(CSRF_FIELD)
    if found is None or not isinstance(given, str) or not secrets.compare_digest(given, found.csrf):
        raise web.HTTPForbidden(text="This form is out of date or did not come from warroom (its CSRF token is "
                                     "missing or wrong). Go back, reload the page and send it again.")
