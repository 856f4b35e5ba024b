"""Sign in with Slack (OpenID Connect), Slack's side: OAuth clients, the checks
/openid/connect/authorize makes, codes, user tokens and the claims of the ID
token and of openid.connect.userInfo (external-apis.md §1).

The sandbox has no passwords: a person "signs in" by being chosen on the
authorize page, or ahead of time by a test (``Sandbox.oidc_login_as``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlencode, urlsplit

from . import rs256
from .errors import SlackError
from .ids import digits

if TYPE_CHECKING:
    from .core import Core
    from .state import User

SCOPES = ("openid", "profile", "email")
USER_IMAGE_SIZES = (24, 32, 48, 72, 192, 512, 1024)
TEAM_IMAGE_SIZES = (34, 44, 68, 88, 102, 132, 230)
SLACK = "https://slack.com/"          # prefix of Slack's own claim names


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]

    def allows(self, uri: str) -> bool:
        """Exactly one of the configured redirect URLs, or a path below one."""
        return any(uri == allowed or _below(uri, allowed) for allowed in self.redirect_uris)


def _below(uri: str, allowed: str) -> bool:
    got, base = urlsplit(uri), urlsplit(allowed)
    return ((got.scheme, got.netloc) == (base.scheme, base.netloc)
            and got.path.startswith(base.path.rstrip("/") + "/"))


@dataclass(frozen=True)
class AuthRequest:
    """An authorize request that passed the checks."""
    client: OAuthClient
    redirect_uri: str                 # where the person goes back to
    sent_redirect_uri: str | None     # as the client sent it; the token call must repeat it
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None

    def back(self, **params: str) -> str:
        if self.state is not None:
            params["state"] = self.state
        joiner = "&" if urlsplit(self.redirect_uri).query else "?"
        return f"{self.redirect_uri}{joiner}{urlencode(params)}"


class AuthorizePageError(Exception):
    """Slack shows an error page: the request can't be trusted to go back."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


