"""Issue 8 bugs 2, 6 and 12 and issue 7 items 5 and 9, end to end through the sandbox."""

import copy
from datetime import timedelta

import pytest

from bot.effects import port
from harness import MANIFEST, make_config
from harness.bots import BotThread
from sandbox import Sandbox
from tests.e2e.helpers import declare, last_text, pinned_text, texts


@pytest.fixture
def config_text(sandbox):
    managers = sandbox.add_usergroup("incident-managers", users=[sandbox.user("carol")["id"]])
    return f"incident_managers: {managers}\n"


@pytest.fixture
def incident(bot, sandbox):
    return declare(sandbox, bot, "Checkout errors sev2")


def command(sandbox, bot, user, text, channel):
    ack = sandbox.as_user(user).command("/incident", text, channel=channel).ack
    bot.settle()
    return ack


def test_the_running_bot_implements_every_effect_and_surface_of_the_port(bot):
    assert set(bot.bot.runner.handlers) == \
        set(port.EFFECT_KINDS) | set(port.NOTIFY_EFFECT_KINDS) | set(port.AI_EFFECT_KINDS)
    assert set(bot.bot.surfaces.renderers) == set(port.SURFACES)


@pytest.mark.parametrize("should_escape", [True, False])
def test_a_link_is_taken_linked_or_not(tmp_path, should_escape):
    """Slack links a URL in the command text as <https://…> when the command asks it to escape; without
    escaping the URL arrives as typed. Both are links."""
    manifest = copy.deepcopy(MANIFEST)
    for command_spec in manifest["features"]["slash_commands"]:
        command_spec["should_escape"] = should_escape
    with Sandbox(manifest) as sandbox:
        sandbox.seed_demo()
        bot = BotThread(sandbox, make_config(), str(tmp_path / "w.db")).start()
        try:
            incident = declare(sandbox, bot, "Checkout errors sev2")
            ack = command(sandbox, bot, "alice", "link https://runbooks.example.com/cdn?a=1&b=2 CDN runbook",
                          incident["id"])
            assert ack == {}
            bookmarks = sandbox.channel(incident["id"])["bookmarks"]
            assert [(b["title"], b["link"]) for b in bookmarks] == [
                ("CDN runbook", "https://runbooks.example.com/cdn?a=1&b=2")]
            assert "CDN runbook" in pinned_text(sandbox, incident["id"])
            ack = command(sandbox, bot, "alice", "link runbooks.example.com/cdn", incident["id"])
            assert "is not a web link" in ack["text"] and "https://" in ack["text"]
        finally:
            bot.stop()


def test_a_severity_that_does_not_exist_is_named_not_put_in_the_title(bot, sandbox):
    ack = sandbox.as_user("alice").command("/incident", "declare Test sev9", channel="general").ack
    assert "`sev9` is not a severity" in ack["text"]
    for key in ("sev1", "sev2", "sev3", "sev4"):
        assert key in ack["text"]
    assert bot.query("SELECT count(*) FROM incidents") == [(0,)]


def test_the_commander_reopens_a_resolved_incident(bot, sandbox, incident):
    command(sandbox, bot, "alice", "status identified Bad deploy", incident["id"])
    command(sandbox, bot, "alice", "resolve Rolled back", incident["id"])
    assert "Resolved" in pinned_text(sandbox, incident["id"])
    sandbox.as_user("bob").join(incident["id"])
    ack = command(sandbox, bot, "bob", "reopen", incident["id"])
    assert "Only the commander" in ack["text"]
    ack = command(sandbox, bot, "alice", "reopen Errors are back after the rollback", incident["id"])
    assert "is open again (Identified)" in ack["text"]
    assert "@alice reopened the incident; it is *Identified* again" in last_text(sandbox, incident["id"])
    status = pinned_text(sandbox, incident["id"])
    assert "Identified" in status and "[Post update]" in status
    assert sandbox.channel(incident["id"])["topic"]["value"].startswith("SEV2 | Identified |")
    assert "[Join the channel]" in texts(sandbox, "incidents")[-1]
    assert bot.query("SELECT status, resolved_at FROM incidents") == [("identified", None)]
    assert bot.query("SELECT kind, is_key FROM timeline WHERE kind = 'reopened'") == [("reopened", 1)]
    # pulses are back: SEV2 reminds after 30 minutes of silence
    bot.advance(timedelta(minutes=31))
    sandbox.wait_for(lambda: "no status update on this" in last_text(sandbox, incident["id"]), timeout=10)
    ack = command(sandbox, bot, "alice", "reopen", incident["id"])
    assert "is not resolved" in ack["text"]


