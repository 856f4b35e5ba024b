"""users, usergroups, pins, bookmarks and reactions methods."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import Sandbox

from .test_webapi_conversations import error_of


def test_users_info_list_lookup(sb: Sandbox, client: WebClient, ids: dict) -> None:
    user = client.users_info(user=ids["alice"])["user"]
    assert user["name"] == "alice" and user["real_name"] == "Alice Liddell"
    assert user["tz"] == "Europe/London" and user["profile"]["email"] == "alice@example.com"
    assert user["profile"]["display_name"] == "alice" and not user["is_bot"]
    assert error_of(client.users_info, user="U_NOBODY") == "user_not_found"
    members = client.users_list()["members"]
    assert {m["name"] for m in members} >= {"alice", "bob", "carol", "dave"}
    found = client.users_lookupByEmail(email="bob@example.com")["user"]
    assert found["id"] == ids["bob"]
    assert error_of(client.users_lookupByEmail, email="nobody@example.com") == "users_not_found"


def test_email_hidden_without_scope(sb: Sandbox, client: WebClient, ids: dict) -> None:
    sb.bot_scopes.discard("users:read.email")
    assert "email" not in client.users_info(user=ids["alice"])["user"]["profile"]
    assert error_of(client.users_lookupByEmail, email="bob@example.com") == "missing_scope"


def test_usergroups(sb: Sandbox, client: WebClient, ids: dict) -> None:
    gid = sb.add_usergroup("backend", name="Backend team", users=["alice", "bob"])
    groups = client.usergroups_list(include_users=True, include_count=True)["usergroups"]
    assert groups == [groups[0]] and groups[0]["id"] == gid and groups[0]["handle"] == "backend"
    assert groups[0]["users"] == [ids["alice"], ids["bob"]] and groups[0]["user_count"] == 2
    assert "users" not in client.usergroups_list()["usergroups"][0]
    assert client.usergroups_users_list(usergroup=gid)["users"] == [ids["alice"], ids["bob"]]
    assert error_of(client.usergroups_users_list, usergroup="S_NONE") == "no_such_subteam"


def test_pins(sb: Sandbox, client: WebClient, joined: dict) -> None:
    cid = joined["general"]
    ts = client.chat_postMessage(channel=cid, text="status")["ts"]
    client.pins_add(channel=cid, timestamp=ts)
    assert sb.channel("general")["pins"] == [ts]
    assert sb.message("general", ts)["pinned_to"] == [cid]
    assert error_of(client.pins_add, channel=cid, timestamp=ts) == "already_pinned"
    items = client.pins_list(channel=cid)["items"]
    assert items[0]["message"]["ts"] == ts and items[0]["created_by"] == sb.bot_user_id
    client.pins_remove(channel=cid, timestamp=ts)
    assert error_of(client.pins_remove, channel=cid, timestamp=ts) == "not_pinned"
    assert error_of(client.pins_add, channel=cid, timestamp="1.000001") == "message_not_found"
    assert error_of(client.pins_add, channel=cid, timestamp="garbage") == "bad_timestamp"
    other = sb.as_user("alice").post("alerts", "not here")
    assert error_of(client.pins_add, channel=joined["alerts"], timestamp=other) == "not_in_channel"


def test_bookmarks(sb: Sandbox, client: WebClient, joined: dict) -> None:
    cid = joined["incidents"]
    bm = client.bookmarks_add(channel_id=cid, title="Runbook", type="link",
                              link="https://runbooks.example.com/checkout", emoji=":book:")
    bookmark = bm["bookmark"]
    assert bookmark["id"].startswith("Bk") and bookmark["channel_id"] == cid
    assert bookmark["title"] == "Runbook" and bookmark["type"] == "link"
    assert sb.channel("incidents")["bookmarks"][0]["link"] == "https://runbooks.example.com/checkout"
    assert client.bookmarks_list(channel_id=cid)["bookmarks"][0]["id"] == bookmark["id"]
    assert error_of(client.bookmarks_add, channel_id=cid, title="x", type="link",
                    link="ftp://nope") == "invalid_link"
    assert error_of(client.bookmarks_add, channel_id=cid, title="x", type="folder",
                    link="https://x.example") == "invalid_bookmark_type"
    assert error_of(client.bookmarks_add, channel_id="C_NONE", title="x", type="link",
                    link="https://x.example") == "channel_not_found"
    edited = client.bookmarks_edit(channel_id=cid, bookmark_id=bookmark["id"], title="Runbook v2")
    assert edited["bookmark"]["title"] == "Runbook v2"
    client.bookmarks_remove(channel_id=cid, bookmark_id=bookmark["id"])
    assert sb.channel("incidents")["bookmarks"] == []


def test_reactions(sb: Sandbox, client: WebClient, joined: dict) -> None:
    cid = joined["general"]
    ts = sb.as_user("alice").post("general", "is checkout down?")
    client.reactions_add(channel=cid, timestamp=ts, name="eyes")
    assert sb.message("general", ts)["reactions"] == [
        {"name": "eyes", "users": [sb.bot_user_id], "count": 1}]
    assert error_of(client.reactions_add, channel=cid, timestamp=ts, name="eyes") \
        == "already_reacted"
    assert error_of(client.reactions_add, channel=cid, timestamp=ts, name="not_an_emoji_x") \
        == "invalid_name"
    sb.custom_emoji.add("not_an_emoji_x")
    client.reactions_add(channel=cid, timestamp=ts, name="not_an_emoji_x")
    assert error_of(client.reactions_add, channel=cid, timestamp="1.000001", name="eyes") \
        == "message_not_found"
    client.reactions_remove(channel=cid, timestamp=ts, name="eyes")
    assert error_of(client.reactions_remove, channel=cid, timestamp=ts, name="eyes") \
        == "no_reaction"


def test_usergroups_create_and_users_update(sb: Sandbox, client: WebClient, ids: dict) -> None:
    """What warroom keeps in step with its schedules: a group made once, its members replaced whole."""
    made = client.usergroups_create(name="Backend on call", handle="backend-oncall", include_count=True)["usergroup"]
    assert made["handle"] == "backend-oncall" and made["users"] == [] and made["user_count"] == 0
    assert error_of(client.usergroups_create, name="backend on call") == "name_already_exists"
    assert error_of(client.usergroups_create, name="Other", handle="backend-oncall") == "name_already_exists"
    assert error_of(client.usergroups_create, name="Other", handle="alice") == "name_already_exists"
    updated = client.usergroups_users_update(usergroup=made["id"], users=[ids["alice"], ids["bob"]])["usergroup"]
    assert updated["users"] == [ids["alice"], ids["bob"]] and updated["updated_by"] == sb.bot_user_id
    client.usergroups_users_update(usergroup=made["id"], users=ids["carol"])   # replaces, never adds
    assert client.usergroups_users_list(usergroup=made["id"])["users"] == [ids["carol"]]
    assert sb.usergroup("backend-oncall")["users"] == [ids["carol"]]
    assert error_of(client.usergroups_users_update, usergroup=made["id"], users="") == "no_users_provided"
    assert error_of(client.usergroups_users_update, usergroup=made["id"], users="U_NOBODY") == "invalid_users"
    assert error_of(client.usergroups_users_update, usergroup=made["id"], users=sb.bot_user_id) == "invalid_user"
    assert error_of(client.usergroups_users_update, usergroup="S_NONE", users=ids["bob"]) == "no_such_subteam"
    assert client.usergroups_users_list(usergroup=made["id"])["users"] == [ids["carol"]], "refusals change nothing"


def test_usergroups_write_needs_its_scope(msb: Sandbox) -> None:
    client = WebClient(token=msb.bot_token, base_url=msb.api_url)
    with pytest.raises(SlackApiError) as err:
        client.usergroups_create(name="x")
    assert err.value.response["error"] == "missing_scope" and err.value.response["needed"] == "usergroups:write"
