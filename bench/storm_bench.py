"""An alert storm through the bot against a rate-limiting sandbox, on-call lookups, memory after the storm.

    python bench/storm_bench.py                     # 10,000 alerts in 60 s, then settle; under 3 minutes
    python bench/storm_bench.py --intake http       # through bot.http.WebhookServer even if bot/app.py
                                                    # does not start one (the bench starts it on the bot's loop)
    python bench/storm_bench.py --alerts 2000 --seconds 20    # a smaller storm

A plain script, never a test. The bot is the unmodified ``Warroom`` (``EmbeddedBot``) in a process of its
own (bench/common.py ``BotProcess``) so its memory and CPU are its own; the sandbox, with
``strict_rate_limits`` on, runs here. The bot runs at production pacing (``rate_limit_scale`` 1.0): the
storm figures are about Slack's rate limits. Figures go to stdout and to ``bench/results/storm_bench.json``.

1. a storm of N alerts in S seconds (mostly distinct dedup keys, some repeats), fed in 1 s slices through the
   webhook intake if ``bot/app.py`` starts one, else through ``AlertService.receive`` on the bot's loop;
   Web API calls by method until settled, 429s, time to settle, channel messages and DMs that resulted
2. ``OnCallService.on_call`` lookups per second with overrides in the database
   (``bench/oncall_bench.py`` measures the pure schedule engine without the database)
3. the bot's RSS after the storm
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import random
import sys
import tempfile
import time
import urllib.request
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BotProcess,
    by_method,
    start_sandbox,
    web_api_calls,
)
from report import (  # noqa: E402
    machine,
    median,
    ms,
    percentile,
    table,
    write_results,
)

from bot.logs import setup_logging  # noqa: E402

SOURCE = "monitoring"
KEY_ENV = "WARROOM_BENCH_STORM_KEY"
KEY = "bench-storm-key-0123456789abcdef"
FLAPPING_KEYS = 25            # dedup keys that fire again and again through the storm
REPEAT_SHARE = 0.15           # of the events: repeats (of a flapping key or of an earlier alert)
DEADLINE_GRACE = 30.0         # s past the storm's length after which nothing more is sent (3-minute budget)
SETTLE_LIMIT = 60.0           # s to wait for the bot to settle after the storm
OVERRIDES = 60


def config_yaml(sandbox) -> str:
    """Users, schedules, an escalation policy and alert sources like tests/e2e/oncall_config.py (not imported)."""
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol", "dave")}
    # the rotation began 60 days ago, so every instant the lookups ask about has someone on call
    midnight = (dt.datetime.now(dt.UTC) - dt.timedelta(days=60)).strftime("%Y-%m-%dT00:00")
    return f"""
users:
  - {{slack_id: {ids['alice']}, name: alice, timezone: Europe/London}}
  - {{slack_id: {ids['bob']}, name: bob, timezone: America/New_York}}
  - {{slack_id: {ids['carol']}, name: carol}}
  - {{slack_id: {ids['dave']}, name: dave, timezone: Asia/Tokyo}}
schedules:
  - name: primary
    timezone: UTC
    rotation: {{users: [alice, bob], length: 1d, handoff: "{midnight}"}}
  - name: secondary
    timezone: Europe/London
    layers:
      - {{users: [carol, dave], length: 1w, handoff: "2026-01-05T09:00"}}
      - users: [dave]
        length: 1d
        handoff: "2026-01-05T00:00"
        restrictions: [{{days: weekdays, start: "20:00", end: "08:00"}}]
escalation_policies:
  - name: default
    repeat: 1
    levels:
      - {{notify: [schedule:primary], timeout: 5m}}
      - {{notify: [user:carol], timeout: 5m}}
alert_sources:
  - {{name: ops, type: slack, escalation_policies: [default], channels: [ops], priority: high}}
  - {{name: {SOURCE}, type: webhook, escalation_policy: default, key_env: {KEY_ENV}}}
http:
  listen: 127.0.0.1:0
