"""/il-oncall: who is on call, the next shifts, my shifts, taking the pager."""

import pytest

from tests.e2e.helpers import last_text
from tests.e2e.oncall_config import oncall_yaml


@pytest.fixture
def config_text(sandbox):
    leads = sandbox.add_usergroup("oncall-leads", users=[sandbox.user("bob")["id"]])
    return oncall_yaml(sandbox) + f"oncall_managers: {leads}\n"


def oncall(sandbox, user, text="", channel="general"):
    return sandbox.as_user(user).command("/il-oncall", text, channel=channel).ack["text"]


def test_who_is_on_call_now_in_every_schedule(bot, sandbox):
    text = oncall(sandbox, "dave")
    assert "*On call now*" in text
    assert f"*primary*: <@{sandbox.user('alice')['id']}> until <!date^" in text
    assert f"*secondary*: <@{sandbox.user('carol')['id']}> (no handoff in the next 60 days)" in text


def test_a_schedule_shows_now_and_next_shifts(bot, sandbox):
    text = oncall(sandbox, "dave", "primary")
    alice, bob = sandbox.user("alice")["id"], sandbox.user("bob")["id"]
    assert "*primary* (UTC)" in text and f"*Now*: <@{alice}>" in text
    lines = [line for line in text.splitlines() if "→" in line]
    assert len(lines) == 6 and f"<@{bob}>" in lines[1] and f"<@{alice}>" in lines[2]


def test_my_shifts_and_unknown_schedule(bot, sandbox):
    assert "Your on-call shifts in the next 28 days" in oncall(sandbox, "bob", "me")
    assert "You have no on-call shifts" in oncall(sandbox, "dave", "me")
    text = oncall(sandbox, "dave", "tertiary")
    assert "There is no schedule `tertiary`" in text and "`primary`, `secondary`" in text


def test_override_takes_the_pager_and_is_announced(bot, sandbox):
    dave = sandbox.user("dave")["id"]
    text = oncall(sandbox, "bob", "override @dave 2h primary")
    assert f"<@{dave}> has the pager for *primary* until" in text
    bot.settle()
    assert "@dave took the pager for *primary*" in last_text(sandbox, "alerts") and "set by @bob" in last_text(
        sandbox, "alerts")
    assert f"*primary*: <@{dave}>" in oncall(sandbox, "carol")
    assert bot.query("SELECT schedule, user_id FROM overrides") == [("primary", dave)]


def test_ambiguous_override_asks_which_schedule(bot, sandbox):
    bob = sandbox.as_user("bob")
    result = bob.command("/il-oncall", "override @dave until 23:59", channel="general")
    question = result.ack
    assert "Which schedule should" in question["text"]
    bob.click("secondary", message=result.replies[0]).ack
    sandbox.wait_for(lambda: bot.query("SELECT schedule FROM overrides") == [("secondary",)])


def test_who_may_take_the_pager_for_whom(bot, sandbox):
    """Issue 7 item 7: listed users for themselves; others only by on-call or incident managers."""
    alice, dave = sandbox.user("alice")["id"], sandbox.user("dave")["id"]
    refused = oncall(sandbox, "dave", "override @dave 2h primary")
    assert "Only people listed under `users:`" in refused
    refused = oncall(sandbox, "alice", "override @carol 2h primary")
    assert "Only on-call managers can put someone else on call" in refused  # no incident_managers here
    assert bot.query("SELECT count(*) FROM overrides") == [(0,)]
    assert f"<@{alice}> has the pager for *primary*" in oncall(sandbox, "alice", "override @alice 2h primary")
    assert f"<@{dave}> has the pager for *primary*" in oncall(sandbox, "bob", "override @dave 1h primary")
    assert bot.query("SELECT user_id, created_by FROM overrides ORDER BY id") == [
        (alice, alice), (dave, sandbox.user("bob")["id"])]


def test_override_refusals_say_how(bot, sandbox):
    assert "Write `/il-oncall override @person" in oncall(sandbox, "bob", "override dave 2h primary")
    assert "`soon` is not a duration" in oncall(sandbox, "bob", "override @dave soon primary")
    assert "at most 31 days" in oncall(sandbox, "bob", "override @dave 40d primary")
    assert "There is no schedule `nope`" in oncall(sandbox, "bob", "override @dave 2h nope")
    assert bot.query("SELECT count(*) FROM overrides") == [(0,)]


def test_help_and_home_tab(bot, sandbox):
    assert "/il-oncall override @person" in oncall(sandbox, "dave", "help").replace("&lt;", "<")
    sandbox.as_user("dave").open_home()
    home = sandbox.wait_for(lambda: sandbox.home(sandbox.user("dave")["id"]))
    assert "On call now" in sandbox.render(home) and "primary" in sandbox.render(home)


def test_my_shifts_show_real_handoffs_not_now_or_the_end_of_the_window(bot, sandbox):
    """Issue 8 bug 7: a shift under way shows when it began, and the look-ahead's end is not a handoff."""
    import re
    import time

    midnight = int(time.time()) // 86400 * 86400
    text = oncall(sandbox, "alice", "me")
    primary = [line for line in text.splitlines() if line.startswith("*primary*")]
    assert primary[0].startswith(f"*primary*: on call now (since <!date^{midnight}^")
    stamps = [int(s) for line in primary for s in re.findall(r"<!date\^(\d+)\^", line)]
    assert stamps and all(s % 86400 == 0 for s in stamps), "every edge shown is a real midnight handoff"
    carol = oncall(sandbox, "carol", "me")
    assert "*secondary*: on call now (for over 60 days) → no handoff in the next 60 days" in carol
