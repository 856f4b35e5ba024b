"""Issue 7 items 11-13: what warroom re-posts never notifies a whole channel or group, cannot be
spoofed with bidi controls, and long lists say how much they left out."""

import pytest

from bot.actor import Actor
from tests.e2e.helpers import declare, pinned_text

ROLES = [f"specialist for subsystem number {n:02d} of the platform" for n in range(58)]


@pytest.fixture
def config_text():
    return "incident:\n  roles: [" + ", ".join(f'"{r}"' for r in ROLES) + "]\n"


def wrapup_text(sandbox, channel):
    message = next(m for m in reversed(sandbox.messages(channel)) if "resolved" in sandbox.render(m))
    return message, str(message["blocks"]) + message["text"]


def test_channel_and_group_mentions_are_defused_in_everything_reposted(bot, sandbox):
    group = sandbox.add_usergroup("backend", users=[sandbox.user("bob")["id"]])
    incident = declare(sandbox, bot, "Checkout errors sev2")
    alice = sandbox.as_user("alice")
    ts = alice.post(incident["id"], "@channel checkout is down, @backend please look")
    assert "<!channel>" in sandbox.message(incident["id"], ts)["text"] and group in sandbox.message(incident["id"], ts)["text"]
    alice.react(incident["id"], ts, "pushpin")
    later = alice.post(incident["id"], "nothing to see")
    alice.react(incident["id"], later, "pushpin")
    alice.edit(incident["id"], later, "edited: @here @everyone")
    alice.command("/incident", "note ask @backend and @here to check", channel=incident["id"]).ack
    bot.settle()
    note = sandbox.messages(incident["id"])[-1]
    assert "<!subteam" not in str(note) and "<!here>" not in str(note) and "&lt;!" not in str(note)
    assert "@backend" in sandbox.render(note) and "@here" in sandbox.render(note)
    alice.command("/incident", "resolve fixed", channel=incident["id"]).ack
    bot.settle()
    message, raw = wrapup_text(sandbox, incident["id"])
    for special in ("<!channel>", "<!here>", "<!everyone>", "<!subteam^"):
        assert special not in raw, special
    assert "@channel checkout is down, @group please look" in sandbox.render(message)
    assert "edited: @here @everyone" in sandbox.render(message)


def test_a_title_with_a_mention_or_bidi_controls_is_shown_as_typed_and_harmless(bot, sandbox):
    alice = sandbox.as_user("alice")
    alice.shortcut("declare_incident").ack
    sandbox.wait_for(alice.view)
    alice.submit_view({"title": "Refund <!here> exe.\u202egnp \u2066fix\u2069", "severity": "sev2"})
    bot.settle()
    assert bot.query("SELECT title FROM incidents") == [("Refund <!here> exe.gnp fix",)]
    announcement = sandbox.messages("incidents")[-1]
    assert "<!here>" not in announcement["text"] and "&lt;!here&gt;" in announcement["text"]
    assert not any(c in str(announcement) for c in "\u202e\u2066\u2069")


def test_long_lists_say_how_many_more_and_page(bot, sandbox):
    incident = declare(sandbox, bot, "Everything at once sev2")
    record = bot.bot.incidents.get(1)
    alice = Actor(sandbox.user("alice")["id"])
    people = [sandbox.add_user(f"person{n}") for n in range(len(ROLES))]

    def fill() -> None:
        for role, person in zip(ROLES, people):
            bot.bot.incidents.assign_role(bot.bot.incidents.get(1), alice, role, person)
        for n in range(60):
            bot.bot.record.add_note(record, alice, f"key event number {n:02d} with some words to make it longer")
        for n in range(100):
            bot.bot.record.add_followup(record, alice, f"follow-up number {n:03d}: " + "check the thing " * 24, None)
    bot.run(fill)
    bot.settle(timeout=60)
    status = pinned_text(sandbox, incident["id"])
    assert "more roles (`/incident show` lists them)" in status
    shown = sum(1 for role in ROLES if role.capitalize() in status)
    assert 10 < shown < len(ROLES)
    listing = sandbox.as_user("alice").command("/incident", "followups", channel=incident["id"]).wait_reply(
        contains="Follow-ups")
    assert "(1–20 of 100)" in sandbox.render(listing) and "follow-up number 019" in sandbox.render(listing)
    assert "follow-up number 020" not in sandbox.render(listing)
    click = sandbox.as_user("alice").click("Show 80 more", message=listing)
    second = click.wait_reply(contains="21–40 of 100")
    assert "follow-up number 020" in sandbox.render(second) and "Show 60 more" in sandbox.render(second)
    sandbox.as_user("alice").command("/incident", "resolve done", channel=incident["id"]).ack
    bot.settle(timeout=60)
    message, _ = wrapup_text(sandbox, incident["id"])
    text = sandbox.render(message)
    assert len(message["blocks"]) <= 50
    assert "key event number 00" in text
    events_shown = sum(1 for n in range(60) if f"key event number {n:02d}" in text)
    assert events_shown == 60 or f"…and {60 - events_shown} more key event" in text
    followups_shown = sum(1 for n in range(100) if f"follow-up number {n:03d}" in text)
    assert followups_shown < 100 and f"…and {100 - followups_shown} more: `/incident followups`" in text
