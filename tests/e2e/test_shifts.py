"""On-call that runs itself: handoff messages (across a daylight-saving change, with the schedule's
local times) and Slack user groups kept in step with the schedule and its overrides."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import declare, texts

LONDON = ZoneInfo("Europe/London")


def next_dst_change(after: date) -> date:
    """The first day after ``after`` whose 12:00 in London has another UTC offset than the day before."""
    day = after + timedelta(days=2)
    while datetime.combine(day, time(12), LONDON).utcoffset() == datetime.combine(
            day - timedelta(days=1), time(12), LONDON).utcoffset():
        day += timedelta(days=1)
    return day


DST_DAY = next_dst_change(datetime.now(timezone.utc).date())
FIRST_HANDOFF = datetime.combine(DST_DAY - timedelta(days=1), time(9), LONDON)   # the day before the change
SECOND_HANDOFF = datetime.combine(DST_DAY, time(9), LONDON)                       # 09:00 again, another offset


@pytest.fixture
def config_text(sandbox):
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol", "dave")}
    sandbox.add_channel("oncall", members=["alice"])
    leads = sandbox.add_usergroup("oncall-leads", users=[ids["bob"]])
    midnight = datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00")
    return f"""
oncall_managers: {leads}
users:
  - {{slack_id: {ids['alice']}, name: alice}}
  - {{slack_id: {ids['bob']}, name: bob}}
  - {{slack_id: {ids['carol']}, name: carol}}
schedules:
  - name: london
    timezone: Europe/London
    channel: oncall
    rotation: {{users: [alice, bob], length: 1d, handoff: "{FIRST_HANDOFF:%Y-%m-%dT%H:%M}"}}
  - name: primary
    timezone: UTC
    usergroup: primary-oncall
    rotation: {{users: [alice, bob], length: 1d, handoff: "{midnight}"}}
  - name: secondary
    timezone: UTC
    rotation: {{users: [carol], length: 1w, handoff: "2026-01-05T00:00"}}
