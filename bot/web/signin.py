"""Signing in and out: Sign in with Slack (OpenID Connect), and one-time links from the host for
when Slack itself is down (``warroom login-link``)."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.logs import get_logger
from bot.web.context import WebContext
from bot.web.pages import context, render
from bot.web.session import Sessions, viewer
from bot.web.slack_oidc import SignInFailed, SlackOidc
from storage.web import LoginLinks

log = get_logger("warroom.web.signin")
LINK_SECONDS = 15 * 60
PENDING_COOKIE = "warroom_signin"       # state, nonce and where to go after, while at Slack
PENDING_SECONDS = 10 * 60
CALLBACK = "/signin/slack/callback"


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [
        web.get("/signin", signin_page),
        web.get("/signin/link/{token}", signin_by_link),
        web.get("/signin/slack", signin_with_slack),
        web.get(CALLBACK, back_from_slack),
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
    log.info("web.signed_in", user=user, via="login-link")
    response = web.HTTPSeeOther("/incidents")
    Sessions(ctx).sign_in(response, user)
    raise response


def _oidc(request: web.Request) -> SlackOidc:
    found = context(request).extras.get("oidc")
    if found is None:
        raise web.HTTPSeeOther("/signin?error=" + quote("Sign in with Slack is not set up here; use a sign-in link"))
    return found


def _pending(ctx: WebContext) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.session_secret, salt="warroom-signin")


async def signin_with_slack(request: web.Request) -> web.StreamResponse:
    """Off to Slack with a fresh state (against forged answers) and nonce (against replayed tokens)."""
    ctx, oidc = context(request), _oidc(request)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    try:
        url = await oidc.authorize_url(redirect_uri=ctx.url(CALLBACK), state=state, nonce=nonce)
    except SignInFailed as exc:
        return _failed(request, str(exc))
    response = web.HTTPSeeOther(url)
    response.set_cookie(PENDING_COOKIE, _pending(ctx).dumps({"s": state, "n": nonce,
                                                            "next": safe_next(request.query.get("next"))}),
                        max_age=PENDING_SECONDS, httponly=True, samesite="Lax", secure=ctx.secure_cookies,
                        path="/signin")
    raise response


async def back_from_slack(request: web.Request) -> web.StreamResponse:
    ctx, oidc = context(request), _oidc(request)
    try:
        pending = _pending(ctx).loads(request.cookies.get(PENDING_COOKIE, ""), max_age=PENDING_SECONDS)
    except BadSignature:
        return _failed(request, "this sign-in was started too long ago or in another browser; start again")
    if not secrets.compare_digest(str(request.query.get("state", "")), str(pending.get("s", ""))):
        return _failed(request, "the answer from Slack does not match the sign-in this browser started; start again")
    if request.query.get("error"):
        reason = "you cancelled at Slack" if request.query["error"] == "access_denied" else request.query["error"]
        return _failed(request, f"Slack did not sign you in ({reason})")
    code = request.query.get("code")
    if not code:
        return _failed(request, "Slack sent no sign-in code back; start again")
    try:
        who = await oidc.identity(code=code, redirect_uri=ctx.url(CALLBACK), nonce=str(pending.get("n")))
    except SignInFailed as exc:
        log.warning("web.signin_failed", reason=str(exc))
        return _failed(request, str(exc))
    log.info("web.signed_in", user=who.user, via="slack")
    response = web.HTTPSeeOther(safe_next(pending.get("next")))
    response.del_cookie(PENDING_COOKIE, path="/signin")
    Sessions(ctx).sign_in(response, who.user)
    raise response


def _failed(request: web.Request, reason: str) -> web.Response:
    ctx = context(request)
    return render(request, "signin.j2", status=403, slack=ctx.extras.get("oidc") is not None, next="/incidents",
                  error=f"Sign in with Slack did not work: {reason}.")


async def signout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/signin")
    Sessions(context(request)).sign_out(response)
    raise response
