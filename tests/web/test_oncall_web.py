"""The on-call pages: schedules and escalation policies, a schedule's calendar in the viewer's time zone
(across daylight-saving changes), and taking the pager or setting an override on the web, which Slack
then announces and /il-oncall reports."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import last_text

# The sandbox's people live in Europe/London (alice), America/New_York (bob), UTC (carol), Asia/Tokyo (dave).


@pytest.fixture
def config_text(sandbox):
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol")}
    leads = sandbox.add_usergroup("oncall-leads", users=[ids["bob"]])
    return f"""
users:
  - {{slack_id: {ids['alice']}, name: alice}}
  - {{slack_id: {ids['bob']}, name: bob}}
  - {{slack_id: {ids['carol']}, name: carol}}
oncall_managers: {leads}
schedules:
  - name: support
    timezone: UTC
    rotation: {{users: [alice, bob, carol], length: 1d, handoff: "2026-03-01T00:00"}}
  - name: primary
    timezone: UTC
    rotation: {{users: [bob], length: 1w, handoff: "2026-01-05T00:00"}}
escalation_policies:
  - name: default
    repeat: 1
    levels:
      - {{notify: [schedule:primary], timeout: 5m}}
      - {{notify: [user:carol], timeout: 10m}}
"""


def uid(sandbox, name: str) -> str:
    return sandbox.user(name)["id"]


def shown(bot, sandbox, name: str) -> str:
    """How the web names a person."""
    return bot.bot.web.name_of(uid(sandbox, name))


def sign_in(page, web, sandbox, name: str) -> None:
    page.goto(web.login_link(uid(sandbox, name)))


def day_cell(page, day: str) -> str:
    """What the calendar's 'On call' row shows on ``day`` (YYYY-MM-DD)."""
    return page.locator(f"tr.final td[data-day='{day}']").inner_text()


def oncall_in_slack(sandbox, user: str, text: str = "") -> str:
    return sandbox.as_user(user).command("/il-oncall", text, channel="general").ack["text"]


def test_schedules_and_escalation_policies_level_by_level(bot, sandbox, web, page):
    sign_in(page, web, sandbox, "carol")
    page.goto(web.base + "/oncall")
    assert page.get_by_role("heading", name="On-call", exact=True).is_visible()
    primary = page.get_by_role("row", name=re.compile("^primary "))
    assert primary.inner_text().split("\t") == ["primary", "UTC", shown(bot, sandbox, "bob"),
                                                "no handoff in the next 60 days"]
    policy = page.locator("section.policy").inner_text()
    assert f"whoever is on call in primary (now {shown(bot, sandbox, 'bob')})" in policy
    assert "after 5 min, level 2" in policy
    assert shown(bot, sandbox, "carol") in policy and "after 10 min, level 1 again" in policy
    assert "1 more time" in policy
    page.get_by_role("link", name="support").first.click()
    page.wait_for_url("**/oncall/support")
    assert page.get_by_role("heading", name="support").is_visible()
    assert "Times in your time zone, UTC" in page.inner_text("main")