def test_a_repeated_declare_is_recognised_as_the_retry_it_is(bot, sandbox):
    first = sandbox.as_user("alice").command("/incident", "declare Ghost test sev2", channel="general").ack
    assert "Declaring incident #1" in first["text"]
    again = sandbox.as_user("alice").command("/incident", "declare Ghost test sev2", channel="general").ack
    assert "You declared this a moment ago: incident #1" in again["text"]
    bot.settle()
    assert bot.query("SELECT count(*) FROM incidents") == [(1,)]
    assert not [c for c in sandbox.channels() if c["name"].endswith("ghost-test-2")]
    other = sandbox.as_user("bob").command("/incident", "declare Ghost test sev2", channel="general").ack
    assert "Declaring incident #2" in other["text"], "someone else's declare is their own"
    bot.advance(timedelta(minutes=3))
    later = sandbox.as_user("alice").command("/incident", "declare Ghost test sev2", channel="general").ack
    assert "Declaring incident #3" in later["text"], "after the retry window it is a new incident"


def test_one_person_cannot_declare_a_flood(bot, sandbox):
    alice = sandbox.as_user("alice")
    for n in range(5):
        assert "Declaring incident" in alice.command("/incident", f"declare Thing {n}", channel="general").ack["text"]
    refused = alice.command("/incident", "declare Thing 6", channel="general").ack
    assert "You declared 5 incidents in the last minute" in refused["text"]
    assert bot.query("SELECT count(*) FROM incidents") == [(5,)]
    bot.advance(timedelta(seconds=61))
    assert "Declaring incident #6" in alice.command("/incident", "declare Thing 6", channel="general").ack["text"]


def test_roles_and_snooze_are_for_the_commander_and_managers(bot, sandbox, incident):
    sandbox.as_user("bob").join(incident["id"])
    sandbox.as_user("carol").join(incident["id"])
    ack = command(sandbox, bot, "bob", "role scribe @bob", incident["id"])
    assert "Only the commander" in ack["text"] and "assign roles" in ack["text"]
    assert command(sandbox, bot, "carol", "role scribe @bob", incident["id"]) == {}  # an incident manager
    assert command(sandbox, bot, "alice", "role communications @carol", incident["id"]) == {}
    bot.advance(timedelta(minutes=31))
    sandbox.wait_for(lambda: "no status update on this" in last_text(sandbox, incident["id"]), timeout=10)
    reminder = sandbox.messages(incident["id"])[-1]
    click = sandbox.as_user("bob").click("Snooze 30 min", message=reminder)
    assert click.ack is not None
    refusal = click.wait_reply(contains="Only the commander")
    assert "snooze the reminders" in sandbox.render(refusal)
    assert bot.query("SELECT snoozed_until FROM incidents") == [(None,)]


def test_a_followup_is_marked_done_by_its_owner_the_commander_or_a_manager(bot, sandbox, incident):
    for person in ("bob", "dave"):
        sandbox.as_user(person).join(incident["id"])
    command(sandbox, bot, "bob", "followup Add canary checks @bob", incident["id"])
    command(sandbox, bot, "bob", "followup Write the postmortem", incident["id"])
    listing = sandbox.as_user("dave").command("/incident", "followups", channel=incident["id"])
    message = listing.wait_reply(contains="Follow-ups")
    click = sandbox.as_user("dave").click("Mark done", message=message)
    assert "Only the follow-up's owner" in sandbox.render(click.wait_reply(contains="Only the"))
    assert bot.query("SELECT count(*) FROM followups WHERE done_at IS NOT NULL") == [(0,)]
    mine = sandbox.as_user("bob").command("/incident", "followups", channel=incident["id"]).wait_reply(
        contains="Follow-ups")
    sandbox.as_user("bob").click("Mark done", message=mine).ack
    sandbox.wait_for(lambda: bot.query("SELECT id FROM followups WHERE done_at IS NOT NULL") == [(1,)])
    commander = sandbox.as_user("alice").command("/incident", "followups", channel=incident["id"]).wait_reply(
        contains="Follow-ups")
    sandbox.as_user("alice").click("Mark done", message=commander).ack
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM followups WHERE done_at IS NOT NULL") == [(2,)])


def test_a_large_group_is_paged_only_after_its_size_is_confirmed(bot, sandbox, incident):
    """Issue 7 item 9: naming a 30-person group by hand asks first; confirming pages all of them."""
    members = [sandbox.add_user(f"engineer{n}") for n in range(30)]
    sandbox.add_usergroup("engineering", users=members)
    ack = command(sandbox, bot, "alice", "escalate @engineering", incident["id"])
    assert ack == {}
    bot.settle()
    assert bot.query("SELECT count(*) FROM pages") == [(0,)]
    alice_dm = sandbox.dm_channel(sandbox.user("alice")["id"])
    question = sandbox.wait_for(lambda: next((m for m in sandbox.messages(alice_dm)
                                              if "has *30* members" in m["text"]), None))
    assert "nobody has been paged yet" in sandbox.render(question)
    sandbox.as_user("alice").click("Page all 30", message=question).ack
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM pages") == [(30,)], timeout=15)
    assert sorted(r[0] for r in bot.query("SELECT user_id FROM pages")) == sorted(members)


