"""Resolving: wrap-up, surfaces, postmortems summary; the timeline that writes itself."""

from datetime import timedelta

import pytest

from tests.e2e.helpers import declare, last_text, pinned_text


@pytest.fixture
def config_text(sandbox):
    sandbox.add_channel("postmortems", members=[sandbox.user("alice")["id"]])
    return "channels: {postmortems: postmortems}\n"


@pytest.fixture
def incident(bot, sandbox):
    return declare(sandbox, bot, "Checkout errors sev2")


def test_resolve_posts_wrapup_updates_surfaces_and_summarises_to_postmortems(bot, sandbox, incident):
    alice = sandbox.as_user("alice")
    alice.command("/incident", "status identified Bad deploy", channel=incident["id"]).ack
    ts = alice.post(incident["id"], "Rolling back build 512 now")
    alice.react(incident["id"], ts, "pushpin")
    alice.command("/incident", "followup Add canary checks @bob", channel=incident["id"]).ack
    bot.settle()
    bot.advance(timedelta(minutes=42))
    assert alice.command("/incident", "resolve Rolled back; errors gone", channel=incident["id"]).ack == {}
    bot.settle()
    wrapup = last_text(sandbox, incident["id"])
    for expected in ("Incident #1 resolved", "*Checkout errors* (SEV2) lasted *42 min*",
                     "*Summary:* Rolled back; errors gone", "*Root cause:* not recorded",
                     "Declared as SEV2 by @alice", "Identified: Bad deploy", "@alice: Rolling back build 512 now",
                     "Resolved by @alice", "*Open follow-ups*", "Add canary checks (@bob)"):
        assert expected in wrapup, expected
    assert sandbox.channel(incident["id"])["topic"]["value"].startswith("SEV2 | Resolved |")
    status = pinned_text(sandbox, incident["id"])
    assert "Resolved* after 42 min: Rolled back; errors gone" in status and "[Resolve]" not in status
    announcement = last_text(sandbox, "incidents")
    assert "*Resolved:* Checkout errors" in announcement and "Lasted 42 min" in announcement
    assert "[Join the channel]" not in announcement
    summary = last_text(sandbox, "postmortems")
    assert "Incident #1 resolved: Checkout errors* (SEV2, lasted 42 min)" in summary and "1 open follow-up" in summary
    assert bot.query("SELECT status, summary FROM incidents") == [("resolved", "Rolled back; errors gone")]
    assert bot.query("SELECT count(*) FROM timers") == [(0,)], "pulses stop on resolve"


def test_resolve_without_summary_opens_the_form_and_after_that_commands_are_refused(bot, sandbox, incident):
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "resolve", channel=incident["id"]).ack == {}
    assert sandbox.wait_for(alice.view)["callback_id"] == "incident_resolve"
    result = alice.submit_view({"summary": "DNS TTL too long", "root_cause": "Expired cert on <lb-2>",
                                "mitigation": "Rotated the cert"})
    assert result.ack == {}
    bot.settle()
    wrapup = last_text(sandbox, incident["id"])
    assert "*Root cause:* Expired cert on <lb-2>" in wrapup and "*Mitigation:* Rotated the cert" in wrapup
    again = alice.command("/incident", "status investigating back?", channel=incident["id"]).ack["text"]
    assert "was resolved <!date^" in again and "declare a new incident" in again
    assert alice.command("/incident", "resolve again", channel=incident["id"]).ack["text"].count("was resolved") == 1


def test_only_the_commander_resolves(bot, sandbox, incident):
    sandbox.as_user("bob").join(incident["id"])
    text = sandbox.as_user("bob").command("/incident", "resolve done", channel=incident["id"]).ack["text"]
    assert "Only the commander" in text and "resolve it" in text
    assert bot.query("SELECT status FROM incidents") == [("investigating",)]


def test_channel_messages_edits_deletes_and_pins_are_recorded(bot, sandbox, incident):
    bob = sandbox.as_user("bob")
    bob.join(incident["id"])
    first = bob.post(incident["id"], "I see 502s from the LB")
    second = bob.post(incident["id"], "typo message")
    bob.edit(incident["id"], first, "I see 503s from the LB")
    bob.delete(incident["id"], second)
    third = bob.post(incident["id"], "Found it: cert expired")
    bob.pin(incident["id"], third)
    bob.post("general", "not recorded: wrong channel")
    sandbox.wait_for(lambda: bot.query(
        "SELECT text, edited_at IS NOT NULL, deleted_at IS NOT NULL, is_key FROM timeline WHERE kind='message' ORDER BY id")
        == [("I see 503s from the LB", 1, 0, 0), ("typo message", 0, 1, 0), ("Found it: cert expired", 0, 0, 1)],
        message="timeline should mirror the channel")