def test_the_calendar_shows_the_right_person_across_daylight_saving_in_the_viewers_zone(bot, sandbox, web, page,
                                                                                       chromium):
    """support hands over at midnight UTC every day (alice, bob, carol from 1 March 2026). London goes
    to summer time on 29 March, New York on 8 March: the handoff moves on their clocks, not the person."""
    alice, bob, carol = (shown(bot, sandbox, n) for n in ("alice", "bob", "carol"))
    sign_in(page, web, sandbox, "alice")
    page.goto(web.base + "/oncall/support?from=2026-03-25")        # a Wednesday: the calendar starts on Monday
    main = page.inner_text("main")
    assert "Times in your time zone, Europe/London" in main and "Week of Mon 23 Mar 2026" in main
    assert day_cell(page, "2026-03-28") == f"{alice} all day"        # 28 March, k=27: alice, GMT = UTC
    assert day_cell(page, "2026-03-29") == f"{bob} all day"          # a 23-hour day: still one shift
    assert day_cell(page, "2026-03-30") == f"{bob} until 01:00\n{carol} from 01:00"   # BST: midnight UTC is 01:00
    row = page.get_by_role("row", name=f"{bob} Sun 29 Mar 00:00 GMT")
    assert row.inner_text().split("\t")[:3] == [bob, "Sun 29 Mar 00:00 GMT", "Mon 30 Mar 01:00 BST"]
    page.get_by_role("link", name="Four weeks later →").click()
    page.wait_for_url("**/oncall/support?from=2026-04-20")
    assert day_cell(page, "2026-04-20") == f"{bob} until 01:00\n{carol} from 01:00"      # k=49, k=50

    in_new_york = chromium.new_context()
    try:
        tab = in_new_york.new_page()
        sign_in(tab, web, sandbox, "bob")
        tab.goto(web.base + "/oncall/support?from=2026-03-02")
        assert "Times in your time zone, America/New_York" in tab.inner_text("main")
        assert day_cell(tab, "2026-03-07") == f"{alice} until 19:00\n{bob} from 19:00"    # EST: UTC-5
        assert day_cell(tab, "2026-03-08") == f"{bob} until 20:00\n{carol} from 20:00"    # EDT from 02:00: UTC-4
        assert tab.get_by_role("row", name=f"{carol} Sun 08 Mar 20:00 EDT").is_visible()
    finally:
        in_new_york.close()


def test_taking_the_pager_on_the_web_is_announced_in_slack_and_il_oncall_says_so(bot, sandbox, web, page):
    alice = uid(sandbox, "alice")
    assert f"*primary*: <@{uid(sandbox, 'bob')}>" in oncall_in_slack(sandbox, "dave")
    sign_in(page, web, sandbox, "alice")
    page.goto(web.base + "/oncall/primary")
    page.get_by_label("For how many hours, from now").fill("2")
    page.get_by_role("button", name="Take the pager").click()
    page.wait_for_url("**/oncall/primary?done=took")
    assert page.get_by_role("status").inner_text() == "You have the pager. The alerts channel in Slack says so."
    assert page.locator("p.now").inner_text().startswith(shown(bot, sandbox, "alice") + ", until ")
    bot.settle()
    assert "@alice took the pager for *primary* until" in last_text(sandbox, "alerts")
    assert f"*primary*: <@{alice}> until" in oncall_in_slack(sandbox, "dave")
    [(user, by, length)] = bot.query('SELECT user_id, created_by, "end" - start FROM overrides')
    assert (user, by) == (alice, alice) and length == pytest.approx(7200, abs=1)


def test_a_manager_sets_an_override_in_their_own_time_zone(bot, sandbox, web, page):
    """bob (New York, on-call manager) puts carol on call tomorrow 09:00 to 17:00, New York time."""
    tomorrow = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=1)).date()
    sign_in(page, web, sandbox, "bob")
    page.goto(web.base + "/oncall/primary")
    page.get_by_label("Who takes the pager").select_option(label="carol")
    page.get_by_label("From (America/New_York; leave empty for now)").fill(f"{tomorrow}T09:00")
    page.get_by_label("To (America/New_York)").fill(f"{tomorrow}T17:00")
    page.get_by_role("button", name="Add override").click()
    page.wait_for_url("**/oncall/primary?done=override")
    bob, carol = shown(bot, sandbox, "bob"), shown(bot, sandbox, "carol")
    assert day_cell(page, tomorrow.isoformat()) == f"{bob} until 09:00\n{carol} 09:00–17:00\n{bob} from 17:00"
    overrides = page.locator("tr.overrides td[data-day='%s']" % tomorrow.isoformat()).inner_text()
    assert overrides == f"{carol} 09:00–17:00"
    start = datetime.combine(tomorrow, datetime.min.time().replace(hour=9), ZoneInfo("America/New_York"))
    assert bot.query('SELECT user_id, created_by, start, "end" FROM overrides') == [
        (uid(sandbox, "carol"), uid(sandbox, "bob"), start.timestamp(), start.timestamp() + 8 * 3600)]
    bot.settle()
    assert "@carol will take the pager for *primary* from" in last_text(sandbox, "alerts")
    assert "(set by @bob)" in last_text(sandbox, "alerts")


