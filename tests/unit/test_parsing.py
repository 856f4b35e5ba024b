import pytest

from bot.slack import parsing


def test_mentions_groups_channels_and_links():
    assert parsing.user_id("<@U0123ABC|alice>") == "U0123ABC"
    assert parsing.user_id("<@U0123ABC>") == "U0123ABC"
    assert parsing.user_id("@alice") is None
    assert parsing.mention("<!subteam^S0123|@backend>") == parsing.Mention("group", "S0123")
    assert parsing.link("<https://grafana.example/d/1?a=1&amp;b=2|Dash board>") == (
        "https://grafana.example/d/1?a=1&b=2", "Dash board")
    # as typed when Slack did not link it (issue 8, bug 2): accepted, entities undone
    assert parsing.link("https://runbooks.example.com/cdn?a=1&amp;b=2") == ("https://runbooks.example.com/cdn?a=1&b=2", None)
    assert parsing.link("runbooks.example.com/cdn") is None and parsing.link("ftp://x") is None


def test_tokens_keep_markup_with_spaces_together():
    assert parsing.tokens("role scribe <@U1|Alice Smith>") == ["role", "scribe", "<@U1|Alice Smith>"]
    assert parsing.tokens("link <https://x|My dash> extra") == ["link", "<https://x|My dash>", "extra"]


def test_titles_become_plain_text():
    assert parsing.to_plain("API &lt;5s&gt; &amp; <@U1|alice> in <#C1|general> <!here>") == \
        "API <5s> & @alice in #general @here"


def test_mrkdwn_keeps_mentions_but_defuses_channel_pings():
    assert parsing.to_mrkdwn("ping <!channel> and <!here|here> cc <@U1|alice> &amp;") == \
        "ping @channel and @here cc <@U1> &amp;"


def test_plain_input_is_escaped_for_mrkdwn():
    assert parsing.plain_to_mrkdwn(" a < b & c > d ") == "a &lt; b &amp; c &gt; d"


def test_flags_are_taken_out():
    assert parsing.take_flags("identified Found it --comms", {"comms"}) == ("identified Found it", {"comms"})
    assert parsing.take_flags("no flags here", {"comms"}) == ("no flags here", set())
    assert parsing.split_subcommand("  STATUS  identified x ") == ("status", "identified x")


def test_flags_keep_line_breaks_of_multi_line_updates():
    text, flags = parsing.take_flags("identified\nRolled back\n  build 512 --comms", {"comms"})
    assert flags == {"comms"} and text == "identified\nRolled back\n  build 512"


@pytest.mark.parametrize("typed, rest, value", [
    ("--type security Leaked key sev1", "Leaked key sev1", "security"),
    ("Leaked key --type=security", "Leaked key", "security"),
    ("Leaked key", "Leaked key", None),
    ("--type", "", ""),
    ("--typed Leaked", "--typed Leaked", None),
])
def test_an_option_and_its_value_come_out_of_the_text(typed, rest, value):
    assert parsing.take_option(typed, "type") == (rest, value)
