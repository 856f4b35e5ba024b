"""Slack's markup drawn for a terminal: what the Slack client shows, in plain words or ANSI."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox import ANSI, PLAIN, Sandbox
from sandbox.render import render
from sandbox.richtext import elements, to_mrkdwn
from sandbox.text import escape_entities, slack_date, terminal

STAMP = int(datetime(2026, 3, 2, 14, 5, tzinfo=timezone.utc).timestamp())


def test_emphasis_is_drawn_and_its_markers_go():
    text = "*SEV2 incident declared:* _quietly_ ~gone~ `a *b* :fire:` snake_case_name 2*3*4"
    assert terminal(text, None, PLAIN) == "SEV2 incident declared: quietly gone a *b* :fire: snake_case_name 2*3*4"
    assert terminal(text, None, ANSI).startswith("\x1b[1mSEV2 incident declared:\x1b[22m \x1b[3mquietly\x1b[23m")


def test_emphasis_inside_emphasis():
    assert terminal("*_both_*", None, ANSI) == "\x1b[1m\x1b[3mboth\x1b[23m\x1b[22m"


def test_emoji_known_become_characters_and_unknown_stay_as_written():
    assert terminal(":rotating_light: :white_check_mark: :no_such_emoji: 12:05:30", None, PLAIN) == \
        "🚨 ✅ :no_such_emoji: 12:05:30"


def test_plain_text_objects_get_emoji_but_no_emphasis():
    assert terminal(":fire: *not bold*", None, ANSI, mrkdwn=False) == "🔥 *not bold*"


def test_references_links_entities_and_quotes(sb: Sandbox):
    ws = sb._core.ws
    alice = sb.user("alice")["id"]
    general = sb.channel("general")["id"]
    text = f"&gt; <@{alice}> in <#{general}> read <https://x.example/a_b|the runbook> &amp; <https://y.example>"
    assert terminal(text, ws, PLAIN) == \
        "│ @alice in #general read the runbook (https://x.example/a_b) & https://y.example"


def test_dates_are_shown_in_the_readers_zone():
    body = f"!date^{STAMP}^{{date_num}} {{time}} ({{date_short}}; {{date_long}})|fallback"
    assert slack_date(body, "Europe/London", now=STAMP) == "2026-03-02 14:05 (Mar 2, 2026; Monday, March 2nd, 2026)"
    assert slack_date(body, "Asia/Tokyo", now=STAMP) == "2026-03-02 23:05 (Mar 2, 2026; Monday, March 2nd, 2026)"
    pretty = f"!date^{STAMP}^{{date_short_pretty}} at {{time}}, {{ago}}|fallback"
    assert slack_date(pretty, "UTC", now=STAMP + 3600) == "today at 14:05, 1 hour ago"
    assert slack_date(pretty, "UTC", now=STAMP - 86400) == "tomorrow at 14:05, in 1 day"
    assert slack_date("!date^nonsense|Mon 14:05", "UTC") == "Mon 14:05"


def test_without_a_style_the_markup_stays_for_tests_to_match(sb: Sandbox):
    message = {"text": "*Bold* :fire:", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Bold* :fire:"}}]}
    assert render(message, sb._core.ws) == "*Bold* :fire:"
    assert render(message, sb._core.ws, PLAIN) == "Bold 🔥"


markup = st.lists(st.sampled_from(list("ab *_~`:<>|&;\n") + ["fire", "@U1", "#C1", "http://x", "&gt; "]),
                  max_size=40).map("".join)


@given(markup)
def test_plain_drawing_never_leaves_escape_codes_or_placeholders(text):
    shown = terminal(text, None, PLAIN)
    assert "\x1b" not in shown and "\ue000" not in shown and "\ue001" not in shown


@given(markup)
def test_ansi_drawing_says_the_same_words_as_plain(text):
    assert re.sub(r"\x1b\[\d+m", "", terminal(text, None, ANSI)) == terminal(text, None, PLAIN)


def test_a_persons_message_is_drawn_like_the_apps(sb: Sandbox):
    """Review 4: what people type carries a rich_text block like Slack's (people, links, emoji and
    styles as elements), and is drawn with names, emphasis, emoji and links, entities undone."""
    typed = "hello @bob *bold* :fire: see https://example.com/a?b=1&c=2 & <this> @here"
    ts = sb.as_user("alice").post("general", typed)
    message = sb.message(sb.channel("general")["id"], ts)
    kinds = [e["type"] for e in message["blocks"][0]["elements"][0]["elements"]]
    assert {"user", "emoji", "link", "broadcast"} <= set(kinds)
    assert {"type": "text", "text": "bold", "style": {"bold": True}} in message["blocks"][0]["elements"][0]["elements"]
    assert render(message, sb._core.ws, PLAIN) == \
        "hello @bob bold 🔥 see https://example.com/a?b=1&c=2 & <this> @here"
    assert render(message, sb._core.ws, ANSI).startswith("hello @bob \x1b[1mbold\x1b[22m 🔥")
    assert render(message, sb._core.ws) == "hello @bob *bold* :fire: see https://example.com/a?b=1&c=2 & <this> @here"


@pytest.mark.parametrize("typed", [
    "*Rolled back* the _payments_ deploy, ~all~ most errors gone :white_check_mark:",
    "*bold with _italic_ inside* and `code with *stars*`",
    "see https://grafana.example/d/x?a=1&b=2 and <https://example.com|not a link> & more",
    "> quoting: 5 < 6 > 4 && done",
    "line one\nline *two*\n:fire: :no_such_emoji: at 10:30:45",
])
def test_a_persons_text_survives_the_trip_through_rich_text(typed):
    """Built from the escaped text and turned back, the rich text draws as the text itself does."""
    escaped = escape_entities(typed)
    for style in (PLAIN, ANSI):
        assert terminal(to_mrkdwn(elements(escaped)), None, style) == terminal(escaped, None, style)


# text as Slack sends a person's message: entities escaped, references as <…> (channels without a
# label there: rich text names a channel by its ID, and the reader's workspace names it)
escaped_markup = st.lists(st.one_of(st.sampled_from(list("ab *_~`:<>|&;\n") + ["fire", "http://x", "> "]).map(escape_entities),
                                    st.sampled_from(["<@U1>", "<#C1>", "<!here>", "<http://x|y z>",
                                                     "<!subteam^S1>", "<https://x.example/a_b>"])),
                          max_size=40).map("".join)


@given(escaped_markup)
def test_any_text_a_person_sends_survives_the_trip_through_rich_text(escaped):
    for style in (PLAIN, ANSI):
        assert terminal(to_mrkdwn(elements(escaped)), None, style) == terminal(escaped, None, style)