oncall_usergroup: oncall-now
"""


def dms(sandbox, name):
    channel = sandbox.dm_channel(sandbox.user(name)["id"])
    return [sandbox.render(m) for m in sandbox.messages(channel)] if channel else []


def about(messages, schedule):
    return [m for m in messages if f"*{schedule}*" in m]


def advance_to(bot, moment):
    bot.advance(timedelta(seconds=moment.timestamp() - bot.clock.time()))


def local(moment):
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"


def test_shift_start_and_end_messages_across_a_daylight_saving_change(bot, sandbox):
    bot.settle()
    assert about(dms(sandbox, "alice"), "london") == [], "the first look at a schedule announces nothing"
    advance_to(bot, FIRST_HANDOFF - timedelta(minutes=10))
    bot.settle()
    assert about(dms(sandbox, "alice"), "london") == [], "not yet"
    bot.advance(timedelta(minutes=11))
    sandbox.wait_for(lambda: about(dms(sandbox, "alice"), "london"), message="alice never heard her shift start")
    started = about(dms(sandbox, "alice"), "london")
    assert len(started) == 1
    assert f"You are on call for *london* from {local(FIRST_HANDOFF)} until {local(SECOND_HANDOFF)}" in started[0]
    assert FIRST_HANDOFF.tzname() != SECOND_HANDOFF.tzname(), "the shift spans the daylight-saving change"
    bot.settle()
    assert texts(sandbox, "oncall")[-1].startswith(f":arrows_counterclockwise: *london* handoff at {local(FIRST_HANDOFF)}")

    incident = declare(sandbox, bot, "Checkout errors sev2")          # during alice's shift
    assert incident
    # 09:00 local the next day is 23 or 25 hours later, not 24: the timer falls at the local time
    assert abs(SECOND_HANDOFF.timestamp() - FIRST_HANDOFF.timestamp() - 86400) == 3600
    advance_to(bot, SECOND_HANDOFF - timedelta(minutes=1))
    bot.settle()
    assert len(about(dms(sandbox, "alice"), "london")) == 1, "a 24-hour timer would have fired already"
    bot.advance(timedelta(minutes=2))
    sandbox.wait_for(lambda: about(dms(sandbox, "bob"), "london"), message="bob never heard his shift start")
    bot.settle()
    ended = about(dms(sandbox, "alice"), "london")[-1]
    assert f"Your on-call shift for *london* ended at {local(SECOND_HANDOFF)} (Europe/London)" in ended
    assert "has the pager until" in ended
    assert "Incidents declared: 1 #1 Checkout errors (investigating)" in ended
    assert "Still open: 0 alerts; 1 incident: #1 Checkout errors (investigating)" in ended
    started = about(dms(sandbox, "bob"), "london")
    assert len(started) == 1 and f"from {local(SECOND_HANDOFF)} until" in started[0]
    assert "handed over to you" in started[0]
    posts = [t for t in texts(sandbox, "oncall") if "*london* handoff" in t]
    assert len(posts) == 2 and f"handoff at {local(SECOND_HANDOFF)}" in posts[1]
    assert bot.query("SELECT count(*) FROM shift_handoffs WHERE schedule = 'london' AND announced = 1") == [(2,)]


def members(sandbox, handle):
    return sorted(sandbox.usergroup(handle)["users"])


def test_user_groups_follow_the_schedule_and_an_override(bot, sandbox):
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol", "dave")}
    sandbox.wait_for(lambda: _has(sandbox, "primary-oncall") and _has(sandbox, "oncall-now"),
                     message="the user groups were never made")
    bot.settle()
    assert members(sandbox, "primary-oncall") == [ids["alice"]]
    assert members(sandbox, "oncall-now") == sorted([ids["alice"], ids["carol"]])
    text = sandbox.as_user("bob").command("/il-oncall", "override @dave 2h primary", channel="general").ack["text"]
    assert "has the pager for *primary*" in text
    sandbox.wait_for(lambda: members(sandbox, "primary-oncall") == [ids["dave"]], message="group not updated")
    bot.settle()
    assert members(sandbox, "oncall-now") == sorted([ids["carol"], ids["dave"]])
    assert about(dms(sandbox, "dave"), "primary") and "You are on call for *primary*" in dms(sandbox, "dave")[-1]
    assert "Your on-call shift for *primary* ended" in about(dms(sandbox, "alice"), "primary")[-1]
    bot.advance(timedelta(hours=2, minutes=1))
    sandbox.wait_for(lambda: members(sandbox, "primary-oncall") == [ids["alice"]], message="override end missed")
    bot.settle()
    assert members(sandbox, "oncall-now") == sorted([ids["alice"], ids["carol"]])
    updates = [c for c in sandbox.calls if c.method == "usergroups.users.update"]
    creates = [c for c in sandbox.calls if c.method == "usergroups.create"]
    assert len(creates) == 2, "each group is made once"
    assert len(updates) == 6, "three changes, two groups each"


def _has(sandbox, handle):
    try:
        sandbox.usergroup(handle)
        return True
    except KeyError:
        return False


def test_bad_routine_config_fails_naming_the_key():
    from bot.config import ConfigError
    from harness import make_config

    base = """
users: [{slack_id: U0000001, name: a}]
schedules: [{name: p, rotation: {users: [a], length: 1d, handoff: '2026-01-01T09:00'}, %s}]
"""
    with pytest.raises(ConfigError) as bad:
        make_config(base % "usergroup: 'Back End!'")
    assert "schedules[0].usergroup" in str(bad.value)
    with pytest.raises(ConfigError) as bad:
        make_config(base % "channel: 'No Such Channel'")
    assert "schedules[0].channel" in str(bad.value)
    with pytest.raises(ConfigError) as bad:
        make_config(base % "usergroup: same" + "oncall_usergroup: same\n")
    assert "oncall_usergroup" in str(bad.value)
