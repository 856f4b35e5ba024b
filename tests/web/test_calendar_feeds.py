"""On-call shifts as iCalendar feeds at secret addresses: the on-call page gives each person theirs
and each schedule's; a calendar app fetches them without a session; a guessed address gets nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from bot.actor import Actor
from tests.web.client import WebClient


@pytest.fixture
def config_text(sandbox):
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob")}
    return f"""
users:
  - {{slack_id: {ids['alice']}, name: alice}}
  - {{slack_id: {ids['bob']}, name: bob}}
schedules:
  - name: primary
    timezone: UTC
    rotation: {{users: [alice, bob], length: 1d, handoff: "2026-01-05T09:00"}}
"""


def events(body: str) -> list[tuple[str, datetime, datetime]]:
    calendar = Calendar.from_ical(body)
    return sorted(((str(e["summary"]), e["dtstart"].dt, e["dtend"].dt) for e in calendar.walk("VEVENT")),
                  key=lambda event: event[1])


def test_the_on_call_page_gives_feeds_that_a_calendar_app_can_read(web, bot, sandbox):
    alice, bob = sandbox.user("alice")["id"], sandbox.user("bob")["id"]
    web.sign_in(alice)
    page = web.get("/oncall").body
    mine = re.search(r'Your own shifts: <a href="([^"]+)"', page).group(1)
    primary = re.search(r'primary: <a href="([^"]+)"', page).group(1)
    app = WebClient(bot)                                   # a calendar app: no cookie
    schedule_feed = app.get(primary[primary.index("/calendar"):])
    assert schedule_feed.status == 200 and schedule_feed.headers["Content-Type"].startswith("text/calendar")
    shifts = events(schedule_feed.body)
    assert len(shifts) >= 60                             # 14 days back, 8 weeks ahead, one a day
    people = {summary.split(" ")[0] for summary, _, _ in shifts}
    assert people == {"@alice", "@bob"}, people
    for (_, _, end), (_, next_start, _) in zip(shifts, shifts[1:]):
        assert end == next_start and (end.hour, end.minute) == (9, 0)       # back to back, at the handoff

    # bob takes the pager for two hours: both feeds follow
    now = datetime.fromtimestamp(bot.clock.time(), tz=timezone.utc)
    bot.run(lambda: bot.bot.oncall.override(bot.bot.oncall.schedule("primary"), bob,
                                            until=now.timestamp() + 7200, by=Actor(bob)))
    alice_shifts = events(app.get(mine[mine.index("/calendar"):]).body)
    assert alice_shifts and all(summary == "On call: primary" for summary, _, _ in alice_shifts)
    assert not any(start <= now + timedelta(hours=1) < end for _, start, end in alice_shifts)  # bob has it now


def test_a_guessed_or_altered_address_finds_nothing(web, bot, sandbox):
    alice, bob = sandbox.user("alice")["id"], sandbox.user("bob")["id"]
    web.sign_in(alice)
    mine = re.search(r'Your own shifts: <a href="([^"]+)"', web.get("/oncall").body).group(1)
    path = mine[mine.index("/calendar"):]
    app = WebClient(bot)
    assert app.get(path.replace(alice, bob)).status == 404           # another person's with alice's key
    assert app.get(path[:-8] + "AAAA.ics").status == 404
    assert app.get("/calendar/schedule/primary/guess.ics").status == 404
