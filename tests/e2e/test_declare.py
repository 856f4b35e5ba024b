"""Declaring an incident: the channel, topic, pinned status, announcement and answer, end to end."""

from harness import web_api_calls
from tests.e2e.helpers import (
    declare,
    last_text,
    newest_incident_channel,
    pinned_text,
    texts,
)


def test_declare_sets_up_channel_topic_pin_announcement_and_tells_the_declarer(bot, sandbox):
    result = sandbox.as_user("alice").command("/incident", "declare Checkout errors sev2", channel="general")
    assert "Declaring incident #1 (SEV2): Checkout errors" in result.ack["text"]
    bot.settle()
    channel = newest_incident_channel(sandbox)
    assert channel["name"].startswith("incident-") and channel["name"].endswith("-checkout-errors")
    assert channel["topic"]["value"] == "SEV2 | Investigating | Commander: @alice | Checkout errors"
    assert set(channel["members"]) == {sandbox.user("alice")["id"], sandbox.bot_user_id}
    status = pinned_text(sandbox, channel["id"])
    for expected in ("Incident #1: Checkout errors", "SEV2", "Investigating", "@alice", "Next update due",
                     "[Post update]", "[Resolve]"):
        assert expected in status
    announcement = last_text(sandbox, "incidents")
    assert "SEV2 incident declared:* Checkout errors" in announcement and f"#{channel['name']}" in announcement
    assert "[Join the channel]" in announcement
    reply = result.wait_reply(contains="declared")
    assert f"#{channel['name']}" in sandbox.render(reply) and "You are the commander" in sandbox.render(reply)
    rows = bot.query("SELECT id, title, severity, status, commander, channel_id FROM incidents")
    assert rows == [(1, "Checkout errors", "SEV2", "investigating", sandbox.user("alice")["id"], channel["id"])]
    assert bot.query("SELECT kind, is_key, actor FROM timeline ORDER BY id") == [
        ("declared", 1, sandbox.user("alice")["id"]), ("joined", 0, sandbox.user("alice")["id"])]


def test_a_warm_declare_takes_at_most_seven_web_api_calls(bot, sandbox):
    declare(sandbox, bot, "First one sev3")
    mark = sandbox.mark()
    declare(sandbox, bot, "Second one sev3")
    calls = [c.method for c in web_api_calls(sandbox, mark)]
    assert len(calls) <= 7, calls
    assert calls.count("conversations.create") == 1 and calls.count("pins.add") == 1


def test_severity_defaults_and_may_come_first(bot, sandbox):
    declare(sandbox, bot, "Database slow")
    declare(sandbox, bot, "sev1 Payments down")
    assert bot.query("SELECT title, severity FROM incidents ORDER BY id") == [
        ("Database slow", "SEV3"), ("Payments down", "SEV1")]


def test_name_collision_gets_a_suffix(bot, sandbox):
    first = declare(sandbox, bot, "API latency")
    second = declare(sandbox, bot, "API latency", user="bob")  # alice again would be her own retry
    assert second["name"] == first["name"] + "-2"
    assert bot.query("SELECT channel_name FROM incidents ORDER BY id") == [(first["name"],), (second["name"],)]


def test_an_existing_human_channel_with_the_name_is_not_taken_over(bot, sandbox):
    sandbox.add_channel("incident-x", members=[sandbox.user("bob")["id"]])
    bot.run(lambda: None)
    result = sandbox.as_user("alice").command("/incident", "declare x", channel="general")
    assert result.ack
    bot.settle()
    # the template gives incident-<date>-x, so a clash needs that exact name: make one and declare again
    taken = newest_incident_channel(sandbox)["name"]
    sandbox.add_channel(taken + "-2", members=[sandbox.user("bob")["id"]])
    declare(sandbox, bot, "x", user="bob")
    assert newest_incident_channel(sandbox)["name"] == taken + "-3"


def test_unicode_and_markup_in_titles_are_shown_as_typed_and_never_ping(bot, sandbox):
    channel = declare(sandbox, bot, "Zahlungen <5s für @carol & @here 🔥 sev1")
    title = bot.query("SELECT title FROM incidents")[0][0]
    assert title == "Zahlungen <5s für @carol & @here 🔥"
    assert channel["name"].endswith("zahlungen-5s-fur-carol-here")
    raw = sandbox.messages("incidents")[-1]
    assert "<!here>" not in str(raw["blocks"]) and "&lt;5s" in str(raw["blocks"])


