"""Signing in and out: Sign in with Slack (OpenID Connect), and one-time links from the host for
when Slack itself is down (``warroom login-link``)."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.web.context import WebContext
from bot.web.pages import context, render
from bot.web.session import Sessions, viewer
from storage.web import LoginLinks

LINK_SECONDS = 15 * 60


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [
        web.get("/signin", signin_page),
        web.get("/signin/link/{token}", signin_by_link),
        web.post("/signout", signout),
    ]


def make_login_link(links: LoginLinks, public_url: str, user: str, *, now: float) -> str:
    """A link that signs ``user`` in once, within LINK_SECONDS."""
    token = secrets.token_urlsafe(32)
    links.add(token, user, now=now, expires_at=now + LINK_SECONDS)
    return f"{public_url}/signin/link/{token}"


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send people anywhere after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/incidents"
    return target


async def signin_page(request: web.Request) -> web.StreamResponse:
    if viewer(request) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    oidc = context(request).extras.get("oidc")
    return render(request, "signin.j2", slack=oidc is not None, next=safe_next(request.query.get("next")),
                  error=request.query.get("error"))


async def signin_by_link(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    user = LoginLinks(ctx.db).use(request.match_info["token"], now=ctx.clock.time())
    if user is None:
        return render(request, "signin.j2", status=403, slack=ctx.extras.get("oidc") is not None, next="/incidents",
                      error="That sign-in link has been used or has expired. Ask for a new one on the host: "
                            "warroom login-link <your Slack name or ID>.")
    response = web.HTTPSeeOther("/incidents")
    Sessions(ctx).sign_in(response, user)
    raise response


async def signout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/signin")
    Sessions(context(request)).sign_out(response)
    raise response
