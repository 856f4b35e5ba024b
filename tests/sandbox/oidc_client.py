"""The app's side of Sign in with Slack, for tests: a redirect URI that records
what comes back, a browser-like form submitter, and ID token checks with PyJWT."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin

import aiohttp
import jwt
from aiohttp import web

from sandbox import OAuthClient, Sandbox


class RelyingParty:
    """An app's callback at ``/auth/callback`` on 127.0.0.1: keeps each query it gets."""

    def __init__(self) -> None:
        self.visits: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None
        self.origin = ""

    async def start(self) -> "RelyingParty":
        app = web.Application()
        app.router.add_get("/auth/callback", self._callback)
        app.router.add_get("/auth/callback/{rest:.*}", self._callback)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"http://127.0.0.1:{port}"
        return self

    @property
    def callback(self) -> str:
        return f"{self.origin}/auth/callback"

    async def _callback(self, request: web.Request) -> web.Response:
        self.visits.append(dict(request.query))
        return web.Response(text="signed in")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass
class Form:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)   # name, value, label


class FormReader(HTMLParser):
    """The forms of a page, with hidden fields and submit buttons, as a browser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get")))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self._button = [a.get("name", ""), a.get("value", ""), ""]

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            self.forms[-1].buttons.append((self._button[0], self._button[1], self._button[2]))
            self._button = None


async def press(http: aiohttp.ClientSession, page: aiohttp.ClientResponse, label: str
                ) -> aiohttp.ClientResponse:
    """Submit the page's form with the button whose label starts with ``label``."""
    reader = FormReader()
    reader.feed(await page.text())
    for form in reader.forms:
        for name, value, text in form.buttons:
            if text.strip().startswith(label):
                data = {**form.fields, name: value}
                return await http.post(urljoin(str(page.url), form.action), data=data)
    raise AssertionError(f"no button {label!r} on {page.url}")


async def discover(http: aiohttp.ClientSession, sb: Sandbox) -> dict[str, Any]:
    async with http.get(f"{sb.url}/.well-known/openid-configuration") as resp:
        assert resp.status == 200
        return await resp.json()


def authorize_url(discovery: dict[str, Any], client: OAuthClient | str, redirect_uri: str | None,
                  *, scope: str = "openid profile email", state: str = "st4te",
                  nonce: str = "n0nce", **extra: str) -> str:
    """Where an app sends the browser; ``client`` is the app's client or just an id."""
    client_id = client if isinstance(client, str) else client.client_id
    params = {"response_type": "code", "scope": scope, "client_id": client_id,
              "state": state, "nonce": nonce, **extra}
    if redirect_uri is not None:
        params["redirect_uri"] = redirect_uri
    return f"{discovery['authorization_endpoint']}?{urlencode(params)}"


async def token(http: aiohttp.ClientSession, discovery: dict[str, Any], **form: str
                ) -> dict[str, Any]:
    """openid.connect.token with client_secret_post."""
    async with http.post(discovery["token_endpoint"], data=form) as resp:
        assert resp.status == 200
        return await resp.json()


async def verified_claims(http: aiohttp.ClientSession, discovery: dict[str, Any], id_token: str,
                          *, audience: str) -> dict[str, Any]:
    """The ID token's claims, verified as a relying party must: signature by the
    JWKS key its header names, issuer, audience and expiry."""
    async with http.get(discovery["jwks_uri"]) as resp:
        jwks = await resp.json()
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    public = jwt.PyJWK.from_json(json.dumps(key))
    return jwt.decode(id_token, public, algorithms=["RS256"], audience=audience,
                      issuer=discovery["issuer"],
                      options={"require": ["exp", "iat", "iss", "aud", "sub"]})
