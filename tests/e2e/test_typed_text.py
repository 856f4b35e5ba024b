"""What people type, as warroom reads it: characters nobody can see are taken out before anything is
matched or stored (a title of zero-width spaces is no title; a right-to-left override does not hide
a subcommand), names are read as typed rather than as Slack escaped them, and refusals say what was
wrong with what was given."""

import pytest
import yaml

from tests.e2e.oncall_config import oncall_yaml

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


@pytest.fixture
def config_text(sandbox):
    config = yaml.safe_load(oncall_yaml(sandbox))
    config["schedules"].append({"name": "R&D <night>", "timezone": "UTC",
                                "rotation": {"users": ["carol"], "length": "1w", "handoff": "2026-01-05T00:00"}})
    return config


def say(sandbox, command, text, user="alice", channel="general"):
    """The reply's mrkdwn, as the bot wrote it."""
    result = sandbox.as_user(user).command(command, text, channel=channel)
    assert not result.failed, f"{command} {text!r} was not answered"
    return (result.ack or {}).get("text", "")


def test_a_title_of_invisible_characters_is_no_title(bot, sandbox):
    alice = sandbox.as_user("alice")
    alice.command("/incident", f"declare {INVISIBLE}\u200b sev2", channel="general")
    view = sandbox.wait_for(alice.view, message="the declare form did not open for a title nobody can see")
    assert view["callback_id"] == "incident_declare"
    result = alice.submit_view({"title": f" {INVISIBLE}\x00\x1b ", "severity": "sev2"})
    assert result.errors and "The title is empty" in str(result.errors), result.errors
    assert bot.query("SELECT count(*) FROM incidents") == [(0,)]


def test_control_and_zero_width_characters_leave_a_title(bot, sandbox):
    assert "Declaring incident #1" in say(sandbox, "/incident", "declare Disk\x00 full\u200b on\x1b[2J db-1 sev2")
    bot.settle()
    assert bot.query("SELECT title FROM incidents") == [("Disk full on[2J db-1",)]
    channel = sandbox.channel(bot.query("SELECT channel_id FROM incidents")[0][0])
    assert channel["name"].endswith("disk-full-on-2j-db-1")


def test_bidi_controls_do_not_hide_a_subcommand_a_role_or_a_schedule(bot, sandbox):
    assert "Declaring incident #1" in say(sandbox, "/incident", "\u202edeclare Checkout down sev2")
    bot.settle()
    channel = bot.query("SELECT channel_id FROM incidents")[0][0]
    bob = sandbox.user("bob")["id"]
    say(sandbox, "/incident", "role \u202escribe @bob", channel=channel)
    bot.settle()
    assert bot.query("SELECT role, user_id FROM incident_roles WHERE role = 'scribe'") == [("scribe", bob)]
    text = say(sandbox, "/il-oncall", "\u202esecondary\u2069", user="dave")
    assert text.startswith("*secondary* (UTC)"), text


def test_schedule_names_are_read_as_typed_not_as_slack_escaped_them(bot, sandbox):
    text = say(sandbox, "/il-oncall", "R&D <night>", user="dave")
    assert text.startswith("*R&amp;D &lt;night&gt;* (UTC)"), text
    text = say(sandbox, "/il-oncall", "@channel", user="dave")
    assert text.startswith(":warning: There is no schedule `@channel`."), text
    carol = sandbox.user("carol")["id"]
    done = say(sandbox, "/il-oncall", "override @carol 2h R&D <night>", user="carol")
    assert "has the pager for *R&amp;D &lt;night&gt;*" in done, done
    assert bot.query("SELECT schedule, user_id FROM overrides") == [("R&D <night>", carol)]


def test_a_long_schedule_name_is_not_echoed_whole(bot, sandbox):
    text = say(sandbox, "/il-oncall", "x" * 3000, user="dave")
    assert text.startswith(":warning: There is no schedule `" + "x" * 79 + "…`."), text[:200]
    assert len(text) < 400


@pytest.mark.parametrize("when,reason", [
    ("0s primary", "`0s` is no time at all; give how long, like `2h` or `30m`."),
    ("0h0m primary", "`0h0m` is no time at all"),
    ("-2h primary", "`-2h` is negative; an override starts now"),
    ("soon primary", "`soon` is not a duration; write it like `30m`, `2h`, `1h30m` or `2d`"),
    ("until 24:00 primary", "`24:00` is not a time of day; write 00:00 to 23:59"),
    ("until 2026-02-30 09:00 primary", "There is no date `2026-02-30 09:00`; write it year-month-day"),
    ("until 2026-13-01 primary", "There is no date `2026-13-01`; write it year-month-day"),
    ("until tomorrow primary", "`tomorrow` is not a time; write `until 18:00` or `until 2026-01-10 09:00`"),
    ("until", "`until` needs a time: `until 18:00` or `until 2026-01-10 09:00`"),
])
def test_an_override_refusal_says_what_was_wrong(bot, sandbox, when, reason):
    text = say(sandbox, "/il-oncall", f"override @alice {when}")
    assert reason in text, text
    assert bot.query("SELECT count(*) FROM overrides") == [(0,)]


def test_my_shifts_take_no_more_words(bot, sandbox):
    text = say(sandbox, "/il-oncall", "me extra words", user="bob")
    assert text == (":warning: `/il-oncall me` shows your own shifts and takes nothing after it (you wrote `extra "
                    "words`). For a schedule's shifts, write `/il-oncall &lt;schedule&gt;`."), text


def test_refusals_name_only_the_managers_warroom_yml_has(bot, sandbox):
    """This config names neither on-call nor incident managers: nobody may put another on call."""
    text = say(sandbox, "/il-oncall", "override @carol 2h primary")
    assert text.startswith(":no_entry: Nobody can put someone else on call here: warroom.yml names no "
                           "`oncall_managers` or `incident_managers` group;"), text
    text = say(sandbox, "/il-oncall", "override @dave 2h primary", user="dave")
    assert text.endswith("take the pager; ask an admin to add you."), text
