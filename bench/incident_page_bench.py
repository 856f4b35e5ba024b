"""Server time of an incident's web page with 1,000 timeline events (issue 10: p99 under 50 ms).

    python bench/incident_page_bench.py                         # SQLite and PostgreSQL, about 40 s
    python bench/incident_page_bench.py --engines sqlite --requests 500

A plain script, never a test. The unmodified bot runs in this process against the sandbox (``BenchBot``,
production options). One incident is declared through the domain, then 1,000 timeline events are written
with the store's own ``add_event``, shaped like a long incident: 600 channel messages, 200 status updates
(every tenth a status change, a key event), 100 notes, 50 joins, 25 role and 25 severity changes.

Measured, each on a warm page (the first 10 requests are not counted):
- **server time**: the page's handler (``bot.web.incidents.incident_page``: the viewer's visibility check,
  every query, the render) called on the bot's loop with a request made by aiohttp's test utilities,
  as the session middleware would hand it over. No socket, no HTTP parsing.
- **round trip**: ``GET /incidents/1`` over loopback HTTP with a signed-in cookie, as a browser would, for
  comparison (adds aiohttp's server, the middlewares and urllib).
- the same two for ``?messages=1`` (all 1,000 events shown), and the live poll's answer when nothing moved
  (the 204 every open page asks for every 3 s).
- **after a change**: the page when its record moved before each request (an event marked edited, so the
  timeline keeps its 1,000 events): each replica keeps the live part as rendered per record mark
  (bot/web/incidents.py, LiveParts), so this is the page rendered afresh; the rows above are the kept one.

Figures go to stdout and to ``bench/results/incident_page_bench.json``.
"""

from __future__ import annotations

import argparse
import gc
import os
import http.cookiejar
import pathlib
import random
import sys
import time
import urllib.request
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from common import BenchBot, bench_databases, make_config, start_sandbox  # noqa: E402
from report import machine, median, ms, percentile, table, verdict, write_results  # noqa: E402

from aiohttp.test_utils import make_mocked_request  # noqa: E402

from bot.incidents.model import DeclareRequest  # noqa: E402
from bot.web import incidents as incident_pages  # noqa: E402
from bot.web.session import VIEWER, Viewer  # noqa: E402
from bot.web.signin import make_login_link  # noqa: E402
from storage.web import LoginLinks  # noqa: E402

TARGET_MS = 50.0
EVENTS = 1000
WARMUP = 10


