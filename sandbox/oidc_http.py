"""Sign in with Slack pages: discovery, the keys and the authorize page.

Slack serves these outside the Web API, on slack.com itself; the sandbox serves
them on its base URL. The authorize page lists the workspace's people, since the
sandbox has no passwords: choosing one signs in as them (a cookie remembers who,
as Slack's session does), and once a person has allowed an app, later sign-ins
go straight back. ``Sandbox.oidc_login_as`` skips the page altogether.
"""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING, Mapping

from aiohttp import web

from . import rs256
from .oidc import SCOPES, AuthorizePageError, AuthorizeRedirectError, AuthRequest

if TYPE_CHECKING:
    from .core import Core

SESSION_COOKIE = "sandbox_slack_session"
SCOPE_WORDS = {"openid": "who you are on Slack", "profile": "your name and picture",
               "email": "your email address"}
# The authorize parameters a page round-trip keeps (OpenID Connect Core §3.1.2.1).
KEPT_PARAMS = ("response_type", "scope", "client_id", "redirect_uri", "state", "nonce", "team")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>{title}</h1>
{body}
</main></body></html>
"""


class OidcPages:
    def __init__(self, core: "Core") -> None:
        self.core = core

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/openid/connect/keys", self.keys)
        app.router.add_get("/openid/connect/authorize", self.authorize)
        app.router.add_post("/openid/connect/authorize", self.choose)

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(self.core.oidc.discovery())

    async def keys(self, request: web.Request) -> web.Response:
        await asyncio.to_thread(rs256.signing_key)    # the first one takes a second to make
        return web.json_response(self.core.oidc.jwks())

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        await asyncio.to_thread(rs256.signing_key)
        with self.core.lock:
            auth = self._check(request.query)
            user_id = self.core.oidc.signed_in(request.cookies.get(SESSION_COOKIE), auth)
            if user_id is not None:
                raise web.HTTPFound(self.core.oidc.approve(auth, user_id))
            return self._page(auth, request.query)

    async def choose(self, request: web.Request) -> web.StreamResponse:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        with self.core.lock:
            auth = self._check(form)
            if "cancel" in form:
                raise web.HTTPFound(auth.back(error="access_denied"))
            user = self.core.ws.users.get(form.get("user", ""))
            if user is None or user.is_bot or user.deleted:
                raise _error_page("unknown_person",
                                  "Choose one of the people listed on the sign-in page.")
            found = web.HTTPFound(self.core.oidc.approve(auth, user.id))
        found.set_cookie(SESSION_COOKIE, user.id, httponly=True, samesite="Lax", path="/")
        raise found

    def _check(self, params: Mapping[str, str]) -> AuthRequest:
        """The request, or the answer Slack gives instead (raised)."""
        try:
            return self.core.oidc.check(params)
        except AuthorizePageError as err:
            raise _error_page(err.code, err.detail) from None
        except AuthorizeRedirectError as err:
            raise web.HTTPFound(err.url) from None

    def _page(self, auth: AuthRequest, query: Mapping[str, str]) -> web.Response:
        ws = self.core.ws
        hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(query[k])}">'
                         for k in KEPT_PARAMS if k in query)
        people = [u for u in ws.users.values() if not u.is_bot and not u.deleted]
        buttons = "".join(
            f'<li><button type="submit" name="user" value="{html.escape(u.id)}">'
            f'{html.escape(u.real_name)} (@{html.escape(u.name)})</button></li>' for u in people)
        wants = "".join(f"<li>{SCOPE_WORDS[s]}</li>" for s in SCOPES if s in auth.scopes)
        app = html.escape(ws.app_name)
        body = (f"<p>{app} wants to sign you in with your {html.escape(ws.team_name)} Slack "
                f"account. It will see:</p><ul>{wants}</ul>"
                f'<form method="post" action="/openid/connect/authorize">{hidden}'
                f"<h2>Who are you?</h2><ul>{buttons}</ul>"
                f'<button type="submit" name="cancel" value="1">Cancel</button></form>')
        title = f"Sign in to {ws.team_name}"
        return web.Response(text=PAGE.format(title=html.escape(title), body=body),
                            content_type="text/html")


def _error_page(code: str, detail: str) -> web.HTTPBadRequest:
    body = f"<p>Something went wrong: <code>{html.escape(code)}</code></p>" \
           f"<p>{html.escape(detail)}</p>"
    return web.HTTPBadRequest(text=PAGE.format(title="Sign in with Slack failed", body=body),
                              content_type="text/html")
