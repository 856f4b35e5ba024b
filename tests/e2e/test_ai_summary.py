"""/incident summary through Slack with a local fake OpenAI-compatible endpoint (tests/fakes/openai.py):
answered at once, drafted from the record and the channel, posted marked as drafted by AI; a private
incident is not sent; a slow endpoint holds up nothing else and the asker is told; AI off says how to
turn it on (tests/e2e/test_ai_off.py)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import declare, last_text, newest_incident_channel, texts
from tests.fakes.openai import FakeChatCompletions

KEY = "sk-test-e2e-0123456789abcdef"


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("WARROOM_AI_KEY", KEY)
    server = FakeChatCompletions(KEY).start()
    yield server
    server.stop()


@pytest.fixture
def config_text(fake):
    return (f"ai: {{base_url: '{fake.url}/v1', model: warroom-test, api_key_env: WARROOM_AI_KEY, timeout: 1s, "
            "attempts: 2}\n")


def test_a_late_joiner_gets_a_summary_drafted_from_the_record_and_the_channel(bot, sandbox, fake):
    channel = declare(sandbox, bot, "Checkout errors sev2")["id"]
    alice, bob, carol = (sandbox.as_user(name) for name in ("alice", "bob", "carol"))
    bob.join(channel)
    alice.post(channel, "payments pods are crash-looping since 09:02")
    bob.post(channel, "EU customers see 502s at checkout")
    assert alice.command("/incident", "status identified Rolling back deploy 4411", channel=channel).ack == {}
    fake.answer("**Where we are**\n- Checkout fails for EU customers <!channel>\n- Deploy 4411 is being rolled back")
    carol.join(channel)
    asked = carol.command("/incident", "summary", channel=channel)
    assert "Drafting a catch-up summary of incident #1" in asked.ack["text"]
    assert asked.ack["response_type"] == "ephemeral"
    bot.settle()

    post = sandbox.messages(channel)[-1]
    shown = sandbox.render(post)
    assert "Catch-up summary of incident #1" in shown and "drafted by AI" in shown
    assert "• Checkout fails for EU customers" in shown and "• Deploy 4411 is being rolled back" in shown
    assert "Drafted by AI (warroom-test) for @carol from the incident's record and its last 2 channel messages" in shown
    raw = str(post["blocks"])
    assert "*Where we are*" in raw and "&lt;!channel&gt;" in raw, "markdown made mrkdwn; markup from the model defused"

    [prompt] = fake.prompts()
    for expected in ("Incident #1: Checkout errors", "Severity: SEV2", "Status: Identified", "Commander: @alice",
                     "Rolling back deploy 4411", "@alice: payments pods are crash-looping since 09:02",
                     "@bob: EU customers see 502s at checkout"):
        assert expected in prompt, f"{expected!r} not in:\n{prompt}"
    assert fake.received[0]["model"] == "warroom-test"

    # a private incident: nothing of it goes to the endpoint, and the asker is told why
    alice.command("/incident", "", channel="general")
    sandbox.wait_for(alice.view, message="declare form never opened")
    alice.submit_view({"title": "Leaked credentials", "severity": "sev1", "private": ["private"]})
    bot.settle()
    private = newest_incident_channel(sandbox)["id"]
    alice.post(private, "the key is in the public repo")
    refused = alice.command("/incident", "summary", channel=private).ack["text"]
    assert "Incident #2 is private" in refused and "nothing was sent" in refused
    assert "ai.private_incidents: record" in refused
    bot.settle()
    assert len(fake.received) == 1 and "Leaked credentials" not in "".join(fake.prompts())
    assert not any("drafted by AI" in t for t in texts(sandbox, private))


def test_a_slow_endpoint_holds_up_nothing_else_and_the_asker_is_told(bot, sandbox, fake):
    channel = declare(sandbox, bot, "Checkout errors sev2")["id"]
    alice, carol = sandbox.as_user("alice"), sandbox.as_user("carol")
    carol.join(channel)
    fake.slow(3)     # longer than the 1 s timeout, both tries
    asked = carol.command("/incident", "summary", channel=channel)
    assert "Drafting a catch-up summary" in asked.ack["text"]
    sandbox.wait_for(lambda: fake.received, message="the endpoint was never asked")

    # while the summary waits on the endpoint, other commands are answered and posted at once
    assert alice.command("/incident", "note Restarted the payments pods", channel=channel).ack == {}
    sandbox.wait_for(lambda: "Restarted the payments pods" in last_text(sandbox, channel), timeout=0.8,
                     message="the note waited behind the summary")
    assert not any("could not be drafted" in sandbox.render(r) for r in asked.replies)

    told = sandbox.render(asked.wait_reply(contains="could not be drafted", timeout=8))
    assert "The AI summary of incident #1 could not be drafted (tried 2 times): no answer within 1s" in told
    assert "Nothing else was held up" in told
    assert len(fake.received) == 2
    assert not any("drafted by AI" in t for t in texts(sandbox, channel))
    assert bot.query("SELECT state, attempts FROM outbox WHERE kind = 'ai.summarize'") == [("done", 2)]


def test_the_postmortem_draft_carries_the_narrative_marked_as_drafted_by_ai(bot, sandbox, fake):
    channel = declare(sandbox, bot, "Checkout errors sev2")["id"]
    fake.answer("At 09:02 the payments pods began crash-looping; the rollback of deploy 4411 ended it.")
    assert sandbox.as_user("alice").command("/incident", "resolve Rolled back", channel=channel).ack == {}
    bot.settle()
    [shared] = [m for m in sandbox.messages(channel) if m.get("files")]   # no postmortems channel: its own
    body = sandbox.file(shared["files"][0]["id"])["content"]
    assert "## Narrative (drafted by AI)\n\n> Drafted by AI" in body
    assert "the rollback of deploy 4411 ended it." in body and "Rolled back" in fake.prompts()[-1]
    assert bot.query("SELECT narrative FROM postmortem_versions") == \
        [("At 09:02 the payments pods began crash-looping; the rollback of deploy 4411 ended it.",)]
