"""What must hold when Slack is slow, failing, redelivering or disconnecting."""

from tests.e2e.helpers import declare, last_text, pinned, texts


def incident_channels(sandbox):
    return [c for c in sandbox.channels() if c["name"].startswith("incident-")]


def test_acks_stay_fast_whatever_slack_latency(bot, sandbox):
    incident = declare(sandbox, bot, "Checkout errors sev2")
    sandbox.faults.latency(2.5)  # every Web API call now takes 2.5 s
    mark = len(sandbox.envelopes)
    alice = sandbox.as_user("alice")
    results = [alice.command("/incident", "declare Second problem sev3", channel="general"),
               alice.command("/incident", "status identified slow Slack", channel=incident["id"]),
               alice.command("/incident", "note still fast", channel=incident["id"])]
    assert all(not r.failed for r in results) and [r.ack is not None for r in results] == [True] * 3
    latencies = [e.ack_latency for e in sandbox.envelopes[mark:] if e.type == "slash_commands"]
    assert len(latencies) == 3 and max(latencies) < 1.0, latencies
    sandbox.faults.clear()
    bot.settle(timeout=30)
    assert len(incident_channels(sandbox)) == 2
    assert "slow Slack" in "\n".join(texts(sandbox, incident["id"]))


def test_429_and_5xx_on_every_write_are_retried_to_a_complete_state_without_duplicates(bot, sandbox):
    for method in ("conversations.create", "conversations.setTopic", "chat.postMessage", "pins.add",
                   "conversations.invite", "chat.update"):
        sandbox.faults.rate_limit(method, times=1, retry_after=1)
        sandbox.faults.server_error(method, times=1, status=503)
    result = sandbox.as_user("alice").command("/incident", "declare Flaky Slack sev2", channel="general")
    assert result.ack and not result.failed
    bot.settle(timeout=30)
    channels = incident_channels(sandbox)
    assert len(channels) == 1
    channel = channels[0]
    assert channel["topic"]["value"].startswith("SEV2 | Investigating")
    assert len(pinned(sandbox, channel["id"])) == 1 and len(sandbox.messages(channel["id"])) == 1
    assert len(sandbox.messages("incidents")) == 1
    assert sandbox.user("alice")["id"] in channel["members"]
    statuses = [c.http_status for c in sandbox.calls if c.method == "conversations.create"]
    assert statuses.count(429) == 1 and statuses.count(503) == 1 and statuses.count(200) == 1
    sandbox.as_user("alice").command("/incident", "status identified after the storm", channel=channel["id"]).ack
    bot.settle(timeout=30)
    assert "after the storm" in last_text(sandbox, channel["id"])


def test_a_redelivered_event_is_handled_once(bot, sandbox):
    incident = declare(sandbox, bot, "Duplicate events sev3")
    sandbox.faults.duplicate_next("events_api")
    sandbox.as_user("bob").join(incident["id"])
    sandbox.wait_for(lambda: any(e.retry_attempt == 1 for e in sandbox.envelopes), message="no redelivery")
    bot.settle()
    sandbox.wait_for(lambda: all(e.acked_at for e in sandbox.envelopes if e.type == "events_api"))
    assert bot.query("SELECT count(*) FROM timeline WHERE kind = 'joined' AND actor = ?",
                     (sandbox.user("bob")["id"],)) == [(1,)]


def test_the_bot_reconnects_after_a_disconnect_and_a_dropped_socket(bot, sandbox):
    sandbox.faults.disconnect(reason="refresh_requested")
    sandbox.wait_for(lambda: sandbox.connections >= 1, timeout=10)
    declare(sandbox, bot, "After refresh")
    sandbox.faults.drop_connections()
    sandbox.wait_for(lambda: sandbox.connections >= 1, timeout=20, message="no reconnect after drop")
    result = sandbox.as_user("alice").command("/incident", "list", channel="general")
    assert "After refresh" in result.ack["text"]


def test_bad_input_gets_a_clear_reply_and_state_stays_intact(bot, sandbox):
    incident = declare(sandbox, bot, "Bad input sev2")
    alice = sandbox.as_user("alice")
    cases = {
        "commander @ghost": "Write `/incident commander @person`",
        "role scribe": "Write `/incident role",
        "note": "Write `/incident note",
        "status " + "x" * 3100: "The update is 3,100 characters; keep it under 3,000",
        "followup": "Write `/incident followup",
        "severity sev1 now": "Write `/incident severity",
    }
    for text, expected in cases.items():
        reply = alice.command("/incident", text, channel=incident["id"]).ack["text"]
        assert expected in reply, (text, reply)
    assert bot.query("SELECT severity, status, commander FROM incidents") == [
        ("SEV2", "investigating", sandbox.user("alice")["id"])]
    assert bot.query("SELECT count(*) FROM timeline WHERE kind NOT IN ('declared', 'joined')") == [(0,)]


def test_a_channel_that_cannot_be_created_is_reported_to_the_declarer(bot, sandbox):
    sandbox.bot_scopes = sandbox.bot_scopes - {"channels:manage"}
    result = sandbox.as_user("alice").command("/incident", "declare No scope sev2", channel="general")
    assert result.ack
    reply = result.wait_reply(contains="could not create the channel", timeout=10)
    assert "missing_scope" in sandbox.render(reply) and "incident #1" in sandbox.render(reply)
    assert bot.query("SELECT kind FROM timeline WHERE kind = 'setup_failed'") == [("setup_failed",)]
    bot.settle()  # the reply is marked done just after Slack has it
    assert bot.query("SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)], "nothing left spinning"
