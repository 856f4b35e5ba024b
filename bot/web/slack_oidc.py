"""The relying party's side of Sign in with Slack (OpenID Connect; external-apis.md §1): discovery
from the issuer, the token exchange, and the ID token verified against the issuer's keys (PyJWT).

No web framework here: the routes in bot.web.slack_signin use it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jwt

from bot.config.env import SlackSignInSettings

TEAM_CLAIM = "https://slack.com/team_id"
DISCOVERY_TTL = 3600.0
LEEWAY_SECONDS = 60                      # clocks between warroom and Slack may differ a little
_TIMEOUT = aiohttp.ClientTimeout(total=10)


class SignInFailed(Exception):
    """Sign-in did not work; the message is for the person (no secrets, no token contents)."""


@dataclass(frozen=True)
class Identity:
    user: str
    team: str
    name: str | None


class SlackOidc:
    def __init__(self, settings: SlackSignInSettings, team_id: str | None) -> None:
        self.settings = settings
        self.team_id = team_id
        self._discovery: dict[str, Any] | None = None
        self._discovered_at = 0.0
        self._keys: dict[str, Any] = {}
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=_TIMEOUT)
        return self._session

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._http().get(url) as response:
                if response.status != 200:
                    raise SignInFailed(f"Slack's sign-in service answered {response.status}; try again in a minute")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SignInFailed(f"Slack's sign-in service cannot be reached ({type(exc).__name__}); try again "
                               "in a minute, or ask for a sign-in link on the host: warroom login-link") from None

    async def discovery(self) -> dict[str, Any]:
        if self._discovery is None or time.monotonic() - self._discovered_at > DISCOVERY_TTL:
            found = await self._get_json(self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration")
            if found.get("issuer") != self.settings.issuer:
                raise SignInFailed("Slack's sign-in service names another issuer than the one warroom trusts")
            self._discovery, self._discovered_at = found, time.monotonic()
        return self._discovery

    async def authorize_url(self, *, redirect_uri: str, state: str, nonce: str) -> str:
        endpoint = (await self.discovery())["authorization_endpoint"]
        params = {"response_type": "code", "scope": "openid profile", "client_id": self.settings.client_id,
                  "state": state, "nonce": nonce, "redirect_uri": redirect_uri}
        if self.team_id:
            params["team"] = self.team_id   # straight to this workspace
        return f"{endpoint}?{urlencode(params)}"

    async def identity(self, *, code: str, redirect_uri: str, nonce: str) -> Identity:
        """Exchange the code, verify the ID token, and say who signed in."""
        found = await self.discovery()
        form = {"client_id": self.settings.client_id, "client_secret": self.settings.client_secret,
                "code": code, "redirect_uri": redirect_uri, "grant_type": "authorization_code"}
        try:
            async with self._http().post(found["token_endpoint"], data=form) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SignInFailed(f"Slack's sign-in service cannot be reached ({type(exc).__name__}); try again") from None
        if not answer.get("ok") or not answer.get("id_token"):
            raise SignInFailed(_token_error(str(answer.get("error") or "no ID token")))
        claims = await self._verify(answer["id_token"], found)
        if claims.get("nonce") != nonce:
            raise SignInFailed("the sign-in answer was not for this browser's request; start again")
        team = claims.get(TEAM_CLAIM)
        if self.team_id and team != self.team_id:
            raise SignInFailed("that Slack account is in another workspace; sign in with your account in "
                               "the workspace warroom runs in")
        return Identity(user=str(claims["sub"]), team=str(team or ""), name=claims.get("name"))

    async def _verify(self, token: str, found: dict[str, Any]) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise SignInFailed("Slack's ID token could not be read") from None
        key = self._keys.get(kid) or await self._refresh_keys(found["jwks_uri"], kid)
        try:
            return jwt.decode(token, key, algorithms=["RS256"], audience=self.settings.client_id,
                              issuer=self.settings.issuer, leeway=LEEWAY_SECONDS,
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"Slack's ID token did not check out ({type(exc).__name__}); start again") from None

    async def _refresh_keys(self, jwks_uri: str, kid: str | None) -> Any:
        """Keys are cached; an unknown key ID means Slack rotated its keys: fetch them again."""
        keys = await self._get_json(jwks_uri)
        self._keys = {k.get("kid"): jwt.PyJWK.from_dict(k).key for k in keys.get("keys", []) if k.get("kty") == "RSA"}
        if kid not in self._keys:
            raise SignInFailed("Slack's ID token is signed with a key Slack does not publish; start again")
        return self._keys[kid]


def _token_error(code: str) -> str:
    if code in ("invalid_code", "invalid_grant"):
        return "that sign-in was already used or took too long; start again"
    if code in ("invalid_client_id", "bad_client_secret", "invalid_client"):
        return (f"Slack refused warroom's app credentials ({code}); check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "against the app's Basic Information page")
    if code == "bad_redirect_uri":
        return (f"Slack refused the return address ({code}); add <web.public_url>/signin/slack/callback to the app's "
                "redirect URLs (OAuth & Permissions)")
    return f"Slack refused the sign-in ({code}); start again"
