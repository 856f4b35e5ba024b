"""Outbound webhooks' pure rules: the webhooks: config refused naming the key, the retry schedule (at least a
day, backing off, capped), which answers are worth waiting out, and the signature a receiver checks."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import parse_config
from bot.config.reader import ConfigError
from bot.notify.webhook import sign
from bot.webhooks import retry
from kernel.webhooks import EVENTS

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
ENVIRON = {"HOOK_SECRET": SECRET, "SHORT_SECRET": "whsec_" + base64.b64encode(b"k" * 8).decode(),
           "PLAIN_SECRET": "a-plain-secret-of-thirty-two-chars!", "BROKEN_SECRET": "whsec_not*base64"}


def load(hooks: str):
    return parse_config(yaml.safe_load(f"webhooks: {hooks}"), "warroom.yml", ENVIRON)


def test_a_webhook_loads_with_its_events_all_events_and_private_off_by_default():
    [one, every] = load("[{name: ops-bus, url: 'https://hooks.example.com/w?token=x', events: [incident.declared, "
                        "alert.created], secret_env: HOOK_SECRET}, {name: all, url: 'http://10.0.0.5:8080/hook', "
                        "events: '*', secret_env: PLAIN_SECRET, include_private: true}]").webhooks
    assert (one.name, one.url, one.events, one.secret_env, one.include_private) == (
        "ops-bus", "https://hooks.example.com/w?token=x", frozenset({"incident.declared", "alert.created"}),
        "HOOK_SECRET", False)
    assert every.events == frozenset(EVENTS) and every.include_private
    assert parse_config({}, "warroom.yml", {}).webhooks == ()


GOOD = "name: ops, url: 'https://h.example.com/', events: [incident.declared], secret_env: HOOK_SECRET"


@pytest.mark.parametrize("hooks, key, reason", [
    ("{name: ops}", "webhooks", "must be a list"),
    ("[{name: ops, url: 'https://h.example.com/', secret_env: HOOK_SECRET}]", "webhooks[0].events", "is required"),
    (f"[{{{GOOD}, colour: red}}]", "webhooks[0].colour", "unknown key"),
    (f"[{{{GOOD}}}, {{{GOOD}}}]", "webhooks[1].name", "listed twice"),
    ("[{name: Ops Bus, url: 'https://h.example.com/', events: '*', secret_env: HOOK_SECRET}]", "webhooks[0].name",
     "lowercase letters"),
    ("[{name: ops, url: 'ftp://h.example.com/', events: '*', secret_env: HOOK_SECRET}]", "webhooks[0].url",
     "is not an http(s) URL"),
    ("[{name: ops, url: 'hooks.example.com', events: '*', secret_env: HOOK_SECRET}]", "webhooks[0].url",
     "is not an http(s) URL"),
    ("[{name: ops, url: 'https://me:pw@h.example.com/', events: '*', secret_env: HOOK_SECRET}]", "webhooks[0].url",
     "must not carry a user name or password"),
    ("[{name: ops, url: 'https://h.example.com/', events: [incident.declared, incident.exploded], "
     "secret_env: HOOK_SECRET}]", "webhooks[0].events[1]", "'incident.exploded' is not an event; known events: "
     "incident.declared"),
    ("[{name: ops, url: 'https://h.example.com/', events: alert.fired, secret_env: HOOK_SECRET}]",
     "webhooks[0].events", "'alert.fired' is not an event"),
    ("[{name: ops, url: 'https://h.example.com/', events: [], secret_env: HOOK_SECRET}]", "webhooks[0].events",
     "must name at least one event"),
    ("[{name: ops, url: 'https://h.example.com/', events: '*', secret_env: NOT_SET_ANYWHERE}]",
     "webhooks[0].secret_env", "environment variable NOT_SET_ANYWHERE is not set"),
    ("[{name: ops, url: 'https://h.example.com/', events: '*', secret_env: 'not a name'}]",
     "webhooks[0].secret_env", "is not an environment variable name"),
    ("[{name: ops, url: 'https://h.example.com/', events: '*', secret_env: SHORT_SECRET}]",
     "webhooks[0].secret_env", "holds a key of 8 bytes; a signing secret needs 24 to 64"),
    ("[{name: ops, url: 'https://h.example.com/', events: '*', secret_env: BROKEN_SECRET}]",
     "webhooks[0].secret_env", "the rest is not base64"),
    (f"[{{{GOOD}, include_private: maybe}}]", "webhooks[0].include_private", "must be true or false"),
])
def test_a_wrong_webhook_is_refused_at_start_naming_the_key(hooks, key, reason):
    with pytest.raises(ConfigError) as refused:
        load(hooks)
    assert refused.value.key == key and reason in refused.value.reason, str(refused.value)
    assert not any(value in str(refused.value) for value in ENVIRON.values()), "a secret never reaches a message"


def test_the_retries_back_off_from_seconds_to_a_quarter_hour_and_last_over_a_day():
    delays = [retry.delay_after(n, jitter=0.5) for n in range(1, 12)]
    assert delays[:4] == [5.0, 10.0, 20.0, 40.0] and delays[-1] == retry.MAX_DELAY
    assert retry.delay_after(3, retry_after=120.0, jitter=0.5) == 120.0          # the receiver's Retry-After
    assert retry.delay_after(3, retry_after=86400.0, jitter=0.5) == retry.MAX_RETRY_AFTER
    assert not retry.gives_up([500] * 200, first_attempt_at=0.0, now=24 * 3600.0)
    assert retry.gives_up([500] * 200, first_attempt_at=0.0, now=25 * 3600.0)
    assert [retry.gives_up([404] * n, 0.0, 10.0) for n in (1, 2, 3)] == [False, False, True]
    # a receiver back from an outage that refuses for a moment is not given up on its first refusal
    assert not retry.gives_up([503] * 40 + [404], 0.0, 3600.0)
    assert retry.gives_up([404, 503, 410, None, 400], 0.0, 60.0)


@given(st.lists(st.sampled_from([None, 408, 425, 429, 500, 502, 503, 504]), min_size=1, max_size=400),
       st.floats(0, 1, exclude_max=True))
@settings(max_examples=60, deadline=None)
def test_a_receiver_that_keeps_failing_passingly_is_tried_for_at_least_a_day_never_closer_than_the_schedule(
        statuses, jitter):
    """However it fails, a passing failure is retried until 25 hours after the first attempt; no wait is
    shorter than 4.5 s or longer than a quarter hour and a tenth (the worst a receiver back up waits)."""
    now, attempts = 0.0, 0
    for n in range(1, len(statuses) + 1):
        attempts += 1
        if retry.gives_up(statuses[:n], 0.0, now):
            assert now >= 24 * 3600
            return
        delay = retry.delay_after(attempts, jitter=jitter)
        assert 4.5 <= delay <= retry.MAX_DELAY * 1.1
        now += delay
    assert now < retry.RETRY_FOR


@pytest.mark.parametrize("status, passing", [(None, True), (408, True), (429, True), (500, True), (503, True),
                                             (400, False), (401, False), (404, False), (410, False), (301, False)])
def test_which_answers_are_waited_out(status, passing):
    assert retry.is_passing(status) is passing


def test_the_signature_is_the_standard_webhooks_one_over_id_timestamp_and_body():
    body = b'{"type":"incident.declared"}'
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()).decode()
    assert sign(SECRET, "msg_1", 1700000000, body) == f"v1,{expected}"


def test_an_incidents_free_texts_leave_as_typed_and_its_title_as_it_is():
    """The record keeps free text with Slack's escapes and titles plain: a webhook body carries both as
    people typed them."""
    from bot.webhooks.emit import incident_document
    from kernel.incidents import Incident, Status

    incident = Incident(1, "R&D <api> down", "R&amp;D &lt;api&gt; returns 502", "SEV2", Status.RESOLVED, "U1", "U1",
                        0.0, None, False, "incident-1", "C1", 60.0, "Cache &amp; DB", "a &lt; b", None, 0.0, None, {},
                        60.0)
    document = incident_document(incident, {"commander": "U1"}, None)
    assert (document["title"], document["description"], document["summary"], document["root_cause"],
            document["mitigation"]) == ("R&D <api> down", "R&D <api> returns 502", "Cache & DB", "a < b", None)