"""


# the storm --------------------------------------------------------------------------------------------
def storm_events(count: int, seed: int = 4) -> list[dict[str, Any]]:
    """``count`` events: about 85 % new dedup keys, the rest fired again (flapping checks and earlier alerts)."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    seen: list[str] = []
    for n in range(count):
        if n >= FLAPPING_KEYS and rng.random() < REPEAT_SHARE:
            key = f"flap-{rng.randrange(FLAPPING_KEYS)}" if rng.random() < 0.6 else rng.choice(seen)
        elif n < FLAPPING_KEYS:
            key = f"flap-{n}"
        else:
            key = f"host-{n:05d}"
        if key not in seen:
            seen.append(key)
        events.append({"summary": f"{key} is down (check_http timed out)", "dedup_key": key,
                       "details": f"event {n}: no answer on :443 within 10 s"})
    return events


def post_slice(port: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    """One webhook request with this slice, as a monitoring system would send it (generic JSON, a batch)."""
    body = json.dumps([{k: e[k] for k in ("summary", "details", "dedup_key")} for e in events]).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/alerts/{SOURCE}", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
    began = time.perf_counter()
    with opener.open(request, timeout=30) as response:
        answer = json.loads(response.read())
        status = response.status
    return {"seconds": time.perf_counter() - began, "status": status,
            "created": sum(1 for a in answer.get("alerts", []) if a.get("created"))}


def run_storm(sandbox, bot: BotProcess, events: list[dict[str, Any]], seconds: float, port: int | None,
              deadline: float | None) -> dict[str, Any]:
    """One slice a second; a slice the intake could not take in time goes as soon as the last one is done.
    Nothing more is sent after ``deadline`` seconds (None: until every slice is sent)."""
    slices = max(1, round(seconds))
    per_slice = -(-len(events) // slices)
    began = time.monotonic()
    took: list[float] = []
    created = late = sent = 0
    for n in range(slices):
        chunk = events[n * per_slice:(n + 1) * per_slice]
        if not chunk:
            break
        if deadline is not None and time.monotonic() - began >= deadline:
            break
        wait = began + n * (seconds / slices) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        elif n:
            late += 1
        result = post_slice(port, chunk) if port else bot.act("receive", source=SOURCE, events=chunk)
        took.append(result["seconds"])
        created += result["created"]
        sent += len(chunk)
    head, tail = took[:5], took[-5:]
    return {"storm_s": round(time.monotonic() - began, 2), "slices_sent": len(took), "slices_planned": slices,
            "events_per_slice": per_slice, "alerts_sent": sent, "slices_started_late": late, "created": created,
            "slice_intake_ms": {"p50": ms(percentile(took, 50)), "p99": ms(percentile(took, 99)), "max": ms(max(took)),
                                "first_5_median": ms(median(head)), "last_5_median": ms(median(tail))},
            "intake_busy_s": round(sum(took), 2)}


def dm_messages(sandbox, users: list[str]) -> dict[str, int]:
    out = {}
    for user in users:
        channel = sandbox.dm_channel(sandbox.user(user)["id"])
        out[user] = len(sandbox.messages(channel)) if channel else 0
    return out


def bench_storm(sandbox, bot: BotProcess, count: int, seconds: float, intake: str, deadline: float | None,
                settle_limit: float) -> dict[str, Any]:
    port = bot.act("webhook_port")
    wired = port is not None
    if intake == "http" and port is None:
        port = bot.act("start_webhook_server")
    if intake == "service":
        port = None
    path = ("webhook intake started by bot/app.py" if wired and port else
            "bot.http.WebhookServer started by the bench on the bot's loop (bot/app.py does not start one)" if port else
            "AlertService.receive on the bot's loop (bot/app.py does not start the webhook server)" if not wired else
            "AlertService.receive on the bot's loop (asked for with --intake service)")
    events = storm_events(count)
    distinct = len({e["dedup_key"] for e in events})
    alerts_channel = sandbox.channel("alerts")["id"]
    messages_before = len(sandbox.messages("alerts"))
    people = ["alice", "bob", "carol", "dave"]
    dms_before = dm_messages(sandbox, people)
    sandbox.strict_rate_limits = True
    limited_before = sandbox.rate_limited_calls
    mark = sandbox.mark()
    print(f"storm: {count:,} alerts ({distinct:,} distinct dedup keys) over {seconds:g} s via {path} ...", flush=True)
    storm = run_storm(sandbox, bot, events, seconds, port, deadline)
    storm_end = time.monotonic()
    calls_in_storm = len(web_api_calls(sandbox, mark))
    settled = True
    try:
        settle_s = bot.settle_or_fail(settle_limit)
    except RuntimeError:
        settled, settle_s = False, time.monotonic() - storm_end
    pending = bot.act("outbox")
    calls = web_api_calls(sandbox, mark)
    last_call = max((c.started + c.duration for c in calls), default=storm_end)
    posts = [c for c in calls if c.method == "chat.postMessage"]
    alerts_posts = sum(1 for c in posts if c.params.get("channel") == alerts_channel)
    dms_after = dm_messages(sandbox, people)
    db = bot.query("SELECT count(*), coalesce(sum(event_count), 0), "
                   "sum(status = 'pending'), sum(status = 'accepted') FROM alerts")[0]
    escalations = bot.query("SELECT count(*) FROM escalations")[0][0] if _has_table(bot, "escalations") else None
    pages = bot.query("SELECT count(*) FROM pages")[0][0] if _has_table(bot, "pages") else None
    out = {
        "intake": path, "alerts_planned": count, "distinct_keys_planned": distinct, **storm,
        "alerts_in_db": db[0], "events_in_db": db[1], "escalations": escalations, "pages": pages,
        "web_api_calls": len(calls), "web_api_calls_during_storm": calls_in_storm, "by_method": by_method(calls),
        "http_429": sandbox.rate_limited_calls - limited_before,
        "settled": settled, "settle_after_storm_s": round(settle_s, 1),
        "last_call_after_storm_s": round(last_call - storm_end, 1),
        "alerts_channel_messages": len(sandbox.messages("alerts")) - messages_before,
        "alerts_channel_posts": alerts_posts,
        "dm_messages": {u: dms_after[u] - dms_before[u] for u in people},
        "outbox_after": pending,
    }
    sandbox.strict_rate_limits = False
    rows = [
        ("intake", path),
        ("alerts planned / distinct dedup keys", f"{count:,} / {distinct:,}"),
        ("alerts sent before the deadline" if deadline else "alerts sent",
         f"{storm['alerts_sent']:,} in {storm['slices_sent']} of {storm['slices_planned']} slices"
         + (f" (deadline {deadline:g} s)" if deadline else "")),
        ("storm length (s), events per slice", f"{storm['storm_s']} s, {storm['events_per_slice']}"),
        ("intake time per slice p50 / p99 / max (ms)",
         " / ".join(str(storm["slice_intake_ms"][k]) for k in ("p50", "p99", "max"))),
        ("intake time per slice, first 5 / last 5 (median ms)",
         f"{storm['slice_intake_ms']['first_5_median']} / {storm['slice_intake_ms']['last_5_median']}"),
        ("slices that started late (intake fell behind)", storm["slices_started_late"]),
        ("alerts stored / events counted", f"{db[0]:,} / {db[1]:,}"),
        ("Web API calls, storm start until settled", f"{len(calls):,}"),
        ("  of which during the storm", f"{calls_in_storm:,}"),
        ("  by method", ", ".join(f"{m} {n}" for m, n in out["by_method"].items())),
        ("HTTP 429s from the sandbox (target 0)", out["http_429"]),
        ("settled after the storm (s)", f"{out['settle_after_storm_s']}" + ("" if settled else
                                                                        f" NOT SETTLED (limit {settle_limit:g} s)")),
        ("messages in #alerts (posts)", f"{out['alerts_channel_messages']} ({alerts_posts} chat.postMessage)"),
        ("DM messages by person", ", ".join(f"{u} {n}" for u, n in out["dm_messages"].items())),
    ]
    if not settled:
        rows.append(("effects left in the outbox", ", ".join(f"{k} {n}" for k, n in pending.items() if "pending" in k)))
    table(f"1. Alert storm: {count:,} alerts planned over {seconds:g} s, sandbox strict_rate_limits on, "
          "bot at production pacing (rate_limit_scale 1.0)", ("", "value"), rows)
    return out


def _has_table(bot: BotProcess, name: str) -> bool:
    return bool(bot.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))


# on-call lookups --------------------------------------------------------------------------------------
def bench_oncall(sandbox, bot: BotProcess, seconds: float = 2.0) -> dict[str, Any]:
    rng = random.Random(9)
    now = time.time()
    people = [sandbox.user(u)["id"] for u in ("alice", "bob", "carol", "dave")]
    instants = [now + rng.uniform(-20 * 86400, 40 * 86400) for _ in range(500)]
    results = {}
    for schedule in ("primary", "secondary"):
        results[f"{schedule}, no overrides"] = bot.act("oncall_rate", schedule=schedule, instants=instants, seconds=seconds)
    overrides = []
    for n in range(OVERRIDES):
        start = now + rng.uniform(-25 * 86400, 35 * 86400)
        overrides.append((people[n % 4], start, start + rng.uniform(3600, 3 * 86400)))
    for schedule in ("primary", "secondary"):
        bot.act("add_overrides", schedule=schedule, overrides=overrides)
        results[f"{schedule}, {OVERRIDES} overrides"] = bot.act("oncall_rate", schedule=schedule, instants=instants,
                                                                 seconds=seconds)
    rows = [(label, r["per_second"], 1e6 / r["per_second"], r["distinct_answers"]) for label, r in results.items()]
    table("2. OnCallService.on_call lookups on the bot's loop (overrides read from SQLite on every lookup; "
          "bench/oncall_bench.py measures the pure engine)", ("schedule", "lookups/s", "us each", "distinct answers"), rows)
    return {label: {"per_second": round(r["per_second"]), "us_each": round(1e6 / r["per_second"], 1),
                    "lookups": r["lookups"]} for label, r in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the storm lasts (1 s slices)")
    parser.add_argument("--intake", choices=("auto", "service", "http"), default="auto",
                        help="auto: the webhook server if bot/app.py starts one, else AlertService.receive")
    parser.add_argument("--no-deadline", action="store_true",
                        help=f"send every slice however long the intake takes (by default nothing more is sent "
                             f"{DEADLINE_GRACE:g} s after the storm should have ended, to stay under 3 minutes)")
    args = parser.parse_args()
    args.alerts = max(1, min(args.alerts, 100_000))
    args.seconds = max(1.0, min(args.seconds, 120.0))
    setup_logging("ERROR")
    info = machine()
    print(f"storm_bench: {info['cores']} cores, Python {info['python']}, load {info['loadavg_1m_at_start']}, "
          f"commit {info['commit']}" + (f" + uncommitted {', '.join(info['uncommitted_changes'])}"
                                        if info["uncommitted_changes"] else ""))
    began = time.perf_counter()
    results: dict[str, Any] = {"machine": info}
    sandbox = start_sandbox()
    folder = tempfile.TemporaryDirectory()
    try:
        sandbox.add_channel("ops", members=[sandbox.user("dave")["id"]])
        bot = BotProcess(sandbox, f"{folder.name}/warroom.db", config_yaml=config_yaml(sandbox),
                         rate_limit_scale=1.0, env={KEY_ENV: KEY})
        try:
            results["rss_before"] = bot.rss()
            deadline = None if args.no_deadline else args.seconds + DEADLINE_GRACE
            settle = SETTLE_LIMIT if deadline else 600.0
            results["storm"] = bench_storm(sandbox, bot, args.alerts, args.seconds, args.intake, deadline, settle)
            results["rss_after_storm"] = bot.rss()
            results["apscheduler_jobs_after_storm"] = bot.act("jobs")
            results["oncall"] = bench_oncall(sandbox, bot)
        finally:
            bot.stop()
    finally:
        sandbox.stop()
        folder.cleanup()
    before, after = results["rss_before"], results["rss_after_storm"]
    table("3. Memory of the bot process (RSS, MB)", ("", "RSS", "peak"), [
        ("started, before the storm", before["rss_mb"], before["peak_mb"]),
        ("after the storm settled", after["rss_mb"], after["peak_mb"]),
        (f"APScheduler jobs after the storm: {results['apscheduler_jobs_after_storm']:,}", "", ""),
    ])
    results["wall_s"] = round(time.perf_counter() - began, 1)
    print(f"\nstorm_bench took {results['wall_s']} s")
    write_results("storm_bench", results)


if __name__ == "__main__":
    main()
