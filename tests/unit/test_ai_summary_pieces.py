"""A long drafted paragraph is split between words into pieces a Slack section holds, losing nothing."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.incidents.summary import pieces

words = st.text(alphabet=st.characters(blacklist_characters=" ", blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60)
@given(st.lists(words, min_size=1, max_size=300), st.integers(min_value=40, max_value=400))
def test_pieces_hold_every_word_in_order_within_the_limit(paragraph_words, limit):
    paragraph = " ".join(paragraph_words)
    cut = pieces(paragraph, limit)
    assert all(0 < len(piece) <= limit for piece in cut)
    assert " ".join(cut) == paragraph


def test_a_word_longer_than_the_limit_is_cut_between_characters():
    assert pieces("ab " + "x" * 25, 10) == ["ab", "x" * 10, "x" * 10, "x" * 5]
    assert pieces("word " * 1200, 2500)[0].startswith("word word") and len(pieces("word " * 1200, 2500)) == 3
