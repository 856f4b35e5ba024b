"""A page that goes beyond Slack: every method in turn, Do Not Disturb, and a failing method that
falls through to the next; each attempt and outcome in the page's history and the alert's log."""

from __future__ import annotations

import time

import pytest

from tests.fakes.server import wait_until
from tests.notify.conftest import ALICE_PHONE, notify_yaml
from tests.notify.helpers import escalation_state, history, later, page_text, raise_alert, states


@pytest.fixture
def config_text(sandbox, fakes):
    return notify_yaml(sandbox, fakes)


def test_a_whole_escalation_reaches_alice_every_way_in_turn_until_she_acknowledges(bot, sandbox, fakes):
    alert_id = raise_alert(sandbox, bot)
    wait_until(lambda: states(bot).get("slack") == "sent", message="the Slack step never happened")
    wait_until(lambda: "You are being paged" in page_text(sandbox), message="no Slack page")
    assert not fakes.ntfy.messages, "push waits for its minute"
    later(bot, 1)
    push = wait_until(lambda: fakes.ntfy.to("alice-pages"))[0]
    assert push.title == f"Alert #{alert_id} (high): Checkout 5xx above 5%" and push.priority == 5
    assert [a["label"] for a in push.actions] == ["Acknowledge", "Open"] and "/ack/" in push.actions[0]["url"]
    later(bot, 1)
    pushover = wait_until(lambda: fakes.pushover.messages)[0]
    assert pushover.priority == 2 and pushover.receipt and "/ack/" in pushover.url
    later(bot, 1)
    mail = wait_until(lambda: fakes.smtp.to("alice@example.com"))[0]
    assert mail["Subject"] == f"[warroom] Alert #{alert_id} (high): Checkout 5xx above 5%"
    assert mail["Auto-Submitted"] == "auto-generated" and "/ack/" in mail.get_content()
    later(bot, 1)
    hook = wait_until(lambda: fakes.hook.received)[0]
    assert hook["type"] == "page.notification" and hook["data"]["id"] == alert_id
    assert "/ack/" in hook["data"]["acknowledge_url"]
    later(bot, 1)
    sms = wait_until(lambda: fakes.twilio.sms)[0]
    assert sms.to == ALICE_PHONE and "Reply 1 or ACK" in sms.body and f"Alert #{alert_id}" in sms.body
    later(bot, 1)
    call = wait_until(lambda: fakes.twilio.calls)[0]
    assert call.to == ALICE_PHONE and "Press 1 to acknowledge" in call.said
    wait_until(lambda: set(states(bot).values()) == {"sent"} and len(states(bot)) == 7)

    status, answer = fakes.twilio.press(call, "1")
    assert status == 200 and "Acknowledged" in answer
    assert escalation_state(bot) == ("acknowledged", sandbox.user("alice")["id"])
    wait_until(lambda: "acknowledged" in page_text(sandbox), message="the Slack page was never edited")
    wait_until(lambda: fakes.pushover.messages[0].cancelled, message="Pushover kept re-alerting")
    methods = [m for m, outcome in history(bot) if outcome == "sent"]
    assert methods == ["slack", "ntfy", "pushover", "email", "webhook", "sms", "voice"]
    assert ("voice", "acknowledged") in history(bot)
    logged = bot.query("SELECT data FROM alert_log WHERE alert_id = ? AND kind = 'notified' ORDER BY id", (alert_id,))
    assert len(logged) == 8 and '"outcome": "acknowledged"' in logged[-1][0]


def test_in_do_not_disturb_the_next_way_goes_at_once_and_the_timeline_says_why(bot, sandbox, fakes):
    sandbox.set_dnd("alice", time.time() - 60, time.time() + 3600)
    alert_id = raise_alert(sandbox, bot, details="EU only, since the 14:02 deploy")
    push = wait_until(lambda: fakes.ntfy.to("alice-pages"), timeout=10, message="push did not go at once")[0]
    assert push.title.startswith(f"Alert #{alert_id}")
    assert push.message == "Checkout 5xx above 5%\nEU only, since the 14:02 deploy", "the summary, then the details"
    assert states(bot)["slack"] == "skipped" and states(bot)["pushover"] == "planned"
    skipped = bot.query("SELECT detail FROM notifications WHERE method = 'slack'")[0][0]
    assert skipped == "in Do Not Disturb in Slack"
    logged = [row[0] for row in bot.query("SELECT data FROM alert_log WHERE kind = 'notified' ORDER BY id")]
    assert '"outcome": "skipped"' in logged[0] and '"next": "ntfy"' in logged[0]
    assert any(c.method == "dnd.info" for c in sandbox.calls)


def test_out_of_do_not_disturb_slack_counts_and_push_waits(bot, sandbox, fakes):
    sandbox.set_dnd("alice", time.time() + 3600, time.time() + 7200)    # tonight, not now
    raise_alert(sandbox, bot)
    wait_until(lambda: states(bot).get("slack") == "sent")
    time.sleep(0.5)
    assert not fakes.ntfy.messages


def test_a_failing_method_is_retried_then_the_next_one_goes_at_once(bot, sandbox, fakes):
    fakes.ntfy.fail(500, times=10)
    raise_alert(sandbox, bot)
    wait_until(lambda: states(bot).get("slack") == "sent")
    later(bot, 1)
    wait_until(lambda: states(bot).get("ntfy") == "failed", timeout=20, message="ntfy was never given up")
    pushover = wait_until(lambda: fakes.pushover.messages, message="Pushover was not brought forward")
    assert pushover and states(bot)["pushover"] == "sent" and states(bot)["email"] == "planned"
    ntfy_history = [outcome for method, outcome in history(bot) if method == "ntfy"]
    assert ntfy_history == ["attempt", "retry", "attempt", "retry", "attempt", "failed"]
    detail = bot.query("SELECT detail FROM notifications WHERE method = 'ntfy'")[0][0]
    assert "ntfy: HTTP 500" in detail and "gave up after 3 attempts" in detail


def test_a_provider_that_is_down_falls_through_too(bot, sandbox, fakes):
    fakes.smtp.down()
    raise_alert(sandbox, bot)
    later(bot, 3)   # push and Pushover go; then email, with nobody listening
    wait_until(lambda: states(bot).get("email") == "failed", timeout=20, message="email was never given up")
    wait_until(lambda: fakes.hook.received, message="the webhook was not brought forward")
    assert "unreachable" in bot.query("SELECT detail FROM notifications WHERE method = 'email'")[0][0] or \
        "Connection" in bot.query("SELECT detail FROM notifications WHERE method = 'email'")[0][0]


def test_a_permanent_refusal_is_not_retried(bot, sandbox, fakes):
    fakes.pushover.users.clear()     # alice's user key is no longer valid
    raise_alert(sandbox, bot)
    later(bot, 2)
    wait_until(lambda: states(bot).get("pushover") == "failed")
    assert [o for m, o in history(bot) if m == "pushover"] == ["attempt", "failed"]
    assert "user identifier" in bot.query("SELECT detail FROM notifications WHERE method = 'pushover'")[0][0]
