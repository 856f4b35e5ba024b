"""The alerts page: an alert raised by a monitoring webhook shows there, Acknowledge on the web stops
its paging as the Slack button does (the page DM says who acknowledged), Resolve ends it, and someone
the rules do not let answer alerts is refused in words that say why."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import pytest

from tests.e2e.helpers import last_text
from tests.e2e.oncall_config import oncall_yaml

KEY = "test-monitoring-key"


@pytest.fixture
def config_text(sandbox, monkeypatch):
    monkeypatch.setenv("WARROOM_TEST_MONITORING_KEY", KEY)
    return oncall_yaml(sandbox, extra="""
  - {name: monitoring, type: webhook, escalation_policy: default, key_env: WARROOM_TEST_MONITORING_KEY}
""")


def uid(sandbox, name: str) -> str:
    return sandbox.user(name)["id"]


def dm(sandbox, name: str) -> list:
    channel = sandbox.dm_channel(uid(sandbox, name))
    return sandbox.messages(channel) if channel else []


def fire(bot, summary: str, key: str) -> int:
    """An alert from monitoring, as its webhook sends it; returns its number."""
    request = urllib.request.Request(
        f"{bot.bot.web.public_url}/alerts/monitoring", method="POST",
        data=json.dumps({"summary": summary, "dedup_key": key}).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
        assert response.status == 202
        return json.loads(response.read())["alerts"][0]["id"]


def alert_row(page, number: int):
    return page.locator(f"#alert-{number}")


def test_an_alert_from_the_webhook_is_acknowledged_on_the_web_and_its_paging_stops(bot, sandbox, web, page):
    number = fire(bot, "Checkout 5xx above 5%", "checkout-5xx")
    bot.settle()
    assert "You are being paged" in sandbox.render(dm(sandbox, "alice")[-1])   # alice is on call in primary
    page.goto(web.login_link(uid(sandbox, "alice")))
    page.goto(web.base + "/alerts")
    row = alert_row(page, number)
    cells = row.locator("th, td").all_inner_texts()
    assert cells[0].startswith(f"#{number} Checkout 5xx above 5%") and cells[1] == "monitoring"
    assert cells[2] == "Pending: nobody has acknowledged yet" and cells[4] == "none"
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"**/alerts?show=open&done=acknowledged&alert={number}")
    assert page.get_by_role("status").inner_text() == f"You acknowledged alert #{number}."
    state = alert_row(page, number).locator("td.state").inner_text()
    assert state.startswith("Acknowledged by @alice, ")
    assert alert_row(page, number).get_by_role("button", name="Acknowledge").count() == 0
    bot.settle()
    page_dm = sandbox.render(dm(sandbox, "alice")[-1])
    assert "@alice acknowledged" in page_dm and "[Acknowledge]" not in page_dm
    assert "*Acknowledged* by @alice" in last_text(sandbox, "alerts")
    bot.advance(timedelta(minutes=30))                                  # past level 1's 5 minutes
    bot.settle()
    assert dm(sandbox, "carol") == [], "acknowledged: level 2 is never paged"
    assert bot.query("SELECT status, accepted_by FROM alerts") == [("accepted", uid(sandbox, "alice"))]

    alert_row(page, number).get_by_role("button", name="Resolve").click()
    page.wait_for_url(f"**/alerts?show=open&done=resolved&alert={number}")
    assert alert_row(page, number).count() == 0, "open alerts only"
    assert "No open alerts." in page.inner_text("main")
    page.get_by_role("link", name="All, newest first").click()
    state = alert_row(page, number).locator("td.state").inner_text()
    assert state.startswith("Resolved by @alice, ") and "acknowledged by @alice" in state
    bot.settle()
    assert "*Resolved* by @alice" in last_text(sandbox, "alerts")


def test_someone_not_allowed_to_answer_alerts_is_refused_and_nothing_changes(bot, sandbox, web, page):
    number = fire(bot, "Disk full on db-3", "db-3-disk")
    bot.settle()
    page.goto(web.login_link(uid(sandbox, "dave")))                 # not listed under users:, not paged
    page.goto(web.base + "/alerts")
    alert_row(page, number).get_by_role("button", name="Acknowledge").click()
    refusal = page.get_by_role("alert").inner_text()
    assert refusal == (f"Alert #{number} is answered by the people paged for it and by the users listed in "
                       "warroom.yml; you are neither. If you can help, ask the person paged to hand it to you.")
    alert_row(page, number).get_by_role("button", name="Resolve").click()
    assert "you are neither" in page.get_by_role("alert").inner_text()
    assert bot.query("SELECT status FROM alerts") == [("pending",)]
    bot.settle()
    assert "[Acknowledge]" in sandbox.render(dm(sandbox, "alice")[-1]), "alice is still being paged"


def test_a_second_answer_says_who_was_first_and_the_webhook_stays_a_machines_path(bot, sandbox, web):
    number = fire(bot, "Queue stuck", "queue")
    web.sign_in(uid(sandbox, "bob"))
    csrf = web.get("/alerts").csrf()
    assert web.get("/alerts?before=%C2%B2&done=resolved&alert=%C2%B2").status == 200, "digits int() refuses"
    huge = "9" * 30   # more than the database's integers hold: was an OverflowError, a 500
    assert web.get(f"/alerts?before={huge}&done=resolved&alert={huge}").status == 200
    assert web.post(f"/alert-actions/{huge}/resolve", {"csrf": csrf}).status == 404
    assert web.post(f"/alert-actions/{number}/acknowledge", {"csrf": csrf}).status == 303
    again = web.post(f"/alert-actions/{number}/acknowledge", {"csrf": csrf, "show": "all"})
    assert again.status == 409 and f"@bob already acknowledged alert #{number}" in again.body
    assert web.post(f"/alert-actions/{number}/resolve", {}).status == 403, "no CSRF token"
    assert web.post("/alert-actions/99/resolve", {"csrf": csrf}).status == 404
    machine = web.post(f"/alerts/{number}", {"csrf": csrf})      # a webhook's address: a key, not a session
    assert machine.status == 401 and machine.headers["Content-Type"].startswith("application/json")
    assert bot.query("SELECT status, accepted_by FROM alerts") == [("accepted", uid(sandbox, "bob"))]
    anyone = type(web)(bot)
    assert anyone.get("/alerts").headers["Location"] == "/signin?next=/alerts"


def test_a_source_silenced_on_the_web_records_without_paging_until_the_silence_is_ended(bot, sandbox, web, page):
    page.goto(web.login_link(uid(sandbox, "alice")))
    page.goto(web.base + "/alerts")
    silences = page.get_by_role("region", name="Silences")
    assert "No source is silenced" in silences.inner_text()
    silences.get_by_label("Source").select_option("monitoring")
    silences.get_by_label("For how long").fill("soon")
    silences.get_by_role("button", name="Silence").click()
    assert page.get_by_role("alert").inner_text() == ("“soon” is not a length of time. Write how long to silence the "
                                                      "source, like 30m, 2h or 1d.")
    assert bot.query("SELECT count(*) FROM silences") == [(0,)]
    silences = page.get_by_role("region", name="Silences")
    silences.get_by_label("Source").select_option("monitoring")
    silences.get_by_label("For how long").fill("2h")
    silences.get_by_role("button", name="Silence").click()
    page.wait_for_url("**/alerts?done=silenced&source=monitoring")
    assert page.get_by_role("status").inner_text().startswith("You silenced monitoring: its alerts are recorded")
    assert "monitoring is silenced until" in page.get_by_role("region", name="Silences").inner_text()
    bot.settle()
    assert "@alice silenced *monitoring* until" in last_text(sandbox, "alerts"), "said where its alerts go, as from Slack"
    before = len(dm(sandbox, "alice"))
    number = fire(bot, "Backup job slow", "backup")
    bot.settle()
    assert bot.query("SELECT silenced FROM alerts WHERE id = ?", (number,)) == [("silence",)]
    assert len(dm(sandbox, "alice")) == before, "a silenced source pages nobody"

    page.get_by_role("button", name="End the silence of monitoring").click()
    page.wait_for_url("**/alerts?done=unsilenced&source=monitoring")
    assert page.get_by_role("status").inner_text() == "monitoring pages people again."
    fire(bot, "Checkout 5xx above 5%", "checkout-5xx")
    bot.settle()
    assert "You are being paged" in sandbox.render(dm(sandbox, "alice")[-1])


def test_someone_not_listed_cannot_silence_a_source_from_the_web(bot, sandbox, web):
    web.sign_in(uid(sandbox, "dave"))
    csrf = web.get("/alerts").csrf()
    refused = web.post("/alert-actions/silence", {"csrf": csrf, "source": "monitoring", "duration": "1h"})
    assert refused.status == 403 and "Only the users listed in warroom.yml and managers" in refused.body
    assert web.post("/alert-actions/silence", {"source": "monitoring", "duration": "1h"}).status == 403, "no CSRF token"
    web.sign_in(uid(sandbox, "alice"))
    csrf = web.get("/alerts").csrf()
    endless = web.post("/alert-actions/silence", {"csrf": csrf, "source": "monitoring", "duration": "9999999999w"})
    assert endless.status == 400 and "A silence lasts at most 7 days" in endless.body, "was an OverflowError: a 500"
    assert bot.query("SELECT count(*) FROM silences") == [(0,)]
