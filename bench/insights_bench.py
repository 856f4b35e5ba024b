"""GET /insights over 5,000 resolved incidents (plus their alerts and pages): server time p50/p99.

    python bench/insights_bench.py                 # SQLite
    python bench/insights_bench.py --postgresql    # PostgreSQL at WARROOM_TEST_POSTGRES

All 5,000 incidents fall in the page's default range (the last 90 days), 10 % of them private; each has
a declaration, a status update, an acknowledged page and a resolution in its timeline, and four
channel messages. 20,000 alerts from 8 sources, 25,000 pages to 12 people. The page is asked for over
loopback HTTP by a signed-in person who is in none of the private incidents (the visibility test runs
for every private row) and by an incident manager; the report alone (queries and bucketing, no HTML)
is timed on the bot's loop too. Target: p99 under 200 ms. The tables are analyzed after the load.

Each replica keeps the parts of a report while nothing they count changes (bot/insights.py), so three figures:
- **warm**: the same page again with nothing changed (the change key, the viewer's hidden incidents,
  the kept parts, the HTML);
- **after a status update**: before each request the bench records a status update in a resolved
  incident's timeline, so every request computes the incidents' part of the report afresh;
- **after a change to all**: the same plus a new alert and a new acknowledged page, so every request
  computes every part afresh (the whole report, as before parts were kept).
Next to the wall times, the bot's loop thread's CPU per request (from /proc, 10 ms ticks, so a mean
over the run): what a view costs whatever else the shared machine runs.
"""

from __future__ import annotations

import argparse
import gc
import http.cookiejar
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request

from common import BenchBot, bench_databases, make_config, start_sandbox  # noqa: F401
from report import machine, ms, percentile, table, verdict, write_results

from bot.actor import Actor
from bot.web.signin import make_login_link
from storage.db import open_database
from storage.web import LoginLinks

INCIDENTS = 5_000
ALERTS = 20_000
PAGES = 25_000
SOURCES = [f"source-{n}" for n in range(8)]
PEOPLE = [f"UPERSON{n:02d}" for n in range(12)]
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]
TARGET_MS = 200.0
ROUNDS = 60


def seed(url: str, now: float) -> None:
    rng = random.Random(7)
    db = open_database(url)
    try:
        with db.transaction():
            for n in range(INCIDENTS):
                declared = now - rng.uniform(0, 89 * 86400)
                person = rng.choice(PEOPLE)
                number = db.insert("incidents", {
                    "title": f"Bench incident {n}", "severity": rng.choice(SEVERITIES), "status": "resolved",
                    "commander": person, "declared_by": person, "declared_at": declared,
                    "is_private": int(n % 10 == 0), "channel_name": f"incident-bench-{n}",
                    "resolved_at": declared + rng.uniform(600, 6 * 3600), "last_update_at": declared,
                    "updated_at": declared})
                events = [("declared", declared), ("update", declared + rng.uniform(60, 1800)),
                          ("acknowledged", declared + rng.uniform(60, 900)), ("resolved", declared + 7200)]
                events += [("message", declared + 60 * m) for m in range(4)]
                for kind, at in events:
                    db.execute("INSERT INTO timeline (incident_id, at, actor, kind) VALUES (?, ?, ?, ?)",
                               (number, at, person, kind))
            for n in range(ALERTS):
                created = now - rng.uniform(0, 89 * 86400)
                db.execute("INSERT INTO alerts (source, dedup_key, summary, priority, status, channel, created_at, "
                           "updated_at, event_count) VALUES (?, ?, 's', 'high', 'resolved', 'alerts', ?, ?, ?)",
                           (rng.choice(SOURCES), f"k{n}", created, created, rng.randint(1, 5)))
            for n in range(PAGES):
                sent = now - rng.uniform(0, 89 * 86400)
                incident = n % 5 == 0
                subject_id = rng.randint(1, INCIDENTS if incident else ALERTS)
                kind = "incident" if incident else "alert"
                user = rng.choice(PEOPLE)
                escalation = db.insert("escalations", {
                    "subject": f"{kind}:{subject_id}", "subject_kind": kind, "subject_id": subject_id,
                    "levels": "[]", "state": "acknowledged", "created_at": sent,
                    "acked_by": user if rng.random() < 0.7 else rng.choice(PEOPLE), "acked_at": sent + 120})
                db.execute("INSERT INTO pages (escalation_id, user_id, level, round, via, sent_at) "
                           "VALUES (?, ?, 0, 0, 'user', ?)", (escalation, user, sent))
        # statistics for the planner, as autovacuum takes them within a minute of a bulk load (without
        # them PostgreSQL reads whole tables for the change key's partial-index lookups)
        db.execute("ANALYZE")
    finally:
        db.close()


