"""chat.* through WebClient: message shapes, membership rules, Block Kit limits."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from sandbox import Sandbox

from .test_webapi_conversations import error_of

pytestmark = pytest.mark.filterwarnings("ignore:The top-level `text` argument")


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_post_message_shape(sb: Sandbox, client: WebClient, joined: dict) -> None:
    resp = client.chat_postMessage(channel=joined["general"], text="Incident declared",
                                   blocks=[section("*SEV2*")])
    msg = resp["message"]
    assert resp["channel"] == joined["general"] and resp["ts"] == msg["ts"]
    assert msg["user"] == sb.bot_user_id and msg["bot_id"] == sb.bot_id
    assert msg["app_id"] == sb.app_id and msg["bot_profile"]["id"] == sb.bot_id
    assert msg["team"] == sb.team_id and msg["blocks"][0]["block_id"]
    stored = sb.messages("general")[-1]
    assert stored["text"] == "Incident declared" and stored["ts"] == resp["ts"]


def test_ts_strictly_increasing(client: WebClient, joined: dict) -> None:
    stamps = [client.chat_postMessage(channel=joined["general"], text=str(i))["ts"]
              for i in range(20)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 20


def test_membership_and_chat_write_public(sb: Sandbox, client: WebClient, ids: dict) -> None:
    # Not a member, but chat:write.public lets the bot post to public channels.
    client.chat_postMessage(channel=ids["alerts"], text="public ok")
    sb.bot_scopes.discard("chat:write.public")
    assert error_of(client.chat_postMessage, channel=ids["alerts"], text="x") == "not_in_channel"
    assert error_of(client.chat_postMessage, channel="C_NONE", text="x") == "channel_not_found"


def test_post_to_user_id_opens_dm(sb: Sandbox, client: WebClient, ids: dict) -> None:
    resp = client.chat_postMessage(channel=ids["alice"], text="You are paged")
    assert resp["channel"].startswith("D") and sb.dm_channel("alice") == resp["channel"]
    assert sb.messages(resp["channel"])[0]["text"] == "You are paged"


def test_no_text_and_too_long(sb: Sandbox, client: WebClient, joined: dict) -> None:
    assert error_of(client.chat_postMessage, channel=joined["general"]) == "no_text"
    resp = client.chat_postMessage(channel=joined["general"], text="x" * 40_010)
    assert resp["warning"] == "message_truncated"
    assert len(sb.message("general", resp["ts"])["text"]) == 40_000
    assert error_of(client.chat_update, channel=joined["general"], ts=resp["ts"],
                    text="y" * 40_001) == "msg_too_long"


@pytest.mark.parametrize("blocks, pointer", [
    ([section("x")] * 51, "/blocks"),
    ([section("x" * 3001)], "/blocks/0/text/text"),
    ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "/blocks/0/fields"),
    ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
     "/blocks/0/fields/0/text"),
    ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text"),
    ([{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text",
                                                                   "text": "b" * 76}}]}],
     "/blocks/0/elements/0/text/text"),
    ([{"type": "actions", "elements": [{"type": "button", "value": "v" * 2001,
                                        "text": {"type": "plain_text", "text": "b"}}]}],
     "/blocks/0/elements/0/value"),
    ([{"type": "actions", "elements": [{"type": "button", "action_id": f"a{i}",
                                        "text": {"type": "plain_text", "text": "b"}}
                                       for i in range(26)]}], "/blocks/0/elements"),
    ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
     "/blocks/0/elements"),
    ([{"type": "section", "block_id": "b" * 256, "text": {"type": "mrkdwn", "text": "x"}}],
     "/blocks/0/block_id"),
    ([{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}],
     "/blocks/1/block_id"),
    ([{"type": "actions", "elements": [
        {"type": "button", "action_id": "dup", "text": {"type": "plain_text", "text": "a"}},
        {"type": "button", "action_id": "dup", "text": {"type": "plain_text", "text": "b"}}]}],
     "/blocks/0/elements/1/action_id"),
    ([{"type": "carousel"}], "/blocks/0/type"),
    ([{"type": "actions", "elements": [{"type": "fancy_widget"}]}], "/blocks/0/elements/0/type"),
])
def test_invalid_blocks(client: WebClient, joined: dict, blocks: list, pointer: str) -> None:
    from slack_sdk.errors import SlackApiError
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel=joined["general"], text="t", blocks=blocks)
    body = err.value.response.data
    assert body["error"] == "invalid_blocks"
    assert any(f"[json-pointer:{pointer}]" in m for m in body["response_metadata"]["messages"])
    assert body["errors"] and not body["errors"][0].startswith("[ERROR]")


def test_post_ephemeral(sb: Sandbox, client: WebClient, joined: dict) -> None:
    resp = client.chat_postEphemeral(channel=joined["general"], user=joined["alice"],
                                     text="only you")
    assert resp["message_ts"]
    seen = sb.ephemerals("alice", "general")
    assert seen[-1]["text"] == "only you" and seen[-1]["source"] == "ephemeral"
    assert seen[-1]["ts"] == resp["message_ts"]
    assert sb.ephemerals("bob") == []
    cid = client.conversations_create(name="eph")["channel"]["id"]
    assert error_of(client.chat_postEphemeral, channel=cid, user=joined["alice"], text="x") \
        == "user_not_in_channel"
    assert error_of(client.chat_postEphemeral, channel=cid, user=joined["alice"]) == "no_text"
    assert error_of(client.chat_postEphemeral, channel="C_NONE", user=joined["alice"],
                    text="x") == "channel_not_found"


def test_update_and_delete(sb: Sandbox, client: WebClient, joined: dict) -> None:
    cid = joined["general"]
    ts = client.chat_postMessage(channel=cid, text="v1")["ts"]
    resp = client.chat_update(channel=cid, ts=ts, text="v2", blocks=[section("*v2*")])
    assert resp["ts"] == ts and resp["text"] == "v2" and resp["message"]["blocks"]
    stored = sb.message("general", ts)
    assert stored["text"] == "v2" and "edited" in stored
    assert error_of(client.chat_update, channel=cid, ts="1.000001", text="x") \
        == "message_not_found"
    human = sb.as_user("alice").post("general", "mine")
    assert error_of(client.chat_update, channel=cid, ts=human, text="x") == "cant_update_message"
    assert error_of(client.chat_delete, channel=cid, ts=human) == "cant_delete_message"
    assert client.chat_delete(channel=cid, ts=ts)["ts"] == ts
    assert sb.message("general", ts) is None
    assert [m["text"] for m in sb.messages("general")] == ["mine"]
    assert error_of(client.chat_delete, channel=cid, ts=ts) == "message_not_found"


def test_get_permalink(sb: Sandbox, client: WebClient, joined: dict) -> None:
    ts = client.chat_postMessage(channel=joined["general"], text="x")["ts"]
    link = client.chat_getPermalink(channel=joined["general"], message_ts=ts)["permalink"]
    assert link == (f"https://warroom-sandbox.slack.com/archives/{joined['general']}/"
                    f"p{ts.replace('.', '')}")
    assert error_of(client.chat_getPermalink, channel=joined["general"], message_ts="1.000001") \
        == "message_not_found"


def test_thread_reply_and_broadcast(sb: Sandbox, client: WebClient, joined: dict) -> None:
    parent = client.chat_postMessage(channel=joined["general"], text="parent")["ts"]
    client.chat_postMessage(channel=joined["general"], text="quiet", thread_ts=parent)
    client.chat_postMessage(channel=joined["general"], text="loud", thread_ts=parent,
                            reply_broadcast=True)
    assert [m["text"] for m in sb.messages("general")] == ["parent", "loud"]
    assert [m["text"] for m in sb.messages("general", thread_ts=parent)] \
        == ["parent", "quiet", "loud"]
    assert sb.message("general", parent)["reply_count"] == 2
