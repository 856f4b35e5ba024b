"""Status pulses: a reminder when no update came within the severity's interval."""

from datetime import timedelta

from tests.e2e.helpers import declare, last_text, texts


def reminders(sandbox, channel):
    return [t for t in texts(sandbox, channel) if "there has been no status update" in t]


def pulses(bot):
    return bot.query("SELECT count(*) FROM timeline WHERE kind = 'pulse'")[0][0]


def test_pulse_reminds_the_commander_and_no_change_posts_an_update(bot, sandbox):
    incident = declare(sandbox, bot, "Checkout errors sev2")  # SEV2: every 30 min
    bot.advance(timedelta(minutes=29))
    bot.settle()
    assert reminders(sandbox, incident["id"]) == []
    bot.advance(timedelta(minutes=2))
    sandbox.wait_for(lambda: reminders(sandbox, incident["id"]), message="no reminder after 31 min")
    reminder = sandbox.messages(incident["id"])[-1]
    text = sandbox.render(reminder)
    assert "@alice, there has been no status update on this SEV2 incident for 31 min" in text
    assert "[Post update] [No change] [Snooze 30 min]" in text
    sandbox.as_user("alice").click("No change", message=reminder).ack
    sandbox.wait_for(lambda: "Still investigating, next update in 30 min." in texts(sandbox, incident["id"])[-1])
    sandbox.wait_for(lambda: "posted: no change" in sandbox.render(sandbox.message(incident["id"], reminder["ts"])))
    bot.advance(timedelta(minutes=29))
    bot.settle()
    assert pulses(bot) == 1, "the update reset the pulse"
    bot.advance(timedelta(minutes=2))
    sandbox.wait_for(lambda: pulses(bot) == 2 and reminders(sandbox, incident["id"]))


def test_a_status_update_resets_the_pulse_and_snooze_delays_it(bot, sandbox):
    incident = declare(sandbox, bot, "Search slow sev1")  # SEV1: every 15 min
    bot.advance(timedelta(minutes=10))
    sandbox.as_user("alice").command("/incident", "status identified index rebuild", channel=incident["id"]).ack
    bot.advance(timedelta(minutes=10))
    bot.settle()
    assert reminders(sandbox, incident["id"]) == []
    bot.advance(timedelta(minutes=6))
    sandbox.wait_for(lambda: reminders(sandbox, incident["id"]))
    sandbox.as_user("alice").click("Snooze 15 min", message=sandbox.messages(incident["id"])[-1]).ack
    sandbox.wait_for(lambda: "snoozed reminders until" in last_text(sandbox, incident["id"]))
    bot.advance(timedelta(minutes=14))
    bot.settle()
    assert pulses(bot) == 1
    bot.advance(timedelta(minutes=2))
    sandbox.wait_for(lambda: pulses(bot) == 2 and reminders(sandbox, incident["id"]))


def test_post_update_button_opens_the_form(bot, sandbox):
    incident = declare(sandbox, bot, "Queue backlog sev2")
    bot.advance(timedelta(minutes=31))
    sandbox.wait_for(lambda: reminders(sandbox, incident["id"]))
    alice = sandbox.as_user("alice")
    alice.click("Post update", message=sandbox.messages(incident["id"])[-1]).ack
    assert sandbox.wait_for(alice.view)["callback_id"] == "incident_update"
    alice.submit_view({"message": "Consumers scaled to 40"})
    bot.settle()
    assert "Consumers scaled to 40" in last_text(sandbox, incident["id"])


def test_sev4_has_no_pulse_and_resolve_stops_them(bot, sandbox):
    quiet = declare(sandbox, bot, "Cosmetic glitch sev4")
    loud = declare(sandbox, bot, "Login errors sev1")
    sandbox.as_user("alice").command("/incident", "resolve fixed", channel=loud["id"]).ack
    bot.settle()
    bot.advance(timedelta(hours=3))
    bot.settle()
    assert reminders(sandbox, quiet["id"]) == [] and reminders(sandbox, loud["id"]) == []


def test_no_change_clicked_twice_posts_one_update(bot, sandbox):
    incident = declare(sandbox, bot, "Double click sev2")
    bot.advance(timedelta(minutes=31))
    sandbox.wait_for(lambda: reminders(sandbox, incident["id"]))
    reminder = sandbox.messages(incident["id"])[-1]
    sandbox.faults.latency(1.0, "response_url")  # the reminder is still there for the second click
    sandbox.as_user("alice").click("No change", message=reminder).ack
    second = sandbox.as_user("alice").click("No change", message=reminder)
    assert "already posted" in sandbox.render(second.wait_reply(contains="already posted"))
    sandbox.faults.clear()
    bot.settle()
    assert bot.query("SELECT count(*) FROM timeline WHERE kind = 'update'") == [(1,)]