def test_bad_overrides_are_refused_saying_what_was_wrong(bot, sandbox, web, page):
    sign_in(page, web, sandbox, "bob")
    page.goto(web.base + "/oncall/primary")
    page.get_by_label("From (America/New_York; leave empty for now)").fill("2030-05-02T10:00")
    page.get_by_label("To (America/New_York)").fill("2030-05-02T09:00")
    page.get_by_role("button", name="Add override").click()
    assert page.get_by_role("alert").inner_text() == "The override ends before it starts; give an end later than its start."
    assert page.get_by_label("To (America/New_York)").input_value() == "2030-05-02T09:00", "what was typed is kept"

    web.sign_in(uid(sandbox, "bob"))
    csrf = web.get("/oncall/primary").csrf()
    later = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    far = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    unknown = web.post("/oncall/primary/override", {"csrf": csrf, "who": "mallory", "end": later})
    assert unknown.status == 400 and "“mallory” is not one of the people who take the pager here (alice, bob, carol)" \
        in unknown.body
    too_long = web.post("/oncall/primary/override", {"csrf": csrf, "who": "carol", "end": far})
    assert too_long.status == 400 and "An override can last at most 31 days" in too_long.body
    no_end = web.post("/oncall/primary/override", {"csrf": csrf, "who": "carol", "end": ""})
    assert no_end.status == 400 and "Give when the override ends." in no_end.body
    past = web.post("/oncall/primary/override", {"csrf": csrf, "who": "carol", "end": "2020-01-01T00:00"})
    assert past.status == 400 and "That end has already passed" in past.body
    garbled = web.post("/oncall/primary/override", {"csrf": csrf, "who": "carol", "end": "soon"})
    assert garbled.status == 400 and "“soon” is not a date and time" in garbled.body
    hours = web.post("/oncall/primary/take", {"csrf": csrf, "hours": "-3"})
    assert hours.status == 400 and "“-3” is not a number of hours" in hours.body
    missing = web.post("/oncall/tertiary/take", {"csrf": csrf, "hours": "2"})
    assert missing.status == 404 and "There is no schedule <code>tertiary</code>" in missing.body
    assert web.get("/oncall/primary?from=someday").status == 400
    assert bot.query("SELECT count(*) FROM overrides") == [(0,)]


def test_who_may_take_the_pager_for_whom_is_as_in_slack(bot, sandbox, web):
    """A listed person takes it themselves; only managers put someone else on call; others are refused."""
    later = (datetime.now(ZoneInfo("Europe/London")) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    web.sign_in(uid(sandbox, "alice"))
    csrf = web.get("/oncall/primary").csrf()
    refused = web.post("/oncall/primary/override", {"csrf": csrf, "who": "carol", "end": later})
    assert refused.status == 403
    assert "Only on-call managers can put someone else on call" in refused.body
    web.sign_in(uid(sandbox, "dave"))                    # not listed under users:
    csrf = web.get("/oncall/primary").csrf()
    refused = web.post("/oncall/primary/take", {"csrf": csrf, "hours": "1"})
    assert refused.status == 403 and "Only people listed under <code>users:</code> in warroom.yml take the pager" \
        in refused.body
    assert web.post("/oncall/primary/take", {"hours": "1"}).status == 403, "no CSRF token"
    assert bot.query("SELECT count(*) FROM overrides") == [(0,)]
