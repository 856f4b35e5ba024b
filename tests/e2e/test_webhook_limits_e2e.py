"""Webhook limits through the whole bot and Slack: big requests never keep a slash command waiting, a
source at its cap of open alerts is announced in its channel, a wall clock stepped back does not hold
a new alert's post."""

import asyncio
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.e2e.helpers import texts
from tests.e2e.oncall_config import oncall_yaml
from tests.loop_watch import record_stalls

KEY = "test-webhook-key"
BIG_REQUESTS = 4
EVENTS = 1000             # bot.alerts.payloads.MAX_EVENTS
# Each event is a new alert that pages someone: on PostgreSQL, with the suite's other worker on the
# same two cores, that is a few hundred a second. How fast is bench/webhook_bench.py's to measure;
# here a sender waits as long as its storing takes, and what is asserted is what people see meanwhile.
STORING_TIMEOUT = 180


@pytest.fixture
def config_text(sandbox, monkeypatch):
    monkeypatch.setenv("WARROOM_TEST_HOOK_KEY", KEY)
    return oncall_yaml(sandbox, extra="""
  - {name: big, type: webhook, escalation_policy: default, key_env: WARROOM_TEST_HOOK_KEY, priority: low,
     limits: {alerts_per_second: 100000, burst: 1000000, open_alerts: 1000000}}
  - {name: capped, type: webhook, escalation_policy: default, key_env: WARROOM_TEST_HOOK_KEY,
     limits: {open_alerts: 2}}
  - {name: cron, type: webhook, escalation_policy: default, key_env: WARROOM_TEST_HOOK_KEY}
""")


def post(bot, source, body, timeout=STORING_TIMEOUT):
    request = urllib.request.Request(
        f"http://127.0.0.1:{bot.bot.webhooks.port}/alerts/{source}", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_slash_commands_are_answered_while_big_requests_are_stored(bot, sandbox):
    stalls: list[float] = []
    beating = asyncio.run_coroutine_threadsafe(record_stalls(stalls), bot.loop)  # on the bot's own loop
    with ThreadPoolExecutor(BIG_REQUESTS) as senders:
        answers = [senders.submit(post, bot, "big", [{"summary": f"batch {b} check {i} failed"} for i in range(EVENTS)])
                   for b in range(BIG_REQUESTS)]
        sandbox.wait_for(lambda: bot.query("SELECT count(*) FROM alerts")[0][0] > 0, timeout=60,
                         message="nothing was stored")
        acks = []
        for _ in range(3):
            began = time.monotonic()
            result = sandbox.as_user("alice").command("/il-oncall", "", channel="general")
            acks.append((bool(result.ack), time.monotonic() - began))
        stored_meanwhile = bot.query("SELECT count(*) FROM alerts")[0][0]
        assert [a.result()[0] for a in answers] == [202] * BIG_REQUESTS
    beating.cancel()
    assert bot.query("SELECT count(*) FROM alerts") == [(BIG_REQUESTS * EVENTS,)]
    assert max(stalls) < 0.5, f"the bot's loop stalled {max(stalls):.3f} s"
    assert all(acked for acked, _ in acks) and max(took for _, took in acks) < 1.5, acks
    assert stored_meanwhile < BIG_REQUESTS * EVENTS, "the commands waited for the big requests"


def test_a_source_at_its_cap_of_open_alerts_is_announced_once_in_its_channel(bot, sandbox):
    assert post(bot, "capped", [{"summary": "disk 91% on db-1"}, {"summary": "disk 93% on db-2"}])[0] == 202
    for _ in range(3):  # the sender retries
        status, body = post(bot, "capped", {"summary": "disk 97% on db-3"})
        assert status == 507 and body["refused"] == 1
    bot.settle()
    notices = [t for t in texts(sandbox, "alerts") if t.startswith(":no_entry:")]
    assert notices == [":no_entry: *capped* has 2 open alerts, the most warroom keeps open for one source, so new "
                       "alerts from it are refused until some are resolved (its sender is told to send them again "
                       "later; repeats and resolves still arrive). Resolve what is over, or raise `limits.open_alerts` "
                       "for capped in warroom.yml."]


def test_a_wall_clock_stepped_back_does_not_hold_a_new_alerts_post(bot, sandbox):
    assert post(bot, "cron", {"summary": "Nightly backup failed on db-1"})[0] == 202
    sandbox.wait_for(lambda: len(sandbox.messages("alerts")) == 1, timeout=10, message="the first alert was not posted")
    bot.advance(timedelta(hours=-1))  # NTP, or a person, sets the clock back an hour
    assert post(bot, "cron", {"summary": "Nightly backup failed on db-2"})[0] == 202
    sandbox.wait_for(lambda: len(sandbox.messages("alerts")) == 2, timeout=10,
                     message="the second alert's post waits for the clock")
    assert "Nightly backup failed on db-2" in texts(sandbox, "alerts")[-1]
