"""Issue 8, bug 4 (the bot's side): a submitted view is read by element type, the way Slack sends it."""

import pytest

from bot.slack.forms import FormError, values


def view(**state):
    return {"state": {"values": {block: {block: value} for block, value in state.items()}}}


def test_each_element_type_gives_its_one_shape():
    got = values(view(
        message={"type": "plain_text_input", "value": "Latency back to normal, watching for 30 min"},
        status={"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "Monitoring"},
                                                             "value": "monitoring"}},
        commander={"type": "users_select", "selected_user": "U0BOB"},
        private={"type": "checkboxes", "selected_options": [{"value": "private"}]},
        empty={"type": "plain_text_input", "value": None},
    ))
    assert got == {"message": "Latency back to normal, watching for 30 min", "status": "monitoring",
                   "commander": "U0BOB", "private": ["private"], "empty": ""}


@pytest.mark.parametrize("state", [
    {"type": "plain_text_input", "value": ["Latency back to normal", " watching for 30 min"]},
    {"type": "static_select", "selected_option": "monitoring"},
    {"type": "users_select", "selected_user": ["U1", "U2"]},
    {"type": "checkboxes", "selected_options": "private"},
    {"type": "mystery_input", "value": "x"},
])
def test_a_value_of_the_wrong_shape_is_refused_naming_the_field(state):
    with pytest.raises(FormError) as refused:
        values(view(message=state))
    assert refused.value.code == "form_value_malformed" and refused.value.field == "message"
