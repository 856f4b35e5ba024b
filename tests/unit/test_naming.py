from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.incidents.naming import (
    channel_name,
    is_valid_channel_name,
    slugify,
    with_suffix,
)

WHEN = datetime(2026, 3, 26, 10, 0)


def test_default_template_gives_the_documented_name():
    name = channel_name("incident-{date}-{slug}", title="API latency", number=7, severity="SEV2", when=WHEN)
    assert name == "incident-2026-03-26-api-latency"


def test_punctuation_accents_and_case_become_dashes():
    assert slugify("Checkout: ÉU payments > 5s!!") == "checkout-eu-payments-5s"


def test_title_with_no_letters_falls_back_to_the_number():
    assert channel_name("incident-{date}-{slug}", title="🔥🔥", number=42, severity="SEV1", when=WHEN) == \
        "incident-2026-03-26-42"


def test_long_titles_are_cut_at_a_word_and_stay_within_80():
    name = channel_name("incident-{date}-{slug}", title="word " * 60, number=1, severity="SEV1", when=WHEN)
    assert len(name) <= 80 and not name.endswith("-") and name.endswith("word")


def test_suffixes_keep_the_limit():
    base = "x" * 80
    assert with_suffix(base, 1) == base
    assert with_suffix(base, 12) == "x" * 77 + "-12"


@given(title=st.text(max_size=300), number=st.integers(min_value=1, max_value=10**7),
       template=st.sampled_from(["incident-{date}-{slug}", "inc-{number}-{slug}", "{severity}_{slug}",
                                 "{slug}", "ir-{number}"]))
def test_every_title_gives_a_slack_valid_name(title, number, template):
    name = channel_name(template, title=title, number=number, severity="SEV1", when=WHEN)
    assert is_valid_channel_name(name), name
    for attempt in (2, 9, 99):
        assert is_valid_channel_name(with_suffix(name, attempt))
        assert with_suffix(name, attempt) != name
