"""Sign in with Slack refusals: what the authorize page, openid.connect.token and
openid.connect.userInfo answer to a wrong client, secret, code, redirect URI,
scope or token."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import pytest

from sandbox import OAuthClient, Sandbox

from .oidc_client import RelyingParty, authorize_url, discover, token


async def _code(sb: Sandbox, http: aiohttp.ClientSession, client: OAuthClient, rp: RelyingParty,
                redirect_uri: str | None = None) -> str:
    """A fresh code for alice, the way an app gets one."""
    sb.oidc_login_as("alice")
    doc = await discover(http, sb)
    resp = await http.get(authorize_url(doc, client, redirect_uri))
    assert resp.status == 200, await resp.text()
    return rp.visits[-1]["code"]


def _exchange(client: OAuthClient, code: str, redirect_uri: str,
              override: dict[str, str] | None = None) -> dict[str, str]:
    form = {"client_id": client.client_id, "client_secret": client.client_secret, "code": code,
            "redirect_uri": redirect_uri}
    return {**form, **(override or {})}


async def _token_error(http: aiohttp.ClientSession, sb: Sandbox, form: dict[str, str]) -> str:
    answer: dict[str, Any] = await token(http, await discover(http, sb), **form)
    assert answer["ok"] is False and "id_token" not in answer
    return str(answer["error"])


@pytest.mark.parametrize(("override", "error"), [
    ({"client_secret": "0" * 32}, "bad_client_secret"),
    ({"client_secret": ""}, "bad_client_secret"),
    ({"client_id": "123.456"}, "invalid_client_id"),
    ({"code": "123.456.nope"}, "invalid_code"),
    ({"redirect_uri": "http://127.0.0.1:1/elsewhere"}, "bad_redirect_uri"),
    ({"redirect_uri": ""}, "bad_redirect_uri"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({"grant_type": "refresh_token"}, "invalid_refresh_token"),
])
async def test_token_refusals(sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
                              http: aiohttp.ClientSession, override: dict[str, str],
                              error: str) -> None:
    code = await _code(sb, http, app_client, rp, rp.callback)
    form = _exchange(app_client, code, rp.callback, override)
    assert await _token_error(http, sb, form) == error
    # A refused exchange leaves the code usable.
    answer = await token(http, await discover(http, sb), **_exchange(app_client, code, rp.callback))
    assert answer["ok"] and answer["id_token"]


async def test_a_code_works_once(sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
                                 http: aiohttp.ClientSession) -> None:
    code = await _code(sb, http, app_client, rp, rp.callback)
    form = _exchange(app_client, code, rp.callback)
    assert (await token(http, await discover(http, sb), **form))["ok"]
    assert await _token_error(http, sb, form) == "invalid_code"


async def test_an_expired_code_is_refused(sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
                                          http: aiohttp.ClientSession) -> None:
    sb.settings.oidc_code_ttl = 0.0       # expired the moment it is made
    code = await _code(sb, http, app_client, rp, rp.callback)
    assert await _token_error(http, sb, _exchange(app_client, code, rp.callback)) == "invalid_code"


async def test_a_code_is_only_for_its_client(sb: Sandbox, rp: RelyingParty,
                                             app_client: OAuthClient,
                                             http: aiohttp.ClientSession) -> None:
    other = sb.oauth_client(redirect_uris=[rp.callback])
    code = await _code(sb, http, app_client, rp, rp.callback)
    assert await _token_error(http, sb, _exchange(other, code, rp.callback)) == "invalid_code"


async def test_without_redirect_uri_the_first_registered_one_is_used(
        sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
        http: aiohttp.ClientSession) -> None:
    code = await _code(sb, http, app_client, rp, redirect_uri=None)
    form = _exchange(app_client, code, rp.callback)
    del form["redirect_uri"]
    assert (await token(http, await discover(http, sb), **form))["ok"]


async def test_a_redirect_uri_below_a_registered_one_is_allowed(
        sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
        http: aiohttp.ClientSession) -> None:
    below = rp.callback + "/web"
    code = await _code(sb, http, app_client, rp, below)
    assert await _token_error(http, sb, _exchange(app_client, code, rp.callback)) == \
        "bad_redirect_uri"
    assert (await token(http, await discover(http, sb),
                        **_exchange(app_client, code, below)))["ok"]


async def test_basic_credentials_with_a_wrong_secret(sb: Sandbox, rp: RelyingParty,
                                                     app_client: OAuthClient,
                                                     http: aiohttp.ClientSession) -> None:
    code = await _code(sb, http, app_client, rp, rp.callback)
    doc = await discover(http, sb)
    basic = base64.b64encode(f"{app_client.client_id}:wrong".encode()).decode()
    async with http.post(doc["token_endpoint"], data={"code": code, "redirect_uri": rp.callback},
                         headers={"Authorization": f"Basic {basic}"}) as resp:
        assert (await resp.json())["error"] == "bad_client_secret"
    calls = [c for c in sb.calls if c.method == "openid.connect.token"]
    assert calls and all("client_secret" not in c.params for c in calls)


@pytest.mark.parametrize(("params", "code"), [
    ({"client_id": "999.999"}, "invalid_client_id"),
    ({"redirect_uri": "http://127.0.0.1:1/auth/callback"}, "bad_redirect_uri"),
    ({"team": "T00000000"}, "invalid_team"),
])
async def test_authorize_error_pages(sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
                                     http: aiohttp.ClientSession, params: dict[str, str],
                                     code: str) -> None:
    sb.oidc_login_as("alice")
    doc = await discover(http, sb)
    extra = {k: v for k, v in params.items() if k not in ("client_id", "redirect_uri")}
    url = authorize_url(doc, params.get("client_id", app_client.client_id),
                        params.get("redirect_uri", rp.callback), **extra)
    resp = await http.get(url)
    assert resp.status == 400 and code in await resp.text()
    assert rp.visits == []     # nothing goes back to a client Slack can't trust


@pytest.mark.parametrize(("params", "error"), [
    ({"scope": "profile email"}, "invalid_scope"),
    ({"scope": "openid chat:write"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
])
async def test_authorize_errors_go_back_to_the_app(sb: Sandbox, rp: RelyingParty,
                                                   app_client: OAuthClient,
                                                   http: aiohttp.ClientSession,
                                                   params: dict[str, str], error: str) -> None:
    sb.oidc_login_as("alice")
    doc = await discover(http, sb)
    url = authorize_url(doc, app_client, rp.callback, state="s9", **params)
    resp = await http.get(url)
    assert resp.status == 200 and rp.visits == [{"error": error, "state": "s9"}]


async def test_comma_separated_scopes_as_slack_sdk_sends_them(
        sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
        http: aiohttp.ClientSession) -> None:
    sb.oidc_login_as("alice")
    doc = await discover(http, sb)
    await http.get(authorize_url(doc, app_client, rp.callback, scope="openid,email"))
    assert "code" in rp.visits[-1]


@pytest.mark.parametrize(("headers", "error"), [
    ({}, "not_authed"),
    ({"Authorization": "Bearer xoxp-1-2-3-nope"}, "invalid_auth"),
])
async def test_userinfo_refusals(sb: Sandbox, http: aiohttp.ClientSession,
                                 headers: dict[str, str], error: str) -> None:
    doc = await discover(http, sb)
    async with http.post(doc["userinfo_endpoint"], headers=headers) as resp:
        assert resp.status == 200 and (await resp.json())["error"] == error


async def test_userinfo_refuses_the_bot_token(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    doc = await discover(http, sb)
    async with http.get(doc["userinfo_endpoint"],
                        headers={"Authorization": f"Bearer {sb.bot_token}"}) as resp:
        assert (await resp.json())["error"] == "not_allowed_token_type"


@pytest.mark.parametrize("uris", [[], ["/auth/callback"], ["warroom.example/callback"]])
def test_redirect_urls_must_be_absolute(sb: Sandbox, uris: list[str]) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        sb.oauth_client(redirect_uris=uris)


async def test_choosing_someone_not_on_the_page_is_refused(
        sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
        http: aiohttp.ClientSession) -> None:
    doc = await discover(http, sb)
    form = {"response_type": "code", "scope": "openid", "client_id": app_client.client_id,
            "redirect_uri": rp.callback, "state": "s", "user": sb.bot_user_id}
    async with http.post(doc["authorization_endpoint"], data=form) as resp:
        assert resp.status == 400 and "unknown_person" in await resp.text()
    assert rp.visits == []
