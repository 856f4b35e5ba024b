"""Transport rules: tokens, params from every source, error shapes, scopes."""

from __future__ import annotations

import json
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import Sandbox


def raw(sb: Sandbox, method: str, *, data: bytes | None = None, query: str = "",
        headers: dict[str, str] | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(f"{sb.api_url}{method}{'?' + query if query else ''}",
                                 data=data, headers=headers or {},
                                 method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_auth_test_identity(sb: Sandbox, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["ok"] and resp["user_id"] == sb.bot_user_id and resp["bot_id"] == sb.bot_id
    assert resp["team_id"] == sb.team_id and resp["url"].startswith("https://warroom-sandbox.")
    assert sb.bot_token.startswith("xoxb-") and sb.app_token.startswith("xapp-")


def test_missing_and_bad_tokens(sb: Sandbox) -> None:
    status, body = raw(sb, "auth.test", data=b"")
    assert (status, body) == (200, {"ok": False, "error": "not_authed"})
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-nope", base_url=sb.api_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"


def test_token_kinds_are_not_interchangeable(sb: Sandbox) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token=sb.app_token, base_url=sb.api_url).auth_test()
    assert err.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as err:
        WebClient(token=sb.bot_token, base_url=sb.api_url).apps_connections_open(
            app_token=sb.bot_token)
    assert err.value.response["error"] == "not_allowed_token_type"


def test_apps_connections_open_url_has_path(sb: Sandbox) -> None:
    client = WebClient(token=sb.app_token, base_url=sb.api_url)
    urls = {client.apps_connections_open(app_token=sb.app_token)["url"] for _ in range(3)}
    assert len(urls) == 3
    for url in urls:
        assert url.startswith(sb.url.replace("http://", "ws://") + "/link/?ticket=")
        assert f"app_id={sb.app_id}" in url


def test_token_param_and_query_and_json_merge(sb: Sandbox, ids: dict) -> None:
    status, body = raw(sb, "conversations.info",
                       query=f"token={sb.bot_token}&channel={ids['general']}")
    assert status == 200 and body["channel"]["name"] == "general"
    status, body = raw(sb, "conversations.info", query=f"channel={ids['general']}",
                       data=b"", headers={"Authorization": f"Bearer {sb.bot_token}",
                                          "Content-Type": "application/json"})
    assert body["ok"]
    payload = json.dumps({"channel": ids["general"], "include_num_members": True,
                          "team_id": sb.team_id}).encode()
    status, body = raw(sb, "conversations.info", data=payload,
                       headers={"Authorization": f"Bearer {sb.bot_token}",
                                "Content-Type": "application/json"})
    assert body["ok"] and body["channel"]["num_members"] == 4


def test_form_bools_and_extra_team_id(sb: Sandbox, ids: dict) -> None:
    data = f"channel={ids['general']}&include_num_members=1&team_id=T999".encode()
    _, body = raw(sb, "conversations.info", data=data,
                  headers={"Authorization": f"Bearer {sb.bot_token}",
                           "Content-Type": "application/x-www-form-urlencoded"})
    assert body["ok"] and body["channel"]["num_members"] == 4
    data = f"channel={ids['general']}&include_num_members=false".encode()
    _, body = raw(sb, "conversations.info", data=data,
                  headers={"Authorization": f"Bearer {sb.bot_token}",
                           "Content-Type": "application/x-www-form-urlencoded"})
    assert "num_members" not in body["channel"]


def test_unknown_method(sb: Sandbox, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("nope.nothing")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "unknown_method"


def test_missing_scope_reports_needed_and_provided(sb: Sandbox, client: WebClient,
                                                   ids: dict) -> None:
    sb.bot_scopes.discard("chat:write")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel=ids["general"], text="hi")
    body = err.value.response.data
    assert body["error"] == "missing_scope" and body["needed"] == "chat:write"
    assert "channels:read" in body["provided"].split(",")


def test_manifest_scopes_apply(msb: Sandbox) -> None:
    client = WebClient(token=msb.bot_token, base_url=msb.api_url)
    assert "chat:write" in msb.bot_scopes and "mpim:read" not in msb.bot_scopes
    with pytest.raises(SlackApiError) as err:
        client.conversations_list(types="mpim")
    assert err.value.response["error"] == "missing_scope"
    assert err.value.response["needed"] == "mpim:read"


def test_calls_are_recorded(sb: Sandbox, client: WebClient) -> None:
    mark = sb.mark()
    client.auth_test()
    with pytest.raises(SlackApiError):
        client.conversations_info(channel="C_NOPE")
    calls = sb.calls_since(mark)
    assert [c.method for c in calls] == ["auth.test", "conversations.info"]
    assert calls[0].ok and calls[0].http_status == 200 and calls[0].token_kind == "bot"
    assert not calls[1].ok and calls[1].error == "channel_not_found"
    assert calls[1].params["channel"] == "C_NOPE" and calls[1].duration >= 0


def test_bot_calls_report_the_granted_scopes(msb):
    from slack_sdk import WebClient

    response = WebClient(token=msb.bot_token, base_url=msb.api_url).auth_test()
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert set(headers["x-oauth-scopes"].split(",")) == msb.bot_scopes