def confirmation_question(sandbox, count):
    alice_dm = sandbox.dm_channel(sandbox.user("alice")["id"])
    return sandbox.wait_for(lambda: next((m for m in sandbox.messages(alice_dm) if f"*{count}*" in m["text"]), None),
                            message=f"alice was never asked about paging {count} people")


def test_groups_and_people_named_together_count_towards_one_cap(bot, sandbox, incident):
    """Review 7: three groups of 12 (each under the cap) and people named one by one are counted
    together. The two named one by one are paged at once (two are within the cap); the 36 in the
    groups only once alice confirms."""
    for g in range(3):
        sandbox.add_usergroup(f"team{g}", users=[sandbox.add_user(f"team{g}member{n}") for n in range(12)])
    ack = command(sandbox, bot, "alice", "escalate @team0 @team1 @team2 @bob @carol", incident["id"])
    assert ack == {}
    question = confirmation_question(sandbox, 38)
    assert ("This page would wake *38* people: @team0, @team1, @team2 and the 2 named one by one. Paging that "
            "many wakes every one of them; 2 of them have been paged, the other 36 not yet") in sandbox.render(question)
    assert bot.query("SELECT count(*) FROM pages") == [(2,)]
    sandbox.as_user("alice").click("Page all 38", message=question).ack
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM pages") == [(38,)], timeout=15)


def test_many_people_named_one_by_one_are_paged_after_confirming(bot, sandbox, incident):
    names = [f"responder{n}" for n in range(30)]
    ids = [sandbox.add_user(name) for name in names]
    ack = command(sandbox, bot, "alice", "escalate " + " ".join(f"@{n}" for n in names), incident["id"])
    assert ack == {}
    question = confirmation_question(sandbox, 30)
    assert "nobody has been paged yet" in sandbox.render(question)
    assert bot.query("SELECT count(*) FROM pages") == [(0,)]
    sandbox.as_user("alice").click("Page all 30", message=question).ack
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM pages") == [(30,)], timeout=15)
    assert sorted(r[0] for r in bot.query("SELECT user_id FROM pages")) == sorted(ids)


def test_a_small_group_is_paged_at_once(bot, sandbox, incident):
    sandbox.add_usergroup("dbas", users=[sandbox.user("bob")["id"], sandbox.user("carol")["id"]])
    command(sandbox, bot, "alice", "escalate @dbas", incident["id"])
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM pages") == [(2,)])


def test_only_people_in_the_channel_use_a_public_incidents_buttons(bot, sandbox, incident):
    """Issue 7 item 10: the member cache starts from conversations.members and follows join and leave."""
    status = next(m for m in sandbox.messages(incident["id"]) if "Post update" in sandbox.render(m))
    dave = sandbox.as_user("dave")
    refusal = dave.click("Post update", message=status).wait_reply(contains="act on incident #1")
    assert "Join it first" in sandbox.render(refusal)
    assert dave.view() is None, "no form opened"
    dave.join(incident["id"])
    sandbox.wait_for(lambda: "joined" in [k for (k,) in bot.query("SELECT kind FROM timeline")])
    dave.click("Post update", message=status).ack
    view = sandbox.wait_for(dave.view, message="a member gets the form")
    assert view["callback_id"] == "incident_update"
    dave.close_view()
    dave.leave(incident["id"])
    bot.settle()
    refusal = dave.click("Resolve", message=status).wait_reply(contains="act on incident #1")
    assert "Join it first" in sandbox.render(refusal)


def test_finished_replies_forget_their_response_url(bot, sandbox):
    """Issue 7 item 17: a live response_url posts as the app for half an hour; history keeps none."""
    sandbox.as_user("alice").command("/incident", "declare Secrets check sev2", channel="general").ack
    bot.settle()
    replies = bot.query("SELECT state, payload FROM outbox WHERE kind = 'message.reply'")
    assert replies and all(state == "done" for state, _ in replies)
    assert not [payload for _, payload in replies if "response_url" in payload]


def test_a_private_incidents_name_stays_out_of_the_log(bot, sandbox, caplog):
    import logging

    caplog.set_level(logging.INFO)  # what production writes (bot.logs keeps libraries at WARNING)
    alice = sandbox.as_user("alice")
    alice.shortcut("declare_incident").ack
    sandbox.wait_for(alice.view)
    alice.submit_view({"title": "Acquisition of Initech", "severity": "sev2", "private": ["private"]})
    bot.settle()
    channel = next(c for c in sandbox.channels() if c["name"].startswith("incident-"))
    assert channel["is_private"] and "acquisition-of-initech" in channel["name"]
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "incident.declared" in logged and "incident.channel_created" in logged
    assert "initech" not in logged.lower()
