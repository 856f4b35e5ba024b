"""Keeping the timeline true on the incident's web page, in Chromium with JavaScript off: add an event at
a past time, edit it, mark it key, delete another; a refusal shows at its form; Slack and the database
see the same edited record."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import declare

LONDON = ZoneInfo("Europe/London")   # alice's zone in the sandbox


@pytest.fixture
def page(chromium):
    """A tab with JavaScript off: every form works as a plain HTML form."""
    context = chromium.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def test_timeline_events_are_added_edited_keyed_and_deleted_on_the_web(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")["id"]
    alice = sandbox.user("alice")["id"]
    page.goto(web.login_link(alice))
    page.goto(web.base + "/incidents/1")
    now = datetime.fromtimestamp(bot.clock.time(), LONDON)
    earlier = (now - timedelta(minutes=25)).replace(second=0, microsecond=0)
    typed = f"{earlier:%Y-%m-%d %H:%M}"

    add = page.locator("#event-form")
    add.get_by_label("When it happened").fill(f"{(now + timedelta(days=1)):%Y-%m-%d} 10:00")
    add.get_by_label("What happened").fill("Not yet")
    add.get_by_role("button", name="Add event").click()
    expect(page.locator("#event-problem")).to_contain_text("is in the future")
    expect(page.locator("#event-form").get_by_label("What happened")).to_have_value("Not yet")

    add = page.locator("#event-form")
    add.get_by_label("When it happened").fill(typed)
    add.get_by_label("What happened").fill("  ")
    add.get_by_role("button", name="Add event").click()
    expect(page.locator("#event-problem")).to_contain_text("is empty. Write a few words in the field.")
    expect(page.locator("#event-problem")).not_to_contain_text("command")   # Slack's words, not the web's

    add = page.locator("#event-form")
    add.get_by_label("When it happened").fill(typed)
    add.get_by_label("What happened").fill("Customer reported <502s>")
    add.get_by_role("button", name="Add event").click()
    [(first, at)] = bot.query("SELECT id, at FROM timeline WHERE kind = 'event'")
    assert at == earlier.timestamp()
    added = page.locator("ol.timeline li", has_text="Customer reported")
    expect(added).to_contain_text(f"e{first}")
    expect(added).to_contain_text(f"{earlier:%H:%M}:00")
    expect(added).to_contain_text("Customer reported <502s> (added by @alice)")

    add = page.locator("#event-form")
    add.get_by_label("When it happened").fill(f"{earlier:%H:%M}" if earlier.date() == now.date() else typed)
    add.get_by_label("What happened").fill("Typo, remove me")
    add.get_by_role("button", name="Add event").click()
    [(second,)] = bot.query("SELECT id FROM timeline WHERE text = 'Typo, remove me'")

    edit = page.locator("#event-edit-form")
    edit.get_by_label("Event id").fill(f"e{first}")
    edit.get_by_label("New text (optional)").fill("Customer reported 502s on checkout")
    edit.get_by_role("button", name="Save event").click()
    edited = page.locator(f"#event-{first}")
    expect(edited).to_contain_text("Customer reported 502s on checkout")
    expect(edited).to_contain_text("(edited)")

    page.locator("#event-key-form").get_by_label("Event id").fill(f"e{first}")
    page.locator("#event-key-form").get_by_role("button", name="Mark as key event").click()
    expect(page.locator(f"#event-{first}")).to_contain_text("Key event")

    page.locator("#event-delete-form").get_by_label("Event id").fill(f"e{second}")
    page.locator("#event-delete-form").get_by_role("button", name="Delete event").click()
    expect(page.locator("ol.timeline")).not_to_contain_text("Typo, remove me")

    page.locator("#event-delete-form").get_by_label("Event id").fill(f"e{second}")
    page.locator("#event-delete-form").get_by_role("button", name="Delete event").click()
    expect(page.locator("#event_delete-problem")).to_have_text(re.compile(f"has no event e{second}"))

    listing = sandbox.render(sandbox.as_user("alice").command("/incident", "timeline", channel=channel).ack)
    assert "Typo" not in listing and ":pushpin: Customer reported 502s on checkout (added by @alice)" in listing
    assert bot.query("SELECT action, actor FROM timeline_audit ORDER BY id") == [
        ("added", alice), ("added", alice), ("edited", alice), ("keyed", alice), ("deleted", alice)]

    web.sign_in(alice)   # a form from elsewhere, without the page's CSRF token, changes nothing
    assert web.post("/incidents/1/event_delete", {"event": f"e{first}"}).status == 403
    assert web.post("/incidents/1/event", {"when": typed, "text": "Forged", "zone": "Pacific/Kiritimati",
                                           "csrf": "guess"}).status == 403
    assert bot.query("SELECT count(*) FROM timeline_audit") == [(5,)]
    token = web.get("/incidents/1").csrf()   # the time is read in the person's zone, never a zone the form names
    assert web.post("/incidents/1/event", {"when": typed, "text": "Zone from the form", "zone": "Pacific/Kiritimati",
                                           "csrf": token}).status == 303
    assert bot.query("SELECT at FROM timeline WHERE text = 'Zone from the form'") == [(earlier.timestamp(),)]
