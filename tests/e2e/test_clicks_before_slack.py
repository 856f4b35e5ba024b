"""A click on an incident's buttons is acked before warroom asks Slack anything (Slack allows 3 s).
Whether the clicker is in the channel comes from memory: warroom knows the members of a channel it
made, reads the open incidents' channels at start in the background, and while a channel's members
are not known yet treats the clicker as a slash command typed in the channel (allowed)."""

import time

from harness import make_config
from harness.bots import BotThread
from tests.e2e.helpers import declare

SLOW = 5.0    # seconds Slack takes to answer conversations.members: over the 3 s a click may take


def acked_at_once(result) -> bool:
    return not result.failed and result.envelope.ack_latency < 1.0


def status_message(sandbox, channel):
    return next(m for m in sandbox.messages(channel) if "Post update" in sandbox.render(m))


def test_after_a_restart_a_click_is_acked_at_once_while_slack_lists_members_slowly(sandbox, database_url):
    first = BotThread(sandbox, make_config(), database_url).start()
    try:
        incident = declare(sandbox, first, "Checkout errors sev2")
    finally:
        first.stop()
    sandbox.faults.latency(SLOW, "conversations.members")
    bot = BotThread(sandbox, make_config(), database_url).start()   # a restart: nothing in memory
    try:
        alice = sandbox.as_user("alice")
        began = time.monotonic()
        result = alice.click("Post update", message=status_message(sandbox, incident["id"]))
        assert acked_at_once(result), "the click was not acked at once"
        view = sandbox.wait_for(alice.view, message="the member got no form")
        assert view["callback_id"] == "incident_update" and time.monotonic() - began < SLOW
        alice.close_view()
        # meanwhile the members were read in the background: then a stranger's click is refused, at once
        dave = sandbox.user("dave")["id"]
        sandbox.wait_for(lambda: bot.run(lambda: bot.bot.directory.cached_membership(incident["id"], dave)) is False,
                         timeout=3 * SLOW, message="the members were never read")
        result = sandbox.as_user("dave").click("Resolve", message=status_message(sandbox, incident["id"]))
        assert "Join it first" in sandbox.render(result.wait_reply(contains="act on incident #1"))
        assert acked_at_once(result) and sandbox.as_user("dave").view() is None
    finally:
        bot.stop()


def test_a_channel_warroom_made_needs_no_conversations_members(bot, sandbox):
    sandbox.faults.latency(SLOW, "conversations.members")
    incident = declare(sandbox, bot, "Checkout errors sev2")
    status = status_message(sandbox, incident["id"])
    refused = sandbox.as_user("dave").click("Post update", message=status)
    assert "Join it first" in sandbox.render(refused.wait_reply(contains="act on incident #1"))
    assert acked_at_once(refused)
    alice = sandbox.as_user("alice")    # the declarer, invited by warroom
    assert acked_at_once(alice.click("Post update", message=status))
    sandbox.wait_for(alice.view, message="the member got no form")
    assert not [c for c in sandbox.calls if c.method == "conversations.members"]
