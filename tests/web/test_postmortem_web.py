"""The postmortem on the web, in Chromium: read, edit (the edit is the document of record), download;
a later draft is kept aside and offered, never put over the edits; a private incident's postmortem is
hidden from people outside it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import declare
from tests.web.test_incidents_web import declare_private, sign_in_page, uid


@pytest.fixture
def config_text(sandbox):
    sandbox.add_channel("postmortems", members=[sandbox.user("alice")["id"]])
    return "channels: {postmortems: postmortems}\n"


def test_view_edit_download_and_choose_between_edits_and_a_new_draft(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "resolve Rolled back", channel=channel["id"]).ack == {}
    bot.settle()
    sign_in_page(page, web, uid(sandbox, "alice"))
    page.goto(f"{web.base}/incidents/1")
    page.get_by_role("link", name="The postmortem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postmortem of incident #1: Checkout errors")
    expect(page.get_by_text("Version 1, drafted by warroom")).to_be_visible()
    box = page.get_by_label("The postmortem (Markdown)")
    expect(box).to_have_value(re.compile(r"^# Postmortem: incident #1, Checkout errors"))

    box.fill(box.input_value().replace("- _What helped: detection, tools, people, runbooks?_",
                                       "- Paging reached bob in a minute"))
    page.get_by_role("button", name="Save the postmortem").click()
    expect(page.get_by_text("Version 2, edited by @alice")).to_be_visible()
    with page.expect_download() as got:
        page.get_by_role("link", name="Download the Markdown").click()
    downloaded = open(got.value.path(), encoding="utf-8").read()
    assert "- Paging reached bob in a minute" in downloaded and got.value.suggested_filename == "postmortem-incident-1.md"
    assert bot.query("SELECT number, origin, author FROM postmortem_versions ORDER BY number") == \
        [(1, "draft", uid(sandbox, "alice")), (2, "human", uid(sandbox, "alice"))]

    # the bot drafts again (reopened and resolved): kept aside, offered here, the edits untouched
    alice.command("/incident", "reopen still failing", channel=channel["id"]).ack
    alice.command("/incident", "resolve Rolled back again", channel=channel["id"]).ack
    bot.settle()
    assert len([m for m in sandbox.messages("postmortems") if m.get("files")]) == 1
    page.reload()
    expect(page.locator("#pending-draft")).to_contain_text("A newer draft (version 3)")
    expect(box).to_have_value(re.compile("Paging reached bob in a minute"))
    page.get_by_role("button", name="Keep the edits").click()
    expect(page.locator("#pending-draft")).to_have_count(0)
    expect(box).to_have_value(re.compile("Paging reached bob in a minute"))
    assert bot.query("SELECT current_version, pending_version FROM postmortems") == [(2, None)]

    # someone saved meanwhile: the stale save is refused, what was typed is kept
    stale = box.input_value()
    alice = bot.bot.deps.actor(uid(sandbox, "alice"))
    bot.run(lambda: bot.bot.domain.postmortems.edit(bot.bot.incidents.get(1), alice, stale + "\nfrom elsewhere\n",
                                                    base=2))   # on the bot's loop, where its database connection is used
    box.fill(stale + "\nmine\n")
    page.get_by_role("button", name="Save the postmortem").click()
    expect(page.get_by_role("alert")).to_contain_text("Someone saved the postmortem after you opened it")
    expect(box).to_have_value(re.compile("mine"))


def test_a_private_incidents_postmortem_is_not_there_for_outsiders(bot, sandbox, web):
    channel = declare_private(sandbox, bot, "Quiet breach", commander="alice")
    sandbox.as_user("alice").command("/incident", "resolve Contained", channel=channel["id"]).ack
    bot.settle()
    files = [m for m in sandbox.messages(channel["id"]) if m.get("files")]
    assert len(files) == 1 and not any(m.get("files") for m in sandbox.messages("postmortems")), \
        "a private incident's postmortem stays in its own channel"
    assert files[0]["text"].startswith(":page_facing_up: The postmortem of incident #1 (drafted by warroom, version 1)")
    web.sign_in(uid(sandbox, "carol"))
    assert web.get("/incidents/1/postmortem").status == 404
    assert web.get("/incidents/1/postmortem.md").status == 404
    web.sign_in(uid(sandbox, "alice"))
    reply = web.get("/incidents/1/postmortem.md")
    assert reply.status == 200 and reply.body.startswith("# Postmortem: incident #1, Quiet breach")
    csrf = web.get("/incidents/1/postmortem").csrf()
    forged = web.post("/incidents/1/postmortem", {"csrf": csrf, "body": "# Mine", "base": "\u00b2"})
    assert forged.status == 409 and "Someone saved the postmortem after you opened it" in forged.body, \
        "a version int() refuses was a 500"
