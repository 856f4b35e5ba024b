"""The incidents on the web, end to end: the real bot on the sandbox, incidents declared and updated in
Slack and on the web, pages read in Chromium (what a person sees) or over HTTP (status codes, counts)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from tests.e2e.helpers import declare, newest_incident_channel, pinned_text, texts
from tests.web.client import WebClient


def uid(sandbox, name: str) -> str:
    return sandbox.user(name)["id"]


def sign_in_page(page, web, user: str) -> None:
    page.goto(web.login_link(user))
    assert page.url.endswith("/incidents"), page.url


def declare_private(sandbox, bot, title: str, *, commander: str) -> dict:
    """A private incident declared in Slack by alice with ``commander`` in charge (the declare modal)."""
    alice = sandbox.as_user("alice")
    alice.command("/incident", "", channel="general")
    sandbox.wait_for(alice.view, message="declare modal never opened")
    alice.submit_view({"title": title, "severity": "sev2", "commander": uid(sandbox, commander),
                       "private": ["private"]})
    bot.settle()
    return newest_incident_channel(sandbox)


def titles_listed(reply_body: str) -> list[str]:
    return re.findall(r'<a href="/incidents/\d+">([^<]+)</a>', reply_body)


def test_an_incident_declared_in_slack_is_on_the_web_list_and_its_page(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sandbox.as_user("alice").post(channel["id"], "Seeing 500s from the payment <provider>")
    # the message reaches the bot as an event on its own time: settling the effects does not wait for it
    sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM timeline WHERE kind = 'message'") == [(1,)],
                     timeout=10, message="the channel message never reached the record")
    bot.settle()
    sign_in_page(page, web, uid(sandbox, "alice"))
    row = page.get_by_role("row", name=re.compile("Checkout errors"))
    expect(row).to_contain_text("SEV2")
    expect(row).to_contain_text("Investigating")
    expect(row).to_contain_text("@alice")
    page.get_by_role("link", name="Checkout errors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Incident #1: Checkout errors")
    expect(page.locator("#status")).to_have_text("Investigating")
    expect(page.locator("#severity")).to_have_text("SEV2")
    expect(page.get_by_role("row", name=re.compile("^Commander"))).to_contain_text("@alice")
    slack_link = page.get_by_role("link", name=f"#{channel['name']} in Slack")
    assert slack_link.get_attribute("href") == f"https://slack.com/app_redirect?channel={channel['id']}"
    declared = page.locator("ol.timeline li", has_text="Declared")
    expect(declared).to_contain_text("Key event")
    expect(page.locator("ol.timeline")).not_to_contain_text("Seeing 500s")      # messages are optional
    page.get_by_role("link", name="Show channel messages too").click()
    message = page.locator("ol.timeline li.message")
    expect(message).to_have_text(re.compile(r"@alice: Seeing 500s from the payment <provider>"))
    expect(message).not_to_contain_text("Key event")


def test_a_status_update_posted_on_the_web_changes_the_pinned_status_in_slack(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sign_in_page(page, web, uid(sandbox, "alice"))
    page.goto(web.base + "/incidents/1")
    page.get_by_label("Update", exact=True).fill("Failover to the <standby> database & watching")
    page.get_by_label("Status").select_option("identified")
    page.get_by_role("button", name="Post update").click()
    expect(page.locator("#status")).to_have_text("Identified")
    bot.settle()
    status = pinned_text(sandbox, channel["id"])
    assert "Identified" in status and "Investigating" not in status
    assert channel["id"] and "Identified" in sandbox.channel(channel["id"])["topic"]["value"]
    posted = texts(sandbox, channel["id"])[-1]
    assert "Identified" in posted and "Failover to the <standby> database & watching" in posted
    assert "@alice" in posted
    assert bot.query("SELECT status FROM incidents") == [("identified",)]
    expect(page.locator("ol.timeline li.update")).to_contain_text("Failover to the <standby> database & watching")


def test_the_page_follows_a_status_posted_in_slack_without_a_reload(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sign_in_page(page, web, uid(sandbox, "bob"))
    page.goto(web.base + "/incidents/1")
    expect(page.locator("#status")).to_have_text("Investigating")
    page.evaluate("window.loadedOnce = 'yes'")          # gone if the page reloads
    page.get_by_label("Comment (posted in the incident channel under your name)").fill("typing, not sent")
    answer = sandbox.as_user("alice").command("/incident", "status monitoring Rolled back the deploy",
                                              channel=channel["id"])
    assert answer.ack is not None
    expect(page.locator("#status")).to_have_text("Monitoring", timeout=15_000)
    expect(page.locator("ol.timeline")).to_contain_text("Rolled back the deploy")
    assert page.evaluate("window.loadedOnce") == "yes", "the page was reloaded"
    assert page.get_by_label("Comment (posted in the incident channel under your name)").input_value() == \
        "typing, not sent", "what someone was typing is not swapped away"


def test_a_private_incident_is_invisible_to_a_non_member_and_visible_to_a_member(bot, sandbox):
    declare(sandbox, bot, "Public one sev3", user="carol")
    declare_private(sandbox, bot, "Leaked credentials", commander="bob")
    outsider, member = WebClient(bot), WebClient(bot)
    outsider.sign_in(uid(sandbox, "carol"))
    member.sign_in(uid(sandbox, "bob"))

    seen = outsider.get("/incidents")
    assert titles_listed(seen.body) == ["Public one"] and "1 incident." in seen.body
    assert "Leaked" not in outsider.get("/incidents?q=leaked").body
    assert "No incidents match." in outsider.get("/incidents?q=leaked").body
    for path in ("/incidents/2", "/incidents/2/live", "/incidents/2?messages=1"):
        hidden = outsider.get(path)
        assert hidden.status == 404 and "Leaked" not in hidden.body, path
        assert hidden.body.count("There is no incident #2") == 1
    csrf = seen.csrf()
    refused = outsider.post("/incidents/2/comment", {"csrf": csrf, "text": "hello?"})
    assert refused.status == 404 and "Leaked" not in refused.body
    assert outsider.get("/incidents/3").status == 404          # the same answer as for one that does not exist

    listed = member.get("/incidents")
    assert titles_listed(listed.body) == ["Leaked credentials", "Public one"] and "2 incidents." in listed.body
    own = member.get("/incidents/2")
    assert own.status == 200 and "Leaked credentials" in own.body and "Private" in own.body
    assert bot.query("SELECT count(*) FROM timeline WHERE kind = 'note'") == [(0,)]


def test_a_comment_written_on_the_web_is_posted_in_the_channel_naming_its_author(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sandbox.as_user("bob").join(channel["id"])
    bot.settle()
    sign_in_page(page, web, uid(sandbox, "bob"))
    page.goto(web.base + "/incidents/1")
    page.get_by_label("Comment (posted in the incident channel under your name)").fill(
        "Customers in <EU> & US see it; *not* @here")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("ol.timeline li.note")).to_contain_text("Comment from @bob: Customers in <EU> & US see it")
    bot.settle()
    posted = sandbox.messages(channel["id"])[-1]
    assert posted.get("bot_id"), "posted by the bot"
    shown = sandbox.render(posted)
    assert "Note* from @bob (written on warroom's web page): Customers in <EU> & US see it" in shown
    assert "<!here>" not in str(posted)
    assert bot.query("SELECT kind, actor, text FROM timeline WHERE kind = 'note'") == [
        ("note", uid(sandbox, "bob"), "Customers in &lt;EU&gt; &amp; US see it; *not* @here")]


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(bot, sandbox, web):
    declare(sandbox, bot, "Checkout errors sev2")
    web.sign_in(uid(sandbox, "alice"))
    before = bot.query("SELECT count(*) FROM timeline")
    pending = bot.query("SELECT count(*) FROM outbox")
    for action, form in (("update", {"message": "no token", "status": "identified"}), ("severity", {"severity": "sev1"}),
                         ("role", {"role": "scribe", "user": uid(sandbox, "bob")}), ("resolve", {"summary": "done"}),
                         ("comment", {"text": "no token"})):
        refused = web.post(f"/incidents/1/{action}", form)
        assert refused.status == 403 and "CSRF" in refused.body, action
        forged = web.post(f"/incidents/1/{action}", {**form, "csrf": "guessed"})
        assert forged.status == 403, action
    assert bot.query("SELECT status, severity, resolved_at FROM incidents") == [("investigating", "SEV2", None)]
    assert bot.query("SELECT count(*) FROM timeline") == before
    assert bot.query("SELECT count(*) FROM outbox") == pending


def test_filters_and_search_return_the_right_incidents(bot, sandbox, web):
    declare(sandbox, bot, "Checkout errors sev2")
    declare(sandbox, bot, "Database slow sev3", user="bob")
    declare(sandbox, bot, "Checkout 100% down_now sev1", user="carol")
    resolved = declare(sandbox, bot, "Login timeouts sev3", user="dave")
    assert sandbox.as_user("dave").command("/incident", "resolve Restarted the auth pods",
                                           channel=resolved["id"]).ack is not None
    bot.settle()
    web.sign_in(uid(sandbox, "alice"))

    def listed(query: str) -> list[str]:
        reply = web.get("/incidents" + query)
        assert reply.status == 200, reply.body[:2000]
        return titles_listed(reply.body)

    everything = ["Login timeouts", "Checkout 100% down_now", "Database slow", "Checkout errors"]
    assert listed("") == everything
    assert listed("?state=open") == ["Checkout 100% down_now", "Database slow", "Checkout errors"]
    assert listed("?state=resolved") == ["Login timeouts"]
    assert listed("?severity=sev3") == ["Login timeouts", "Database slow"]
    assert listed("?severity=sev3&state=open") == ["Database slow"]
    assert listed("?q=CHECKOUT") == ["Checkout 100% down_now", "Checkout errors"]
    assert listed("?q=100%25") == ["Checkout 100% down_now"]         # % and _ are literal, not wildcards
    assert listed("?q=do_n") == []                                    # would match "down" as a wildcard
    assert listed("?q=down_now") == ["Checkout 100% down_now"]
    today = datetime.fromtimestamp(time.time(), timezone.utc).date()   # the sandbox people's zone is UTC
    assert listed(f"?from={today}&to={today}") == everything
    assert listed(f"?from={today + timedelta(days=1)}") == []
    assert listed(f"?to={today - timedelta(days=1)}") == []
    assert listed(f"?from={today - timedelta(days=3)}&q=slow") == ["Database slow"]
    bad = web.get("/incidents?from=31/01/2026&severity=sev9&q=slow")
    assert "“Declared from” is not a date; write it year-month-day" in bad.body
    assert "<code>sev9</code> is not a severity" in bad.body
    assert titles_listed(bad.body) == ["Database slow"] and 'value="31/01/2026"' in bad.body


def test_the_list_is_paged_and_the_filters_are_kept_from_page_to_page(bot, sandbox, web):
    alice = uid(sandbox, "alice")
    store = bot.bot.domain.incident_store

    def insert_many() -> None:
        now = time.time()
        with bot.bot.domain.work():
            for n in range(1, 31):
                store.insert(title=f"Flaky job {n}", description="", severity="SEV4" if n % 2 else "SEV3",
                             status="investigating", commander=alice, declared_by=alice, declared_at=now + n,
                             declared_in=None, is_private=False, channel_name=f"flaky-{n}", last_update_at=now,
                             source={}, updated_at=now)
    bot.run(insert_many)
    web.sign_in(alice)
    first = web.get("/incidents")
    assert "30 incidents, page 1 of 2." in first.body and len(titles_listed(first.body)) == 25
    assert titles_listed(first.body)[0] == "Flaky job 30"
    second = web.get("/incidents?page=2")
    assert titles_listed(second.body) == [f"Flaky job {n}" for n in range(5, 0, -1)]
    filtered = web.get("/incidents?severity=sev4&q=job")
    assert "15 incidents." in filtered.body and "page 1 of" not in filtered.body
    assert web.get("/incidents?page=99").status == 200
    assert titles_listed(web.get("/incidents?page=%C2%B2").body)[0] == "Flaky job 30", "page ² is page 1"


def test_severity_and_roles_change_from_the_web_and_slack_follows(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sandbox.as_user("bob").join(channel["id"])
    bot.settle()
    sign_in_page(page, web, uid(sandbox, "alice"))
    page.goto(web.base + "/incidents/1")
    page.get_by_label("Severity").select_option("sev1")
    page.get_by_role("button", name="Change severity").click()
    expect(page.locator("#severity")).to_have_text("SEV1")
    page.get_by_label("Role", exact=True).select_option("scribe")
    page.get_by_label("Person").select_option(label="@bob")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("row", name=re.compile("^Scribe"))).to_contain_text("@bob")
    page.get_by_label("Role", exact=True).select_option("commander")
    page.get_by_label("or someone else: their Slack member ID").fill(uid(sandbox, "carol"))
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#commander")).to_have_text("@carol")
    expect(page.locator("ol.timeline li.role.key-event")).to_contain_text("Commander: @carol (was @alice)")
    bot.settle()
    assert sandbox.channel(channel["id"])["topic"]["value"].startswith("SEV1 | Investigating | Commander: @carol")
    status = pinned_text(sandbox, channel["id"])
    assert "SEV1" in status and "@carol" in status
    posts = "\n".join(texts(sandbox, channel["id"]))
    assert "@alice changed the severity from *SEV2* to *SEV1*" in posts and "@bob is now the scribe" in posts
    assert uid(sandbox, "carol") in sandbox.channel(channel["id"])["members"]


def test_refusals_are_shown_at_their_form_in_slacks_words_with_the_input_kept(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sandbox.as_user("bob").join(channel["id"])
    bot.settle()
    sign_in_page(page, web, uid(sandbox, "bob"))
    page.goto(web.base + "/incidents/1")
    page.get_by_label("Severity").select_option("sev1")
    page.get_by_role("button", name="Change severity").click()
    alert = page.locator("#severity-form [role=alert]")
    expect(alert).to_contain_text("Only the commander (@alice) can change the severity. Ask them, or have them "
                                  "hand over with /incident commander @you.")
    expect(page.get_by_label("Severity")).to_have_value("sev1")
    expect(page.locator("#severity")).to_have_text("SEV2")

    page.get_by_label("Summary").fill("")
    page.get_by_label("Root cause (optional)").fill("A bad <config> push")
    page.get_by_role("button", name="Resolve incident").click()
    expect(page.locator("#resolve-form [role=alert]")).to_contain_text("Only the commander (@alice) can resolve it")
    expect(page.get_by_label("Root cause (optional)")).to_have_value("A bad <config> push")

    page.get_by_label("Status").select_option("identified")
    page.get_by_role("button", name="Post update").click()
    expect(page.locator("#status")).to_have_text("Identified")    # anyone in the incident posts updates

    outsider = WebClient(bot)
    outsider.sign_in(uid(sandbox, "dave"))                        # not in the channel of a public incident
    form = outsider.get("/incidents/1")
    refused = outsider.post("/incidents/1/update", {"csrf": form.csrf(), "message": "drive-by <update>"})
    assert refused.status == 403 and "Only people in" in refused.body and "act on incident #1" in refused.body
    assert "drive-by &lt;update&gt;</textarea>" in refused.body
    assert bot.query("SELECT count(*) FROM timeline WHERE kind = 'update'") == [(1,)]
    empty = outsider.post("/incidents/1/role", {"csrf": form.csrf(), "role": "scribe", "member_id": "bob"})
    assert empty.status == 400 and "<code>bob</code> is not a Slack member ID" in empty.body
    assert 'value="bob"' in empty.body


def test_resolving_on_the_web_wraps_up_in_slack_and_the_page_stops_polling(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    sign_in_page(page, web, uid(sandbox, "alice"))
    page.goto(web.base + "/incidents/1")
    assert page.locator("#live[hx-trigger]").count() == 1
    page.get_by_label("Summary").fill("Rolled back; errors gone")
    page.get_by_role("button", name="Resolve incident").click()
    expect(page.locator("#status")).to_have_text("Resolved")
    assert page.locator("#live[hx-trigger]").count() == 0 and page.locator("script[src*=htmx]").count() == 0
    expect(page.get_by_role("button", name="Post update")).to_have_count(0)
    expect(page.locator("ol.timeline li.resolved.key-event")).to_contain_text("Rolled back; errors gone")
    bot.settle()
    assert "Resolved" in pinned_text(sandbox, channel["id"])
    assert any("Rolled back; errors gone" in t for t in texts(sandbox, channel["id"]))


def test_with_javascript_off_the_page_is_whole_and_its_forms_work(bot, sandbox, web, chromium):
    declare(sandbox, bot, "Checkout errors sev2")
    context = chromium.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(web.login_link(uid(sandbox, "alice")))
        tab.goto(web.base + "/incidents?state=open&q=checkout")
        tab.get_by_role("link", name="Checkout errors").click()
        tab.get_by_label("Update", exact=True).fill("Still looking")
        tab.get_by_role("button", name="Post update").click()
        expect(tab.locator("ol.timeline li.update")).to_contain_text("Still looking")
    finally:
        context.close()


def test_the_live_part_answers_204_until_the_record_moves(bot, sandbox, web):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    web.sign_in(uid(sandbox, "alice"))
    first = web.get("/incidents/1/live?mark=none")
    assert first.status == 200 and first.body.startswith('<div id="live"') and "<html" not in first.body
    mark = re.search(r"mark=([0-9a-f]+)", first.body).group(1)
    assert web.get(f"/incidents/1/live?mark={mark}").status == 204
    assert "any news?" not in web.get("/incidents/1?messages=1").body    # its live part kept from here on
    sandbox.as_user("alice").post(channel["id"], "any news?")
    # the message reaches the bot as an event, on its own time: settling the effects does not wait for it
    moved = sandbox.wait_for(lambda: (reply := web.get(f"/incidents/1/live?mark={mark}&messages=1")).status != 204
                             and reply, timeout=10, message="the live part never moved")
    assert moved.status == 200 and "any news?" in moved.body
    assert "any news?" in web.get("/incidents/1?messages=1").body, "the whole page follows the record at once"
    signed_out = WebClient(bot).get(f"/incidents/1/live?mark={mark}")
    assert signed_out.status == 401
