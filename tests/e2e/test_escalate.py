"""/incident escalate: invite people and page them by DM until someone acknowledges."""

from tests.e2e.helpers import declare, last_text


def dm_texts(sandbox, user):
    channel = sandbox.dm_channel(sandbox.user(user)["id"])
    return [sandbox.render(m) for m in sandbox.messages(channel)] if channel else []


def test_escalate_invites_and_pages_people_and_groups_until_acknowledged(bot, sandbox):
    incident = declare(sandbox, bot, "Payments down sev1")
    sandbox.add_usergroup("backend", users=[sandbox.user("carol")["id"], sandbox.user("dave")["id"]])
    result = sandbox.as_user("alice").command("/incident", "escalate @bob @backend", channel=incident["id"])
    assert result.ack == {}
    bot.settle()
    members = sandbox.channel(incident["id"])["members"]
    for name in ("bob", "carol", "dave"):
        assert sandbox.user(name)["id"] in members, f"{name} was not invited"
        page = dm_texts(sandbox, name)
        assert len(page) == 1 and "You are being paged" in page[0] and "Incident #1 (SEV1): Payments down" in page[0]
        assert "[Acknowledge] [Acknowledge with note]" in page[0]
    assert "@alice paged @bob," in last_text(sandbox, incident["id"])
    bob_dm = sandbox.messages(sandbox.dm_channel(sandbox.user("bob")["id"]))[-1]
    sandbox.faults.latency(1.0, "chat.update")  # carol's DM will still show the button for a moment
    assert sandbox.as_user("bob").click("Acknowledge", message=bob_dm).ack == {}
    carol_dm = sandbox.messages(sandbox.dm_channel(sandbox.user("carol")["id"]))[-1]
    late = sandbox.as_user("carol").click("Acknowledge", message=carol_dm)
    assert "@bob" in sandbox.render(late.wait_reply(contains="already acknowledged"))
    sandbox.faults.clear()
    bot.settle()
    for name in ("bob", "carol", "dave"):
        page = dm_texts(sandbox, name)[-1]
        assert "@bob acknowledged 20" in page and "[Acknowledge]" not in page, name   # "today at 05:16" in Slack
    assert "@bob acknowledged the page." in last_text(sandbox, incident["id"])
    assert bot.query("SELECT state, acked_by FROM escalations") == [("acknowledged", sandbox.user("bob")["id"])]
    # carol's late click was answered with who acted, and never flipped state back
    assert bot.query("SELECT state, acked_by FROM escalations") == [("acknowledged", sandbox.user("bob")["id"])]


def test_acknowledge_with_a_note(bot, sandbox):
    incident = declare(sandbox, bot, "Queue stuck sev2")
    sandbox.as_user("alice").command("/incident", "escalate @bob", channel=incident["id"]).ack
    bot.settle()
    bob = sandbox.as_user("bob")
    bob.click("Acknowledge with note", message=sandbox.messages(sandbox.dm_channel(sandbox.user("bob")["id"]))[-1]).ack
    sandbox.wait_for(bob.view)
    bob.submit_view({"note": "On it, ETA 10 min"})
    bot.settle()
    assert "“On it, ETA 10 min”" in dm_texts(sandbox, "bob")[-1]
    assert "@bob acknowledged the page: “On it, ETA 10 min”." in last_text(sandbox, incident["id"])


def test_escalate_needs_mentions(bot, sandbox):
    incident = declare(sandbox, bot, "Queue stuck sev2")
    text = sandbox.as_user("alice").command("/incident", "escalate bob", channel=incident["id"]).ack["text"]
    assert "I can't page `bob`" in text
    assert "Write `/incident escalate" in sandbox.as_user("alice").command(
        "/incident", "escalate", channel=incident["id"]).ack["text"]
