"""Events a person's actions produce, and Slack's delivery rules for them."""

from __future__ import annotations

from slack_sdk import WebClient

from sandbox import Sandbox

from .helpers import RawApp


def test_no_message_events_until_the_bot_is_a_member(sb: Sandbox, raw_app: RawApp,
                                                     client: WebClient, ids: dict) -> None:
    alice = sb.as_user("alice")
    alice.post("general", "before")
    client.conversations_join(channel=ids["general"])
    joined = raw_app.wait_event("member_joined_channel")
    assert joined == {**joined, "user": sb.bot_user_id, "channel": ids["general"],
                      "channel_type": "C"}
    ts = alice.post("general", "after")
    event = raw_app.wait_event("message", text="after")
    assert not [e for e in raw_app.events("message") if e.get("text") == "before"]
    assert event["ts"] == ts and event["event_ts"] == ts and event["channel_type"] == "channel"
    assert event["user"] == ids["alice"] and event["client_msg_id"]
    assert event["blocks"][0]["type"] == "rich_text" and event["team"] == sb.team_id


def test_event_wrapper(sb: Sandbox, raw_app: RawApp, client: WebClient, ids: dict) -> None:
    client.conversations_join(channel=ids["general"])
    sb.as_user("alice").post("general", "wrapped")
    frame = raw_app.wait(lambda f: f.get("type") == "events_api"
                         and f["payload"]["event"].get("text") == "wrapped")
    assert frame["accepts_response_payload"] is False
    assert frame["retry_attempt"] == 0 and frame["retry_reason"] == ""
    payload = frame["payload"]
    assert payload["type"] == "event_callback" and payload["event_id"].startswith("Ev")
    assert payload["team_id"] == sb.team_id and payload["api_app_id"] == sb.app_id
    assert payload["authorizations"][0]["user_id"] == sb.bot_user_id
    assert payload["authorizations"][0]["is_bot"] is True
    assert isinstance(payload["event_time"], int)


def test_bot_posts_edits_deletes(sb: Sandbox, raw_app: RawApp, client: WebClient,
                                 ids: dict) -> None:
    client.conversations_join(channel=ids["general"])
    ts = client.chat_postMessage(channel=ids["general"], text="from bot")["ts"]
    own = raw_app.wait_event("message", text="from bot")
    assert own["bot_id"] == sb.bot_id and own["user"] == sb.bot_user_id
    alice = sb.as_user("alice")
    mine = alice.post("general", "typo")
    alice.edit("general", mine, "fixed")
    changed = raw_app.wait_event("message", subtype="message_changed")
    assert changed["message"]["text"] == "fixed" and changed["previous_message"]["text"] == "typo"
    assert changed["message"]["edited"]["user"] == ids["alice"]
    alice.delete("general", mine)
    deleted = raw_app.wait_event("message", subtype="message_deleted")
    assert deleted["deleted_ts"] == mine and deleted["previous_message"]["text"] == "fixed"
    assert [m["ts"] for m in sb.messages("general")] == [ts]


def test_app_mention_and_escaping(sb: Sandbox, raw_app: RawApp, client: WebClient,
                                  ids: dict) -> None:
    client.conversations_join(channel=ids["general"])
    sb.add_usergroup("backend", users=["bob"])
    sb.as_user("alice").post("general",
                             "@warroom ping @bob and @backend in #incidents: "
                             "see https://status.example.com/x?a=1&b=2 <now>")
    event = raw_app.wait_event("message")
    assert event["text"].startswith(f"<@{sb.bot_user_id}> ping")
    assert f"<@{ids['bob']}>" in event["text"]
    assert "<!subteam^" in event["text"] and f"<#{ids['incidents']}|incidents>" in event["text"]
    assert "<https://status.example.com/x?a=1&amp;b=2>" in event["text"]
    assert "&lt;now&gt;" in event["text"]
    mention = raw_app.wait_event("app_mention")
    assert mention["user"] == ids["alice"] and mention["channel"] == ids["general"]


def test_reactions_pins_membership_events(sb: Sandbox, raw_app: RawApp, client: WebClient,
                                          ids: dict) -> None:
    client.conversations_join(channel=ids["general"])
    alice = sb.as_user("alice")
    ts = client.chat_postMessage(channel=ids["general"], text="status")["ts"]
    alice.react("general", ts, ":eyes:")
    added = raw_app.wait_event("reaction_added")
    assert added["reaction"] == "eyes" and added["item"] == {"type": "message",
                                                             "channel": ids["general"], "ts": ts}
    assert added["item_user"] == sb.bot_user_id and added["user"] == ids["alice"]
    alice.unreact("general", ts, "eyes")
    raw_app.wait_event("reaction_removed", reaction="eyes")
    alice.pin("general", ts)
    pinned = raw_app.wait_event("pin_added")
    assert pinned["item"]["message"]["ts"] == ts and pinned["channel_id"] == ids["general"]
    sb.as_user("dave").leave("general")
    raw_app.wait_event("member_left_channel", user=ids["dave"])
    sb.as_user("dave").join("general")
    raw_app.wait_event("member_joined_channel", user=ids["dave"])


def test_dm_and_home(sb: Sandbox, raw_app: RawApp, client: WebClient, ids: dict) -> None:
    alice = sb.as_user("alice")
    alice.post("dm", "help")
    event = raw_app.wait_event("message", text="help")
    assert event["channel_type"] == "im" and event["channel"] == sb.dm_channel("alice")
    alice.open_home()
    opened = raw_app.wait_event("app_home_opened")
    assert opened["tab"] == "home" and "view" not in opened
    client.views_publish(user_id=ids["alice"], view={"type": "home", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]})
    alice.open_home()
    sb.wait_for(lambda: len(raw_app.events("app_home_opened")) == 2)
    assert raw_app.events("app_home_opened")[1]["view"]["type"] == "home"


def test_manifest_subscriptions_and_scopes_filter_events(msb: Sandbox) -> None:
    app = RawApp(msb).connect()
    client = WebClient(token=msb.bot_token, base_url=msb.api_url)
    general = msb.channel("general")["id"]
    client.conversations_join(channel=general)
    alice = msb.as_user("alice")
    ts = alice.post("general", "one")
    alice.react("general", ts, "eyes")
    alice.unreact("general", ts, "eyes")      # reaction_removed is not subscribed
    app.wait_event("reaction_added")
    msb.bot_scopes.discard("channels:history")
    alice.post("general", "two")               # message.channels needs channels:history
    alice.react("general", ts, "fire")
    app.wait_event("reaction_added", reaction="fire")  # events reach a link in order: "two" would be here
    assert [e["text"] for e in app.events("message")] == ["one"]
    assert app.events("reaction_removed") == []
    app.close()
