"""Log values: whatever text a field holds, it stays one field of one line."""

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.logs import _value, redact

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@given(st.text())
def test_a_value_never_holds_a_control_character_and_reads_back_as_one_field(text):
    written = _value(text)
    assert not CONTROL.search(written)
    assert " " not in written or (written.startswith('"') and written.endswith('"'))


def test_response_urls_and_verification_tokens_are_scrubbed_in_every_shape_a_payload_is_logged():
    url = "https://hooks.slack.com/commands/T0AAA/1234/AbCdEf"
    shapes = [
        '{"token": "add954217c3231fa", "response_url": "%s"}' % url.replace("/", "\\/"),   # Slack's JSON
        "{'token': 'add954217c3231fa', 'response_url': '%s'}" % url,                        # a Python dict
        _value('{"token": "add954217c3231fa", "response_url": "%s"}' % url.replace("/", "\\/")),  # in a log value
        "response_url=%s&token=add954217c3231fa" % url.replace("/", "%2F").replace(":", "%3A"),  # a form body
        "Sending a request - url: %s, body: {}" % url,
    ]
    for shape in shapes:
        scrubbed = redact(shape)
        assert "add954217c3231fa" not in scrubbed and "AbCdEf" not in scrubbed, scrubbed


def test_a_database_password_quoted_in_a_log_line_is_hidden():
    line = ("could not connect to postgresql://warroom:hunter2@db.internal/warroom; "
            "retrying with host=db.internal password=hunter2 dbname=warroom")
    scrubbed = redact(line)
    assert "hunter2" not in scrubbed
    assert "postgresql://warroom:***@db.internal/warroom" in scrubbed