def test_empty_and_huge_titles_are_refused_with_how_to_fix_and_nothing_recorded(bot, sandbox):
    huge = sandbox.as_user("alice").command("/incident", "declare " + "x" * 400 + " sev2", channel="general")
    assert "The title is 400 characters; keep it under 150" in huge.ack["text"]
    assert bot.query("SELECT count(*) FROM incidents") == [(0,)]
    assert not [c for c in sandbox.channels() if c["name"].startswith("incident-")]


def test_a_title_too_long_for_the_topic_is_shortened_there_only(bot, sandbox):
    sandbox.add_user("a" * 80, real_name="Someone With A Very Long Name")
    sandbox.as_user("a" * 80).join("general")
    title = ("Very long incident title " * 6)[:149] + "X"
    channel = declare(sandbox, bot, title, user="a" * 80)
    topic = channel["topic"]["value"]
    assert len(topic) <= 250 and topic.endswith("…") and topic.startswith("SEV3 | Investigating")
    assert bot.query("SELECT title FROM incidents")[0][0] == title


def test_declare_modal_opens_without_a_title_and_declares_private_incident(bot, sandbox):
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "", channel="general").ack == {}
    view = sandbox.wait_for(alice.view, message="declare modal never opened")
    assert view["callback_id"] == "incident_declare"
    bob = sandbox.user("bob")["id"]
    result = alice.submit_view({"title": "Leaked credentials", "severity": "sev1", "commander": bob,
                                "description": "Keys <in> a public repo", "private": ["private"]})
    assert result.ack == {} and alice.view() is None
    bot.settle()
    channel = newest_incident_channel(sandbox)
    assert channel["is_private"] and bob in channel["members"]
    assert bot.query("SELECT severity, commander, is_private, description FROM incidents") == [
        ("SEV1", bob, 1, "Keys &lt;in&gt; a public repo")]
    assert not any("Leaked credentials" in t for t in texts(sandbox, "incidents")), "private incidents are not announced"
    assert "Keys <in> a public repo" in pinned_text(sandbox, channel["id"])


def test_declare_modal_shows_field_errors_and_keeps_the_form(bot, sandbox):
    alice = sandbox.as_user("alice")
    alice.command("/incident", "declare", channel="general")
    sandbox.wait_for(alice.view)
    result = alice.submit_view({"title": "   "})
    assert "title" in (result.errors or {}) and "empty" in result.errors["title"]
    assert alice.view() is not None and bot.query("SELECT count(*) FROM incidents") == [(0,)]


def test_message_shortcut_prefills_the_modal(bot, sandbox):
    carol = sandbox.as_user("carol")
    ts = carol.post("general", "Checkout is throwing 500s for everyone in EU, says @bob")
    alice = sandbox.as_user("alice")
    alice.message_shortcut("declare_incident_from_message", "general", ts)
    view = sandbox.wait_for(alice.view)
    title_block = next(b for b in view["blocks"] if b.get("block_id") == "title")
    # people are named as people know them, not by ID (the message text has <@U…> only)
    assert title_block["element"]["initial_value"] == "Checkout is throwing 500s for everyone in EU, says @bob"
    alice.submit_view({"severity": "sev2"})
    bot.settle()
    assert bot.query("SELECT title, severity FROM incidents") == [
        ("Checkout is throwing 500s for everyone in EU, says @bob", "SEV2")]


def test_join_button_on_the_announcement_invites_the_clicker(bot, sandbox):
    channel = declare(sandbox, bot, "Search down")
    announcement = sandbox.messages("incidents")[-1]
    result = sandbox.as_user("dave").click("Join the channel", message=announcement)
    assert result.ack == {}
    sandbox.wait_for(lambda: sandbox.user("dave")["id"] in sandbox.channel(channel["id"])["members"])
    assert "Adding you" in sandbox.render(result.wait_reply(contains="Adding you"))


def test_private_incidents_are_shown_only_to_the_people_in_them(bot, sandbox):
    alice = sandbox.as_user("alice")
    alice.command("/incident", "declare", channel="general").ack
    sandbox.wait_for(alice.view)
    alice.submit_view({"title": "Secret leak", "private": ["private"]})
    declare(sandbox, bot, "Public outage")
    carol = sandbox.as_user("carol")
    listing = carol.command("/incident", "list", channel="general").ack["text"]
    assert "Public outage" in listing and "Secret leak" not in listing
    assert "There is no incident #1" in carol.command("/incident", "show 1", channel="general").ack["text"]
    assert "Secret leak" in alice.command("/incident", "list", channel="general").ack["text"]
    assert "Secret leak" in sandbox.render(alice.command("/incident", "show 1", channel="general").ack)
    assert "Write `/incident show" in carol.command("/incident", "show 99999999999999999999",
                                                   channel="general").ack["text"]