class AuthorizeRedirectError(Exception):
    """Slack sends the person back to the client with ``error=…``."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass
class Grant:
    code: str
    request: AuthRequest
    user_id: str
    auth_time: int                    # epoch seconds of the sign-in
    expires_at: float                 # time.monotonic()
    used: bool = False


@dataclass
class UserToken:
    token: str
    user_id: str
    client_id: str
    scopes: tuple[str, ...]


@dataclass(eq=False)
class OpenIdProvider:
    core: "Core"
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, UserToken] = field(default_factory=dict)
    login_as: str | None = None       # user id a test signed in ahead of time
    consents: set[tuple[str, str]] = field(default_factory=set)   # (user id, client id)
    issuer_override: str | None = None

    @property
    def issuer(self) -> str:
        return self.issuer_override or self.core.base_url

    # --- clients ---------------------------------------------------------------------
    def register(self, redirect_uris: tuple[str, ...]) -> OAuthClient:
        bad = [u for u in redirect_uris if urlsplit(u).scheme not in ("http", "https")
               or not urlsplit(u).netloc]
        if not redirect_uris or bad:
            raise ValueError(f"redirect_uris must be absolute http(s) URLs; got {list(redirect_uris)}")
        client = OAuthClient(client_id=f"{self.core.team_number}.{digits(12)}",
                             client_secret=secrets.token_hex(16), redirect_uris=redirect_uris)
        self.clients[client.client_id] = client
        return client

    # --- authorize -------------------------------------------------------------------
    def check(self, params: Mapping[str, str]) -> AuthRequest:
        """The authorize request, or the error Slack shows or redirects with."""
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            raise AuthorizePageError("invalid_client_id",
                                     "The client_id is missing or names no app.")
        sent = params.get("redirect_uri") or None
        if sent is not None and not client.allows(sent):
            raise AuthorizePageError(
                "bad_redirect_uri",
                f"redirect_uri did not match any configured URIs. Passed URI: {sent}")
        team = params.get("team")
        if team and team != self.core.ws.team_id:
            raise AuthorizePageError("invalid_team",
                                     f"This workspace is {self.core.ws.team_id}, not {team}.")
        request = AuthRequest(client=client, redirect_uri=sent or client.redirect_uris[0],
                              sent_redirect_uri=sent, scopes=_scopes(params.get("scope", "")),
                              state=params.get("state"), nonce=params.get("nonce"))
        if params.get("response_type") != "code":
            raise AuthorizeRedirectError(request.back(error="unsupported_response_type"))
        if "openid" not in request.scopes or not set(request.scopes) <= set(SCOPES):
            raise AuthorizeRedirectError(request.back(error="invalid_scope"))
        return request

    def signed_in(self, session_user: str | None, request: AuthRequest) -> str | None:
        """Who goes straight back without seeing the page: the person a test chose, or
        the browser's signed-in person once they have allowed this app."""
        if self.login_as is not None:
            return self.login_as
        if session_user and (session_user, request.client.client_id) in self.consents:
            return session_user
        return None

    def approve(self, request: AuthRequest, user_id: str) -> str:
        """The person allowed it: back to the client with a fresh code."""
        code = f"{self.core.team_number}.{digits(13)}.{secrets.token_hex(32)}"
        self.grants[code] = Grant(code=code, request=request, user_id=user_id,
                                  auth_time=int(time.time()),
                                  expires_at=time.monotonic() + self.core.settings.oidc_code_ttl)
        self.consents.add((user_id, request.client.client_id))
        return request.back(code=code)

    # --- openid.connect.token --------------------------------------------------------
    def exchange(self, *, client_id: str | None, client_secret: str | None, code: str | None,
                 redirect_uri: str | None, grant_type: str | None) -> dict[str, Any]:
        client = self.clients.get(client_id or "")
        if client is None:
            raise SlackError("invalid_client_id")
        if not client_secret or not secrets.compare_digest(client_secret, client.client_secret):
            raise SlackError("bad_client_secret")
        if grant_type == "refresh_token":
            raise SlackError("invalid_refresh_token")    # no token rotation: none were issued
        if grant_type not in (None, "", "authorization_code"):
            raise SlackError("unsupported_grant_type")
        grant = self.grants.get(code or "")
        if (grant is None or grant.used or grant.request.client != client
                or time.monotonic() >= grant.expires_at):
            raise SlackError("invalid_code")
        wanted = grant.request.sent_redirect_uri
        if (wanted is not None or redirect_uri) and redirect_uri != grant.request.redirect_uri:
            raise SlackError("bad_redirect_uri")
        grant.used = True
        token = self._mint_token(grant)
        return {"access_token": token.token, "token_type": "Bearer",
                "id_token": rs256.encode_jwt(self._id_claims(grant, token), rs256.signing_key())}

    def _mint_token(self, grant: Grant) -> UserToken:
        token = UserToken(token=f"xoxp-{self.core.team_number}-{digits(13)}-{digits(13)}-"
                                f"{secrets.token_hex(16)}",
                          user_id=grant.user_id, client_id=grant.request.client.client_id,
                          scopes=grant.request.scopes)
        self.tokens[token.token] = token
        return token

    def _id_claims(self, grant: Grant, token: UserToken) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": grant.user_id, "aud": token.client_id,
            "exp": now + self.core.settings.oidc_id_token_ttl, "iat": now,
            "auth_time": grant.auth_time}
        if grant.request.nonce is not None:
            claims["nonce"] = grant.request.nonce
        claims["at_hash"] = rs256.at_hash(token.token)
        claims.update(self.identity(self._user(grant.user_id), token.scopes))
        return claims

    # --- openid.connect.userInfo -----------------------------------------------------
    def userinfo(self, token: str) -> dict[str, Any]:
        found = self.tokens[token]
        user = self._user(found.user_id)
        if user.deleted:
            raise SlackError("account_inactive")
        out = {"sub": user.id, **self.identity(user, found.scopes)}
        if "profile" in found.scopes:     # userInfo names the team too; the ID token doesn't
            out[f"{SLACK}team_name"] = self.core.ws.team_name
            out[f"{SLACK}team_domain"] = self.core.ws.team_domain
        return out

    def _user(self, user_id: str) -> "User":
        return self.core.ws.users[user_id]

    def identity(self, user: "User", scopes: tuple[str, ...]) -> dict[str, Any]:
        """Slack's claims about the person, by granted scope."""
        ws = self.core.ws
        out: dict[str, Any] = {f"{SLACK}user_id": user.id, f"{SLACK}team_id": ws.team_id}
        if "email" in scopes and user.email:
            out.update(email=user.email, email_verified=True,
                       date_email_verified=user.updated)
        if "profile" in scopes:
            first, _, last = user.real_name.partition(" ")
            picture = _avatar(user.id, 512)
            out.update(name=user.real_name, picture=picture, given_name=first,
                       family_name=last, locale="en-US")
            out.update({f"{SLACK}user_image_{n}": _avatar(user.id, n) for n in USER_IMAGE_SIZES})
            out.update({f"{SLACK}team_image_{n}": _avatar(ws.team_id, n)
                        for n in TEAM_IMAGE_SIZES})
            out[f"{SLACK}team_image_default"] = True
        return out

    # --- discovery -------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        base = self.core.base_url
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/openid/connect/authorize",
            "token_endpoint": f"{base}/api/openid.connect.token",
            "userinfo_endpoint": f"{base}/api/openid.connect.userInfo",
            "jwks_uri": f"{base}/openid/connect/keys",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "auth_time", "iss"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": True,
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "client_secret_basic"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [rs256.signing_key().jwk()]}


def _scopes(raw: str) -> tuple[str, ...]:
    # OpenID Connect separates scopes with spaces; slack_sdk's URL generator uses commas.
    return tuple(dict.fromkeys(s for s in raw.replace(",", " ").split() if s))


def _avatar(owner: str, size: int) -> str:
    return f"https://avatars.sandbox.invalid/{owner}_{size}.png"