def thread_cpu(tid: int) -> float:
    """CPU seconds (user + system) the thread ``tid`` of this process has used."""
    with open(f"/proc/self/task/{tid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_gets(opener, url: str, rounds: int, loop_tid: int, before_each=None) -> tuple[list[float], float]:
    """Wall seconds of each GET, and the bot loop's CPU seconds per GET (``before_each`` not counted)."""
    for _ in range(5):     # warm: templates compiled, plans cached
        opener.open(url, timeout=30).read()
    seconds, cpu = [], 0.0
    for _ in range(rounds):
        if before_each is not None:
            before_each()
        cpu_began = thread_cpu(loop_tid)
        began = time.perf_counter()
        with opener.open(url, timeout=30) as reply:
            body = reply.read()
            assert reply.status == 200 and b"Time to acknowledge" in body, reply.status
        seconds.append(time.perf_counter() - began)
        cpu += thread_cpu(loop_tid) - cpu_began
    return seconds, cpu / rounds


def change(bot: BenchBot, everything: bool) -> None:
    """Something a report counts changed: a status update in a resolved incident's timeline (the incidents'
    part of the report moves) and, with ``everything``, a new alert and a new page too (every part moves)."""
    def write() -> None:
        db, now = bot.bot.db, time.time()
        with bot.bot.domain.work():
            bot.bot.domain.incident_store.add_event(1 + random.randrange(INCIDENTS), at=now, actor=PEOPLE[0],
                                                    kind="update", text="bench")
            if everything:
                db.execute("INSERT INTO alerts (source, dedup_key, summary, priority, status, channel, created_at, "
                           "updated_at, event_count) VALUES (?, NULL, 's', 'high', 'resolved', 'alerts', ?, ?, 1)",
                           (SOURCES[0], now, now))
                escalation = db.insert("escalations", {
                    "subject": "alert:1", "subject_kind": "alert", "subject_id": 1, "levels": "[]",
                    "state": "acknowledged", "created_at": now, "acked_by": PEOPLE[0], "acked_at": now})
                db.execute("INSERT INTO pages (escalation_id, user_id, level, round, via, sent_at) "
                           "VALUES (?, ?, 0, 0, 'user', ?)", (escalation, PEOPLE[0], now))
    bot.run(write)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    engine = "postgresql" if args.postgresql else "sqlite"
    results = {"machine": machine(), "engine": engine, "incidents": INCIDENTS, "alerts": ALERTS, "pages": PAGES}
    rows = []
    with bench_databases(args.postgresql) as new:
        url = new("insights")
        began = time.perf_counter()
        seed(url, time.time())
        results["seed_seconds"] = round(time.perf_counter() - began, 1)
        sandbox = start_sandbox()
        bot = BenchBot(sandbox, make_config({"http": {"listen": "127.0.0.1:0"}}), url).start()
        gc.collect()
        gc.freeze()       # as `warroom run` does once started (bot/cli.py): the start's objects out of the GC's way
        try:
            base = bot.bot.web.public_url
            loop_tid = bot.run(threading.get_native_id)
            for who, user, manager in (("member of none of the private ones", PEOPLE[0] + "X", False),
                                       ("incident manager", PEOPLE[1], True)):
                jar = http.cookiejar.CookieJar()
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                     urllib.request.HTTPCookieProcessor(jar))
                link = bot.run(lambda: make_login_link(LoginLinks(bot.bot.db), base, user, now=time.time()))
                try:
                    opener.open(link, timeout=30).read()
                except urllib.error.HTTPError:
                    pass   # signed in (the cookie is set); where it sends people next is not this bench's
                if manager:     # no Slack user group in a bench: the page's own check answers as it would
                    actor = bot.bot.web.actor
                    bot.bot.web.actor = lambda u, actor=actor: Actor(u, is_manager=True)
                insights = bot.bot.web.extras["insights"]
                span_zone = bot.bot.web.timezone_of(user)

                def report_once() -> tuple[float, float]:
                    from datetime import datetime
                    from zoneinfo import ZoneInfo

                    from bot.insights import parse_range
                    today = datetime.now(ZoneInfo(span_zone)).date()
                    start, cpu = time.perf_counter(), time.thread_time()
                    insights.report(Actor(user, is_manager=manager), parse_range(None, None, span_zone, today))
                    return time.perf_counter() - start, time.thread_time() - cpu

                for state, before_each in (("warm", None), ("after a status update", lambda: change(bot, False)),
                                           ("after a change to all", lambda: change(bot, True))):
                    http_seconds, http_cpu = timed_gets(opener, base + "/insights", args.rounds, loop_tid, before_each)
                    reports = []
                    for _ in range(args.rounds):
                        if before_each is not None:
                            before_each()
                        reports.append(bot.run(report_once))
                    report_seconds = [r[0] for r in reports]
                    row = {"viewer": who, "state": state, "http_p50_ms": ms(percentile(http_seconds, 50)),
                           "http_p99_ms": ms(percentile(http_seconds, 99)), "http_loop_cpu_ms": ms(http_cpu),
                           "report_p50_ms": ms(percentile(report_seconds, 50)),
                           "report_p99_ms": ms(percentile(report_seconds, 99)),
                           "report_cpu_p50_ms": ms(percentile([r[1] for r in reports], 50)),
                           "loadavg_1m": round(os.getloadavg()[0], 2)}
                    row["verdict"] = verdict(row["http_p99_ms"], TARGET_MS)
                    rows.append(row)
        finally:
            bot.stop()
            sandbox.stop()
    results["rows"] = rows
    table(f"GET /insights, default range (90 days), {INCIDENTS:,} resolved incidents, {engine} "
          f"({args.rounds} requests each, loopback HTTP)",
          ("viewer", "report", "page p50 ms", "page p99 ms", "loop CPU/page ms", "report p50 ms", "report p99 ms",
           "report CPU p50", "load", f"p99 < {TARGET_MS:.0f} ms"),
          [(r["viewer"], r["state"], r["http_p50_ms"], r["http_p99_ms"], r["http_loop_cpu_ms"], r["report_p50_ms"],
            r["report_p99_ms"], r["report_cpu_p50_ms"], r["loadavg_1m"], r["verdict"]) for r in rows])
    write_results("insights_bench" + ("_postgresql" if args.postgresql else ""), results)
    return 0 if all(r["verdict"] == "meets" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
