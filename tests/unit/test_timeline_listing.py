"""A timeline event as one line of `/incident timeline`: on one line, cut short, never inside Slack markup."""

from bot.slack.incidents.timeline import LINE_TEXT, one_line
from kernel.incidents import TimelineEvent


def event(text: str) -> TimelineEvent:
    return TimelineEvent(7, 1, 0.0, "U1", "event", text, {}, False)


def test_a_short_event_keeps_its_words_on_one_line():
    assert one_line(event("Customer reported\n\n502s  on checkout")).text == "Customer reported 502s on checkout"


def test_a_long_event_is_cut_before_a_link_it_would_split():
    link = "<https://grafana.example.com/d/abc|the dashboard>"
    text = "x" * (LINE_TEXT - 10) + " " + link + " and more"
    shown = one_line(event(text)).text
    assert shown == "x" * (LINE_TEXT - 10) + " …" and "<" not in shown


def test_a_long_event_without_markup_is_cut_at_the_limit():
    shown = one_line(event("word " * 200)).text
    assert shown.endswith(" …") and len(shown) <= LINE_TEXT + 2


def test_a_long_event_is_cut_before_an_escape_it_would_split():
    text = "x" * (LINE_TEXT - 3) + "&amp; &lt;b&gt; and more"    # as the record keeps "& <b>"
    shown = one_line(event(text)).text
    assert shown == "x" * (LINE_TEXT - 3) + " …"
    kept = "x" * (LINE_TEXT - 8) + "&amp; y" + "z" * 20
    assert one_line(event(kept)).text.startswith("x" * (LINE_TEXT - 8) + "&amp; y")
