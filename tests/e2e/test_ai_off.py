"""/incident summary when warroom.yml has no ai: section: it says AI drafts are off and how to turn them on,
and nothing is recorded to draft."""

from __future__ import annotations

from tests.e2e.helpers import declare


def test_without_ai_config_the_command_says_how_to_turn_it_on(bot, sandbox):
    channel = declare(sandbox, bot, "Checkout errors sev2")["id"]
    alice = sandbox.as_user("alice")
    answer = alice.command("/incident", "summary", channel=channel).ack["text"]
    assert "AI drafts are off" in answer and "`ai:` section to warroom.yml" in answer and "api_key_env" in answer
    outside = alice.command("/incident", "summary", channel="general").ack["text"]
    assert "`/incident summary` works inside an incident's channel" in outside
    assert "/incident summary" in alice.command("/incident", "help", channel=channel).ack["text"]
    bot.settle()
    assert bot.query("SELECT count(*) FROM outbox WHERE kind = 'ai.summarize'") == [(0,)]