def fill(bot: BenchBot, user: str, others: list[str]) -> int:
    """One incident with EVENTS timeline events (the declare's own first); returns how many it has."""
    domain = bot.bot.domain

    def write() -> int:
        incident = domain.incidents.declare(DeclareRequest(title="Checkout errors", severity="sev2", declared_by=user))
        store = domain.incident_store
        statuses = ("investigating", "identified", "monitoring")
        at = time.time() - EVENTS * 30
        with domain.work():
            for n in range(EVENTS - len(store.timeline(incident.id))):
                at += 30
                who = others[n % len(others)]
                slot = n % 20
                if slot < 12:
                    store.add_event(incident.id, at=at, actor=who, kind="message", message_ts=f"{at:.6f}",
                                    text=f"Looking at <https://grafana.example.com/d/{n}|dashboard {n}>: p99 is "
                                         f"*{n % 900} ms* on `checkout-{n % 7}` &lt;still&gt; <@{user}>")
                elif slot < 16:
                    status = statuses[(n // 20) % 3]
                    store.add_event(incident.id, at=at, actor=who, kind="update", text=f"Update {n}: draining node {n % 13}",
                                    data={"status": status, "previous": status if n % 10 else "investigating",
                                          "no_change": False}, is_key=n % 10 == 0)
                elif slot < 18:
                    store.add_event(incident.id, at=at, actor=who, kind="note", text=f"Note {n}: _cache_ hit rate fell",
                                    is_key=True)
                elif slot == 18:
                    store.add_event(incident.id, at=at, actor=who, kind="joined")
                elif n % 40 == 19:
                    store.add_event(incident.id, at=at, actor=user, kind="role", is_key=False,
                                    data={"role": "scribe", "user": who, "previous": None})
                else:
                    store.add_event(incident.id, at=at, actor=user, kind="severity", is_key=True,
                                    data={"from": "SEV2", "to": "SEV1"})
        return len(store.timeline(incident.id))
    return bot.run(write)


def server_times(bot: BenchBot, user: str, query: str, requests: int,
                 changed: bool = False) -> tuple[list[float], list[float]]:
    """The handler itself, on the bot's loop, as the session middleware hands it a request: wall time,
    and the loop thread's CPU time (what the handler costs, whatever else the shared machine runs).
    ``changed``: the record moves before each request (not timed)."""
    app = bot.bot.webhooks.app
    handler = incident_pages.live_fragment if "mark=" in query else incident_pages.incident_page
    path = "/incidents/1" + ("/live" if "mark=" in query else "")

    async def once() -> tuple[float, float]:
        if changed:
            store = bot.bot.domain.incident_store
            with bot.bot.domain.work():
                store.change_event(2 + random.randrange(EVENTS - 1), edited_at=time.time())
        request = make_mocked_request("GET", path + query, app=app, match_info={"number": "1"})
        request[VIEWER] = Viewer(user=user, csrf="x")
        began, cpu = time.perf_counter(), time.thread_time()
        response = await handler(request)
        spent, cpu_spent = time.perf_counter() - began, time.thread_time() - cpu
        assert response.status in (200, 204), response.status
        return spent, cpu_spent

    measured = [bot.call(once()) for _ in range(requests + WARMUP)][WARMUP:]
    return [m[0] for m in measured], [m[1] for m in measured]


def round_trips(base: str, opener: urllib.request.OpenerDirector, path: str, requests: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(requests + WARMUP):
        began = time.perf_counter()
        with opener.open(base + path, timeout=10) as response:
            size = len(response.read())
        times.append(time.perf_counter() - began)
    return times[WARMUP:], size


def run_engine(engine: str, requests: int) -> dict[str, Any]:
    sandbox = start_sandbox()
    with bench_databases(engine == "postgresql") as new_db:
        bot = BenchBot(sandbox, make_config(""), new_db("page")).start()
        gc.collect()
        gc.freeze()       # as `warroom run` does once started (bot/cli.py): the start's objects out of the GC's way
        try:
            alice = sandbox.user("alice")["id"]
            others = [sandbox.user(n)["id"] for n in ("alice", "bob", "carol", "dave")]
            events = fill(bot, alice, others)
            bot.settle_or_fail()
            base = bot.bot.web.public_url
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar))
            link = bot.run(lambda: make_login_link(LoginLinks(bot.bot.db), base, alice, now=time.time()))
            opener.open(link, timeout=10).read()
            html = opener.open(base + "/incidents/1/live", timeout=10).read().decode()
            mark = html.split("mark=", 1)[1].split('"', 1)[0].split("&", 1)[0]
            rows = {}
            for label, query in (("page", ""), ("page with messages", "?messages=1"), ("live poll, unchanged", f"?mark={mark}")):
                server, cpu = server_times(bot, alice, query, requests)
                path = "/incidents/1" + ("/live" if "mark=" in query else "") + query
                trips, size = round_trips(base, opener, path, requests)
                rows[label] = {"server_p50_ms": ms(median(server)), "server_p99_ms": ms(percentile(server, 99)),
                               "cpu_p50_ms": ms(median(cpu)), "cpu_p99_ms": ms(percentile(cpu, 99)),
                               "round_trip_p50_ms": ms(median(trips)), "round_trip_p99_ms": ms(percentile(trips, 99)),
                               "bytes": size}
            for label, query in (("page, after a change", ""), ("page with messages, after a change", "?messages=1")):
                server, cpu = server_times(bot, alice, query, requests, changed=True)
                rows[label] = {"server_p50_ms": ms(median(server)), "server_p99_ms": ms(percentile(server, 99)),
                               "cpu_p50_ms": ms(median(cpu)), "cpu_p99_ms": ms(percentile(cpu, 99)),
                               "round_trip_p50_ms": "", "round_trip_p99_ms": "", "bytes": ""}
            return {"engine": engine, "timeline_events": events, "requests": requests, "results": rows,
                    "loadavg_1m_at_end": round(os.getloadavg()[0], 2)}
        finally:
            bot.stop()
            sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    runs = [run_engine(engine, args.requests) for engine in args.engines.split(",")]
    rows = []
    for run in runs:
        for label, r in run["results"].items():
            rows.append((run["engine"], label, r["server_p50_ms"], r["server_p99_ms"], r["cpu_p50_ms"], r["cpu_p99_ms"],
                         r["round_trip_p50_ms"],
                         r["round_trip_p99_ms"], r["bytes"],
                         verdict(r["server_p99_ms"], TARGET_MS) if label.startswith("page") else ""))
    table(f"GET /incidents/<n> with {EVENTS:,} timeline events, {args.requests} requests each (ms)",
          ("engine", "what", "server p50", "server p99", "cpu p50", "cpu p99", "trip p50", "trip p99", "bytes", f"p99 < {TARGET_MS:.0f} ms"),
          rows)
    write_results("incident_page_bench", {"machine": machine(), "target_ms": TARGET_MS, "runs": runs})


if __name__ == "__main__":
    main()
