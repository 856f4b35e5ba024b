"""GET /metrics: the real bot against the sandbox, scraped and parsed as Prometheus parses it."""

from __future__ import annotations

import json
import os
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness import make_config
from harness.bots import BotThread
from tests.e2e.helpers import declare
from tests.e2e.oncall_config import oncall_yaml

KEY_ENV = "HOME"      # the webhook source's key: any variable the test process has


@pytest.fixture
def config_text(sandbox):
    sandbox.add_channel("ops", members=[sandbox.user("dave")["id"]])
    return oncall_yaml(sandbox, extra=f"""
  - {{name: monitoring, type: webhook, escalation_policy: default, key_env: {KEY_ENV}}}
""")


def scrape(web) -> dict[str, dict[tuple, float]]:
    """name -> {sorted label items: value}, for every sample /metrics shows."""
    reply = web.get("/metrics")
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4"), reply.headers
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(reply.body):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def post_alerts(web, source: str, events: list[dict]) -> int:
    request = urllib.request.Request(f"{web.base}/alerts/{source}", data=json.dumps(events).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {os.environ[KEY_ENV]}"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as reply:
        return reply.status


def test_metrics_count_what_happened_and_read_the_database_at_scrape_time(bot, sandbox, web):
    before = scrape(web)
    assert before["warroom_database_up"] == {(): 1.0}
    assert before["warroom_incidents_open"] == {(("severity", s),): 0.0 for s in ("SEV1", "SEV2", "SEV3", "SEV4")}
    assert "warroom_alerts_received_total" not in before and "warroom_pages_sent_total" not in before
    assert "warroom_alerts_received_created" not in before, "no _created series"

    declare(sandbox, bot, "Checkout errors sev2")
    mark = sandbox.mark()
    sandbox.faults.rate_limit("chat.postMessage", times=1, retry_after=1)   # the alert's first post is refused
    assert post_alerts(web, "monitoring", [{"summary": "Disk full on db-3", "dedup_key": "disk-db-3"},
                                           {"summary": "Disk full on db-3", "dedup_key": "disk-db-3"},
                                           {"summary": "Queue stuck", "dedup_key": "queue"}]) == 202
    sandbox.wait_for(lambda: any(c.method == "chat.postMessage" and c.http_status == 200 for c in sandbox.calls_since(mark)),
                     timeout=10, message="nothing posted after the 429")
    bot.settle()
    paged = [u for u in ("alice", "bob") if sandbox.dm_channel(sandbox.user(u)["id"])]
    assert len(paged) == 1, "the primary schedule's one person is paged"
    dms = sandbox.messages(sandbox.dm_channel(sandbox.user(paged[0])["id"]))
    assert len(dms) == 1, "both alerts' pages share one DM"

    after = scrape(web)
    assert after["warroom_incidents_open"][(("severity", "SEV2"),)] == 1.0
    assert after["warroom_incidents_open"][(("severity", "SEV1"),)] == 0.0
    assert after["warroom_alerts_received_total"] == {(("source", "monitoring"),): 3.0}
    assert after["warroom_pages_sent_total"] == {(("channel", "slack"), ("result", "ok")): 1.0}
    limited = [c for c in sandbox.calls_since(mark) if c.http_status == 429]
    assert [c.method for c in limited] == ["chat.postMessage"]
    assert after["warroom_slack_rate_limited_total"] == {(("method", "chat.postMessage"),): 1.0}
    # every chat.postMessage the sandbox saw was timed, the refused one too
    posts = [c for c in sandbox.calls if c.method == "chat.postMessage"]
    timed = after["warroom_slack_request_duration_seconds_count"][(("method", "chat.postMessage"),)]
    assert timed == len(posts) and timed >= 4   # announcement, pinned status, alert post, the DM...
    assert after["warroom_slack_request_duration_seconds_bucket"][(("le", "+Inf"), ("method", "chat.postMessage"))] \
        == timed
    assert after["warroom_slack_request_duration_seconds_sum"][(("method", "chat.postMessage"),)] > 0
    assert after["warroom_effects_pending"][(("kind", "message.post"),)] == 0.0
    assert after["warroom_effects_failed"][(("kind", "message.post"),)] == 0.0
    assert bot.query("SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]


def test_effect_gauges_are_the_outbox_as_it_is_now(bot, sandbox, web):
    def record() -> None:
        outbox = bot.bot.outbox
        with bot.bot.work():
            now = bot.clock.time()
            outbox.add("message.post", {"target": "x", "message": "m", "context": {}}, lane="later:1", now=now,
                       delay=86400)    # not due for a day: waits
            outbox.add("no.such.kind", {}, lane="nope:1", now=now)   # no handler: given up at once
    bot.run(record)
    bot.settle(horizon=60)
    assert bot.query("SELECT kind, state FROM outbox WHERE lane IN ('later:1', 'nope:1') ORDER BY kind") == [
        ("message.post", "pending"), ("no.such.kind", "failed")]
    seen = scrape(web)
    assert seen["warroom_effects_pending"][(("kind", "message.post"),)] == 1.0
    assert seen["warroom_effects_failed"][(("kind", "no.such.kind"),)] == 1.0
    assert seen["warroom_effects_failed"][(("kind", "message.post"),)] == 0.0
    declare(sandbox, bot, "Second one sev1")
    assert scrape(web)["warroom_incidents_open"][(("severity", "SEV1"),)] == 1.0


def test_two_bots_in_one_process_keep_their_own_counters(bot, sandbox, web, tmp_path):
    other = BotThread(sandbox, make_config(""), str(tmp_path / "other.db")).start()
    try:
        post_alerts(web, "monitoring", [{"summary": "One", "dedup_key": "one"}])
        assert other.bot.metrics.registry is not bot.bot.metrics.registry
        assert other.bot.metrics.registry.get_sample_value("warroom_alerts_received_total",
                                                           {"source": "monitoring"}) is None
        assert bot.bot.metrics.registry.get_sample_value("warroom_alerts_received_total",
                                                         {"source": "monitoring"}) == 1.0
    finally:
        other.stop()
