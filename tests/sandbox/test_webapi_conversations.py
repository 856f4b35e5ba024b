"""conversations.* through slack_sdk's WebClient: shapes and Slack's errors."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import Sandbox


def error_of(fn, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as err:
        fn(*args, **kwargs)
    assert err.value.response.status_code == 200
    return err.value.response["error"]


def test_create_public_and_private(sb: Sandbox, client: WebClient) -> None:
    chan = client.conversations_create(name="inc-42-checkout")["channel"]
    assert chan["id"].startswith("C") and chan["name"] == "inc-42-checkout"
    assert chan["is_member"] and chan["creator"] == sb.bot_user_id and not chan["is_private"]
    assert sb.channel(chan["id"])["members"] == [sb.bot_user_id]
    private = client.conversations_create(name="secret", is_private=True)["channel"]
    assert private["is_private"] and private["is_group"]


@pytest.mark.parametrize("name, code", [
    ("", "invalid_name_required"),
    ("x" * 81, "invalid_name_maxlength"),
    ("---", "invalid_name_punctuation"),
    ("has space", "invalid_name_specials"),
    ("Upper", "invalid_name_specials"),
    ("dot.name", "invalid_name_specials"),
    ("general", "name_taken"),
])
def test_create_name_errors(client: WebClient, name: str, code: str) -> None:
    assert error_of(client.conversations_create, name=name) == code


def test_archived_names_stay_reserved(client: WebClient) -> None:
    cid = client.conversations_create(name="old-inc")["channel"]["id"]
    client.conversations_archive(channel=cid)
    assert error_of(client.conversations_create, name="old-inc") == "name_taken"
    assert error_of(client.conversations_archive, channel=cid) == "already_archived"


def test_create_needs_the_right_scope(sb: Sandbox, client: WebClient) -> None:
    sb.bot_scopes.discard("groups:write")
    client.conversations_create(name="public-ok")
    assert error_of(client.conversations_create, name="priv", is_private=True) == "missing_scope"


def test_invite_and_its_errors(sb: Sandbox, client: WebClient, ids: dict) -> None:
    cid = client.conversations_create(name="inc-1")["channel"]["id"]
    resp = client.conversations_invite(channel=cid, users=[ids["alice"], ids["bob"]])
    assert set(resp["channel"]["id"] for _ in [0]) == {cid}
    assert sb.channel(cid)["members"] == [sb.bot_user_id, ids["alice"], ids["bob"]]
    assert error_of(client.conversations_invite, channel=cid, users=ids["alice"]) \
        == "already_in_channel"
    assert error_of(client.conversations_invite, channel=cid, users=sb.bot_user_id) \
        == "cant_invite_self"
    assert error_of(client.conversations_invite, channel=cid, users="U_NOBODY") \
        == "user_not_found"
    assert error_of(client.conversations_invite, channel="C_NONE", users=ids["carol"]) \
        == "channel_not_found"
    assert error_of(client.conversations_invite, channel=ids["general"], users=ids["carol"]) \
        == "not_in_channel"


def test_invite_force_reports_per_user_errors(sb: Sandbox, client: WebClient, ids: dict) -> None:
    cid = client.conversations_create(name="inc-2")["channel"]["id"]
    client.conversations_invite(channel=cid, users=ids["alice"])
    resp = client.conversations_invite(channel=cid, users=[ids["alice"], ids["bob"]], force=True)
    assert resp["errors"] == [{"user": ids["alice"], "ok": False, "error": "already_in_channel"}]
    assert ids["bob"] in sb.channel(cid)["members"]


def test_invite_to_archived(client: WebClient, ids: dict) -> None:
    cid = client.conversations_create(name="inc-3")["channel"]["id"]
    client.conversations_archive(channel=cid)
    assert error_of(client.conversations_invite, channel=cid, users=ids["alice"]) == "is_archived"


def test_private_channels_the_bot_is_not_in_are_invisible(sb: Sandbox, client: WebClient,
                                                          ids: dict) -> None:
    cid = sb.add_channel("hr", is_private=True, members=["alice"])
    assert error_of(client.conversations_info, channel=cid) == "channel_not_found"
    assert error_of(client.chat_postMessage, channel=cid, text="x") == "channel_not_found"
    names = [c["name"] for c in client.conversations_list(
        types="public_channel,private_channel")["channels"]]
    assert "hr" not in names and "general" in names


def test_set_topic_and_purpose(sb: Sandbox, client: WebClient, ids: dict) -> None:
    cid = client.conversations_create(name="inc-4")["channel"]["id"]
    chan = client.conversations_setTopic(channel=cid, topic="SEV2 | investigating")["channel"]
    assert chan["topic"]["value"] == "SEV2 | investigating"
    assert chan["topic"]["creator"] == sb.bot_user_id
    chan = client.conversations_setPurpose(channel=cid, purpose="Checkout errors")["channel"]
    assert chan["purpose"]["value"] == "Checkout errors"
    assert sb.channel(cid)["topic"]["value"] == "SEV2 | investigating"
    assert error_of(client.conversations_setTopic, channel=cid, topic="x" * 251) == "too_long"
    assert error_of(client.conversations_setPurpose, channel=cid, purpose="x" * 251) == "too_long"
    client.conversations_setTopic(channel=cid, topic="x" * 250)
    assert error_of(client.conversations_setTopic, channel=ids["general"], topic="t") \
        == "not_in_channel"
    assert error_of(client.conversations_setTopic, channel="C_NONE", topic="t") \
        == "channel_not_found"
    client.conversations_archive(channel=cid)
    assert error_of(client.conversations_setTopic, channel=cid, topic="t") == "is_archived"


def test_archive_unarchive(sb: Sandbox, client: WebClient, joined: dict) -> None:
    cid = client.conversations_create(name="inc-5")["channel"]["id"]
    assert client.conversations_archive(channel=cid)["ok"]
    assert sb.channel(cid)["is_archived"]
    assert error_of(client.chat_postMessage, channel=cid, text="x") == "is_archived"
    client.conversations_unarchive(channel=cid)
    assert not sb.channel(cid)["is_archived"]
    assert error_of(client.conversations_unarchive, channel=cid) == "not_archived"
    assert error_of(client.conversations_archive, channel=joined["general"]) \
        == "cant_archive_general"
    assert error_of(client.conversations_archive, channel=joined["alerts"]) == "not_in_channel"


def test_info_members_and_paging(sb: Sandbox, client: WebClient, ids: dict) -> None:
    info = client.conversations_info(channel=ids["general"], include_num_members=True)["channel"]
    assert info["name"] == "general" and info["num_members"] == 4 and not info["is_member"]
    assert info["is_general"] and info["is_channel"]
    first = client.conversations_members(channel=ids["general"], limit=3)
    assert len(first["members"]) == 3 and first["response_metadata"]["next_cursor"]
    second = client.conversations_members(channel=ids["general"], limit=3,
                                          cursor=first["response_metadata"]["next_cursor"])
    assert len(second["members"]) == 1 and second["response_metadata"]["next_cursor"] == ""
    assert set(first["members"] + second["members"]) == {ids[n] for n in
                                                         ("alice", "bob", "carol", "dave")}
    assert error_of(client.conversations_members, channel=ids["general"], cursor="bogus!") \
        == "invalid_cursor"
    assert error_of(client.conversations_info, channel="C_NONE") == "channel_not_found"


def test_join(sb: Sandbox, client: WebClient, ids: dict) -> None:
    resp = client.conversations_join(channel=ids["alerts"])
    assert resp["channel"]["is_member"] and "warning" not in resp
    again = client.conversations_join(channel=ids["alerts"])
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]
    cid = client.conversations_create(name="priv-x", is_private=True)["channel"]["id"]
    assert error_of(client.conversations_join, channel=cid) \
        == "method_not_supported_for_channel_type"
    assert error_of(client.conversations_join, channel="C_NONE") == "channel_not_found"
    arch = client.conversations_create(name="arch-x")["channel"]["id"]
    client.conversations_archive(channel=arch)
    assert error_of(client.conversations_join, channel=arch) == "is_archived"


def test_list_types_archived_and_cursor(sb: Sandbox, client: WebClient) -> None:
    for n in range(5):
        client.conversations_create(name=f"bulk-{n}")
    arch = client.conversations_create(name="bulk-archived")["channel"]["id"]
    client.conversations_archive(channel=arch)
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert "bulk-archived" in names
    names = [c["name"] for c in client.conversations_list(exclude_archived=True)["channels"]]
    assert "bulk-archived" not in names
    seen, cursor = [], None
    while True:
        page = client.conversations_list(limit=3, cursor=cursor)
        seen += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 9


def test_history_replies_and_metadata(sb: Sandbox, client: WebClient, joined: dict) -> None:
    cid = joined["general"]
    first = client.chat_postMessage(channel=cid, text="one",
                                    metadata={"event_type": "incident_declared",
                                              "event_payload": {"id": 42}})["ts"]
    second = client.chat_postMessage(channel=cid, text="two")["ts"]
    client.chat_postMessage(channel=cid, text="reply", thread_ts=first)
    hist = client.conversations_history(channel=cid)
    assert [m["text"] for m in hist["messages"]] == ["two", "one"]
    assert "metadata" not in hist["messages"][1]
    assert hist["messages"][1]["reply_count"] == 1
    with_meta = client.conversations_history(channel=cid, include_all_metadata=True)
    assert with_meta["messages"][1]["metadata"] == {"event_type": "incident_declared",
                                                    "event_payload": {"id": 42}}
    assert [m["text"] for m in client.conversations_history(
        channel=cid, oldest=first)["messages"]] == ["two"]
    assert [m["text"] for m in client.conversations_history(
        channel=cid, oldest=first, inclusive=True)["messages"]] == ["two", "one"]
    assert [m["text"] for m in client.conversations_history(
        channel=cid, latest=second)["messages"]] == ["one"]
    page = client.conversations_history(channel=cid, limit=1)
    assert page["has_more"] and page["response_metadata"]["next_cursor"]
    replies = client.conversations_replies(channel=cid, ts=first)["messages"]
    assert [m["text"] for m in replies] == ["one", "reply"]
    assert replies[1]["thread_ts"] == first and replies[1]["parent_user_id"] == sb.bot_user_id
    assert error_of(client.conversations_replies, channel=cid, ts="1.000001") \
        == "thread_not_found"
    assert error_of(client.conversations_history, channel=joined["alerts"]) == "not_in_channel"


def test_open_dm_is_stable(sb: Sandbox, client: WebClient, ids: dict) -> None:
    first = client.conversations_open(users=ids["alice"])
    again = client.conversations_open(users=ids["alice"])
    assert first["channel"]["id"].startswith("D") and first["channel"]["id"] == again["channel"]["id"]
    assert not first["already_open"] and again["already_open"]
    assert sb.dm_channel("alice") == first["channel"]["id"]
    full = client.conversations_open(users=ids["alice"], return_im=True)["channel"]
    assert full["is_im"] and full["user"] == ids["alice"]
    assert error_of(client.conversations_open, users="U_NOBODY") == "user_not_found"


def test_kick_and_leave(sb: Sandbox, client: WebClient, ids: dict) -> None:
    cid = client.conversations_create(name="inc-kick")["channel"]["id"]
    client.conversations_invite(channel=cid, users=ids["bob"])
    client.conversations_kick(channel=cid, user=ids["bob"])
    assert ids["bob"] not in sb.channel(cid)["members"]
    assert error_of(client.conversations_kick, channel=cid, user=ids["bob"]) == "not_in_channel"
    client.conversations_leave(channel=cid)
    assert sb.bot_user_id not in sb.channel(cid)["members"]
