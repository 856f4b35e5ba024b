"""`warroom run` start-up with 100,000 pending timers, on SQLite and on PostgreSQL, against an empty database.

    python bench/timers_bench.py                  # both engines, 3 starts each, about 1.5 minutes
    python bench/timers_bench.py --timers 20000 --starts 1 --engines sqlite

A plain script, never a test. Timers are rows (bot/timers.py): the scheduler holds one job whatever their
number, and a start reads only their count and the next due time. This checks that claim at issue 9's size.

The timers are escalation timeouts as ``PagingService`` plans them (kind ``escalation``, subject
``escalation:<n>``, payload ``{"level": 0, "round": 0}``), due between 1 hour and 7 days from now, so none
falls due while the bench runs. They are written with ``TimerStore.set``'s own statement: through the
store itself on SQLite (one transaction), and as one ``executemany`` of that same statement on PostgreSQL,
where 100,000 separate round trips would take most of the bench's 3 minutes.

Each start is a real ``warroom run`` against the sandbox, timed as incident_bench's startup section times
it (``incident_load.start_once``): from spawn until the sandbox sees its Socket Mode link open, and until
its ``warroom.started`` line; RSS is read 2 s after the start. The bench also times the two queries the
timer service makes each time it wakes (``claim_due`` and ``next_due``, at most every 5 s and after every
commit that plans a timer), since those run on the loop that acks Slack.

PostgreSQL databases are schemas in a database made for the run (``common.bench_databases``) and dropped
after it. Figures go to stdout and to ``bench/results/timers_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from common import FREE_PORT, bench_databases, start_sandbox  # noqa: E402
from incident_load import STARTUP_TARGET, start_once  # noqa: E402
from report import machine, median, table, verdict, write_results  # noqa: E402

from bot.paging.service import ESCALATION_TIMER, timer_subject  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.timers import TimerStore  # noqa: E402

TIMERS = 100_000
HOUR, WEEK = 3600.0, 7 * 86400.0


def fill(db_url: str, count: int) -> dict[str, Any]:
    """``count`` pending escalation timers, due between an hour and a week from now; seconds it took."""
    db = open_database(db_url)
    store = TimerStore(db)
    now = time.time()
    rows = [(ESCALATION_TIMER, timer_subject(n), now + HOUR + (WEEK - HOUR) * n / count, {"level": 0, "round": 0})
            for n in range(1, count + 1)]
    began = time.perf_counter()
    if db.engine == "sqlite":
        with db.transaction():
            for kind, subject, due_at, payload in rows:
                store.set(kind, subject, due_at, payload)
        how = "TimerStore.set, one transaction"
    else:
        # TimerStore.set's statement, as psycopg sends many at once (pipelined), in one transaction
        sql = ("INSERT INTO timers (kind, subject, due_at, payload) VALUES (%s, %s, %s, %s) "
               "ON CONFLICT (kind, subject) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload, "
               "claimed_by = NULL, lease_until = NULL")
        with db.conn.transaction(), db.conn.cursor() as cursor:
            cursor.executemany(sql, [(k, s, d, json.dumps(p)) for k, s, d, p in rows])
        db.execute("ANALYZE timers")  # as autovacuum would soon after such a load
        how = "TimerStore.set's statement, executemany in one transaction"
    seconds = time.perf_counter() - began
    stored = store.count()
    wake = wake_cost(store)
    db.close()
    return {"timers": stored, "fill_s": round(seconds, 1), "how": how, **wake}


def wake_cost(store: TimerStore, times: int = 15) -> dict[str, Any]:
    """What the timer service does each time it wakes with nothing due: claim_due, then next_due."""
    claim, nxt = [], []
    for _ in range(times):
        now = time.time()
        began = time.perf_counter()
        assert store.claim_due(now, "bench", now + 30, 200) == []
        claim.append(time.perf_counter() - began)
        began = time.perf_counter()
        store.next_due()
        nxt.append(time.perf_counter() - began)
    return {"claim_due_ms": round(median(claim) * 1000, 2), "next_due_ms": round(median(nxt) * 1000, 2)}


def bench_engine(engine: str, count: int, starts: int, new_db, folder: str) -> dict[str, Any]:
    empty_url, full_url = new_db(f"{engine}-empty"), new_db(f"{engine}-timers")
    empty = fill(empty_url, 0)
    full = fill(full_url, count)
    config_path = pathlib.Path(folder, "warroom.yml")
    config_path.write_text(f"http: {{listen: '{FREE_PORT}'}}\n")
    log_path = f"{folder}/{engine}.log"
    sandbox = start_sandbox()
    runs: dict[str, list[dict[str, Any]]] = {"empty": [], "timers": []}
    try:
        for _ in range(starts):  # interleaved, so load from other work falls on both alike
            runs["empty"].append(start_once(sandbox, empty_url, str(config_path), log_path))
            runs["timers"].append(start_once(sandbox, full_url, str(config_path), log_path))
    finally:
        sandbox.stop()
    out: dict[str, Any] = {"engine": engine}
    for label, database in (("empty", empty), ("timers", full)):
        these = runs[label]
        out[label] = {**database, "starts": these,
                      "median_connected_s": median([r["connected_s"] for r in these]),
                      "median_started_logged_s": median([r["started_logged_s"] for r in these]),
                      "median_rss_mb": median([r["rss_2s_after_start"]["rss_mb"] for r in these]),
                      "timers_logged": these[0]["timers"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=TIMERS)
    parser.add_argument("--starts", type=int, default=3, help="starts of each database (default 3)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    count = max(1, min(args.timers, 1_000_000))
    engines = [e for e in ("sqlite", "postgresql") if e in args.engines.split(",")]
    info = machine()
    print(f"timers_bench: {info['cores']} cores, Python {info['python']}, load {info['loadavg_1m_at_start']}, "
          f"commit {info['commit']}" + (f" + uncommitted {', '.join(info['uncommitted_changes'])}"
                                        if info["uncommitted_changes"] else ""))
    began = time.perf_counter()
    results: dict[str, Any] = {"machine": info, "pending_timers": count, "engines": {}}
    for engine in engines:
        with bench_databases(engine == "postgresql") as new_db, tempfile.TemporaryDirectory() as folder:
            results["engines"][engine] = bench_engine(engine, count, max(1, args.starts), new_db, folder)
    rows = []
    for engine, r in results["engines"].items():
        name = "SQLite" if engine == "sqlite" else "PostgreSQL"
        for label in ("timers", "empty"):
            x = r[label]
            rows.append((f"{name}, {'%s pending timers' % format(x['timers'], ',') if label == 'timers' else 'empty database'}",
                         x["median_connected_s"] * 1000, x["median_started_logged_s"] * 1000,
                         " / ".join(f"{s['connected_s']:.2f}" for s in x["starts"]), x["median_rss_mb"],
                         x["timers_logged"], x["claim_due_ms"], x["next_due_ms"],
                         verdict(x["median_connected_s"], STARTUP_TARGET) if label == "timers" else ""))
    table(f"`warroom run` start-up (spawn -> Socket Mode connected / warroom.started logged; median of {args.starts}; "
          f"target < {STARTUP_TARGET:g} s with {count:,} timers)",
          ("", "connected ms", "started ms", "each start s", "RSS MB", "timers logged", "claim_due ms",
           "next_due ms", ""), rows)
    for engine, r in results["engines"].items():
        print(f"  {engine}: {r['timers']['timers']:,} timers written in {r['timers']['fill_s']} s "
              f"({r['timers']['how']})")
    print("  RSS: the warroom run process alone, 2 s after it started; claim_due / next_due: one timer-service\n"
          "  wake-up with nothing due, timed from the bench (median of 15)")
    results["wall_s"] = round(time.perf_counter() - began, 1)
    print(f"\ntimers_bench took {results['wall_s']} s")
    write_results("timers_bench", results)


if __name__ == "__main__":
    main()
