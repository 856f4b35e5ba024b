"""Sign in with Slack through real HTTP, as an app and a browser do it: discovery,
the authorize page, the redirect with code and state, openid.connect.token, the
ID token checked against the JWKS with PyJWT, openid.connect.userInfo."""

from __future__ import annotations

import asyncio
import hashlib
import time

import aiohttp
import jwt
from slack_sdk import WebClient

from sandbox import OAuthClient, Sandbox

from .oidc_client import (
    RelyingParty,
    authorize_url,
    discover,
    press,
    token,
    verified_claims,
)

SLACK = "https://slack.com/"


async def test_discovery_names_the_sandbox_endpoints(sb: Sandbox,
                                                     http: aiohttp.ClientSession) -> None:
    doc = await discover(http, sb)
    assert doc["issuer"] == sb.url
    assert doc["authorization_endpoint"] == f"{sb.url}/openid/connect/authorize"
    assert doc["token_endpoint"] == f"{sb.api_url}openid.connect.token"
    assert doc["userinfo_endpoint"] == f"{sb.api_url}openid.connect.userInfo"
    assert doc["jwks_uri"] == f"{sb.url}/openid/connect/keys"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["scopes_supported"] == ["openid", "profile", "email"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post",
                                                            "client_secret_basic"]
    async with http.get(doc["jwks_uri"]) as resp:
        keys = (await resp.json())["keys"]
    assert [(k["kty"], k["alg"], k["use"], k["e"]) for k in keys] == [("RSA", "RS256", "sig",
                                                                        "AQAB")]
    sb.oidc_issuer = "https://slack.com"
    assert (await discover(http, sb))["issuer"] == "https://slack.com"


async def test_the_whole_code_flow(sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
                                   http: aiohttp.ClientSession) -> None:
    doc = await discover(http, sb)
    page = await http.get(authorize_url(doc, app_client, rp.callback, state="xyz", nonce="abc"))
    text = await page.text()
    assert page.status == 200 and "Alice Liddell (@alice)" in text and "your email address" in text
    before = int(time.time())
    back = await press(http, page, "Alice Liddell")
    assert back.status == 200 and await back.text() == "signed in"
    assert str(back.url).startswith(rp.callback + "?")
    visit = rp.visits[-1]
    assert visit["state"] == "xyz" and set(visit) == {"code", "state"}

    # The SDK sends the client credentials as HTTP Basic only.
    sdk = WebClient(base_url=sb.api_url)
    answer = await asyncio.to_thread(sdk.openid_connect_token, client_id=app_client.client_id,
                                     client_secret=app_client.client_secret,
                                     code=visit["code"], redirect_uri=rp.callback)
    assert answer["ok"] and answer["token_type"] == "Bearer"
    assert answer["access_token"].startswith("xoxp-")
    assert jwt.get_unverified_header(answer["id_token"])["alg"] == "RS256"

    claims = await verified_claims(http, doc, answer["id_token"], audience=app_client.client_id)
    alice = sb.user("alice")
    assert claims["iss"] == sb.url and claims["aud"] == app_client.client_id
    assert claims["sub"] == alice["id"] == claims[f"{SLACK}user_id"]
    assert claims[f"{SLACK}team_id"] == sb.team_id
    assert claims["nonce"] == "abc"
    assert claims["exp"] - claims["iat"] == 300 and before <= claims["auth_time"] <= claims["iat"]
    assert claims["at_hash"] == jwt.utils.base64url_encode(
        hashlib.sha256(answer["access_token"].encode()).digest()[:16]).decode()
    assert (claims["email"], claims["email_verified"]) == ("alice@example.com", True)
    assert (claims["name"], claims["given_name"], claims["family_name"]) == (
        "Alice Liddell", "Alice", "Liddell")
    assert claims[f"{SLACK}user_image_192"].startswith("https://")
    assert f"{SLACK}team_name" not in claims

    info = await asyncio.to_thread(
        WebClient(token=answer["access_token"], base_url=sb.api_url).openid_connect_userInfo)
    assert info["ok"] and info["sub"] == alice["id"] and info[f"{SLACK}user_id"] == alice["id"]
    assert (info["email"], info["name"]) == ("alice@example.com", "Alice Liddell")
    assert info[f"{SLACK}team_id"] == sb.team_id
    assert info[f"{SLACK}team_domain"] == sb.team_domain


async def test_login_as_skips_the_page_and_secret_post_works(
        sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
        http: aiohttp.ClientSession) -> None:
    doc = await discover(http, sb)
    sb.oidc_login_as("bob")
    resp = await http.get(authorize_url(doc, app_client, rp.callback, scope="openid"))
    assert resp.status == 200 and [h.status for h in resp.history] == [302]
    answer = await token(http, doc, client_id=app_client.client_id,
                         client_secret=app_client.client_secret, code=rp.visits[-1]["code"],
                         redirect_uri=rp.callback, grant_type="authorization_code")
    claims = await verified_claims(http, doc, answer["id_token"], audience=app_client.client_id)
    assert claims["sub"] == sb.user("bob")["id"]
    # Scope openid alone: who, not their email or name.
    assert "email" not in claims and "name" not in claims
    sb.oidc_login_as(None)
    page = await http.get(authorize_url(doc, app_client, rp.callback))
    assert "Who are you?" in await page.text() and not page.history


async def test_the_browser_stays_signed_in_once_allowed(
        sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
        http: aiohttp.ClientSession) -> None:
    doc = await discover(http, sb)
    await press(http, await http.get(authorize_url(doc, app_client, rp.callback)), "Carol")
    again = await http.get(authorize_url(doc, app_client, rp.callback, state="second"))
    assert await again.text() == "signed in" and rp.visits[-1]["state"] == "second"
    answer = await token(http, doc, client_id=app_client.client_id,
                         client_secret=app_client.client_secret, code=rp.visits[-1]["code"],
                         redirect_uri=rp.callback)
    claims = await verified_claims(http, doc, answer["id_token"], audience=app_client.client_id)
    assert claims["sub"] == sb.user("carol")["id"]
    other = sb.oauth_client(redirect_uris=[rp.callback])
    first_visit = await http.get(authorize_url(doc, other, rp.callback))
    assert "Who are you?" in await first_visit.text()     # another app asks again


async def test_cancel_sends_access_denied(sb: Sandbox, rp: RelyingParty, app_client: OAuthClient,
                                          http: aiohttp.ClientSession) -> None:
    doc = await discover(http, sb)
    page = await http.get(authorize_url(doc, app_client, rp.callback, state="s1"))
    back = await press(http, page, "Cancel")
    assert back.status == 200 and rp.visits[-1] == {"error": "access_denied", "state": "s1"}
