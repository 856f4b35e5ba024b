"""Pages beyond Slack: from an alert received to the first attempt on each method, and a storm of
1,000 simultaneous pages (plain script, not a test).

    python bench/notify_bench.py                 # 100 single alerts, then 1,000 at once; SQLite
    python bench/notify_bench.py --postgresql    # the same on PostgreSQL (WARROOM_TEST_POSTGRES's server)

The real bot (in this process, production pacing) against the sandbox, with every provider a local fake
from tests/fakes (ntfy, Pushover, Twilio, SMTP, a webhook receiver) on loopback. Each person's rules put
every method at 0 s, so each notification's first attempt is measured from the alert's creation, in
the database's own times (notification_log). "slack" is the Do Not Disturb check before the Slack step.
Figures go to stdout and bench/results/notify_bench.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from common import RESULTS, BenchBot, bench_databases, drop_proxies, make_config, start_sandbox  # noqa: E402
from report import rss_mb  # noqa: E402

from bot.alerts.model import AlertEvent  # noqa: E402
from tests.fakes.ntfy import FakeNtfy  # noqa: E402  (the fakes the tests use, shared on purpose)
from tests.fakes.pushover import FakePushover  # noqa: E402
from tests.fakes.smtp import FakeSmtp  # noqa: E402
from tests.fakes.twilio import FakeTwilio  # noqa: E402
from tests.fakes.webhook import FakeWebhookReceiver  # noqa: E402

PUSHOVER_APP, PUSHOVER_USER = "a" * 30, "u" * 30
SID, TOKEN, NUMBER = "AC" + "1" * 32, "bench-token", "+15005550006"
SECRET = "whsec_" + base64.b64encode(b"b" * 32).decode()
METHODS = ("slack", "ntfy", "pushover", "email", "webhook", "sms", "voice")


def config(sandbox, fakes, people: list[str]) -> str:
    users = "\n".join(f"""  - slack_id: {sandbox.user(p)['id']}
    name: {p}
    contact: {{email: {p}@example.com, ntfy: {p}-pages, pushover: {PUSHOVER_USER}, phone: "+1415555{i:04d}",
              webhook: {{url: "{fakes['hook'].url}/hook", secret_env: BENCH_HOOK_SECRET}}}}
    notify: [slack 0, ntfy 0, pushover 0, email 0, webhook 0, sms 0, voice 0]""" for i, p in enumerate(people))
    return f"""
users:
{users}
notify:
  email: {{smtp: "127.0.0.1:{fakes['smtp'].port}", security: none, from: pages@example.com}}
  ntfy: {{url: "{fakes['ntfy'].url}"}}
  pushover: {{url: "{fakes['pushover'].url}"}}
  twilio: {{url: "{fakes['twilio'].url}", from: "{NUMBER}"}}
schedules:
  - name: primary
    timezone: UTC
    rotation: {{users: [{people[0]}], length: 1w, handoff: "2026-01-05T00:00"}}
escalation_policies:
  - {{name: default, levels: [{{notify: [schedule:primary], timeout: 1h}}]}}
alert_sources:
  - {{name: bench, type: webhook, escalation_policy: default, key_env: BENCH_SOURCE_KEY,
     limits: {{alerts_per_second: 100000, burst: 100000, open_alerts: 100000}}}}
"""


def first_attempts(bot, since_alert: int) -> dict[str, list[float]]:
    rows = bot.query(
        "SELECT n.method, min(l.at) - a.created_at FROM notification_log l JOIN notifications n ON n.id = l.notification_id "
        "JOIN escalations e ON e.id = n.escalation_id JOIN alerts a ON a.id = e.subject_id "
        "WHERE l.outcome = 'attempt' AND a.id > ? GROUP BY n.id, n.method, a.created_at", (since_alert,))
    found: dict[str, list[float]] = {m: [] for m in METHODS}
    for method, delay in rows:
        found[method].append(float(delay))
    return found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def wait_for(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument("--storm", type=int, default=1000)
    args = parser.parse_args()
    drop_proxies(os.environ)
    os.environ.update(PUSHOVER_APP_TOKEN=PUSHOVER_APP, TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
                      BENCH_HOOK_SECRET=SECRET, BENCH_SOURCE_KEY="bench-key")
    fakes = {"ntfy": FakeNtfy().start(), "pushover": FakePushover(PUSHOVER_APP, {PUSHOVER_USER}).start(),
             "twilio": FakeTwilio(SID, TOKEN, {NUMBER}).start(), "smtp": FakeSmtp().start(),
             "hook": FakeWebhookReceiver(SECRET).start()}
    sandbox = start_sandbox(extra_users=1)
    results: dict = {"engine": "postgresql" if args.postgresql else "sqlite"}
    try:
        with bench_databases(args.postgresql) as new_db:
            bot = BenchBot(sandbox, make_config(config(sandbox, fakes, ["user000"])), new_db("notify")).start()
            try:
                source = bot.bot.config.alert_source("bench")
                expected = len(METHODS)
                for i in range(args.singles):       # one at a time: latency without queueing
                    bot.run(lambda i=i: bot.bot.alerts.receive(source, [AlertEvent(f"single {i}", dedup_key=f"s{i}")]))
                    wait_for(lambda: bot.query("SELECT count(*) FROM notification_log WHERE outcome = 'attempt'")[0][0]
                             >= (i + 1) * expected, 30)
                singles = first_attempts(bot, 0)
                results["single"] = {m: {"p50_ms": round(pct(v, 0.5) * 1000, 1), "p99_ms": round(pct(v, 0.99) * 1000, 1),
                                         "n": len(v)} for m, v in singles.items()}
                last = bot.query("SELECT max(id) FROM alerts")[0][0]
                rss_before = rss_mb()
                began = time.perf_counter()
                bot.run(lambda: bot.bot.alerts.receive(source, [AlertEvent(f"storm {i}", dedup_key=f"x{i}")
                                                               for i in range(args.storm)]))
                total = args.storm * expected
                done = wait_for(lambda: bot.query(
                    "SELECT count(DISTINCT l.notification_id) FROM notification_log l JOIN notifications n ON "
                    "n.id = l.notification_id JOIN escalations e ON e.id = n.escalation_id "
                    "WHERE l.outcome = 'attempt' AND e.subject_id > ?", (last,))[0][0] >= total, 900)
                storm = first_attempts(bot, last)
                results["storm"] = {
                    "pages": args.storm, "notifications": total, "all_first_attempts_made": done,
                    "seconds_until_every_first_attempt": round(time.perf_counter() - began, 2),
                    "per_method_p50_s": {m: round(pct(v, 0.5), 2) for m, v in storm.items()},
                    "per_method_p99_s": {m: round(pct(v, 0.99), 2) for m, v in storm.items()},
                    "rss_mb_before": rss_before, "rss_mb_after": rss_mb()}
            finally:
                bot.stop()
    finally:
        sandbox.stop()
        for fake in fakes.values():
            fake.stop()
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    name = "notify_bench_postgresql.json" if args.postgresql else "notify_bench.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
