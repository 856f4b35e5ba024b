"""Alertmanager webhooks per second through the HTTP intake, into SQLite or PostgreSQL (plain script, not a test).

    python bench/webhook_bench.py                      # 20,000 requests over 200 fingerprints, 32 at a time
    python bench/webhook_bench.py --profile            # the same under cProfile, top functions printed
    python bench/webhook_bench.py --postgresql --replicas 2   # two replicas on one PostgreSQL database
    python bench/webhook_bench.py --alerts-per-request 10     # Alertmanager's grouping: 10 alerts a notification
    python bench/webhook_bench.py --matrix             # SQLite, PostgreSQL x1, x2 replicas; 1 and 10 alerts a
                                                       # request; 3 runs of 6 s each: about 2.5 minutes

Each replica is a process running the alert service graph of bot/app.py (no Slack: effects stay in
the outbox) and the WebhookServer on 127.0.0.1, on a temporary database (a SQLite file, or a database
made on WARROOM_TEST_POSTGRES's server and dropped after). A separate process fires the requests with
one aiohttp session and a fixed number of workers, each waiting for its answer before sending the
next, spread over the replicas in turn. Mostly dedup updates: after the first 200 alerts every
alert already exists. With --alerts-per-request N each notification carries a group of N alerts (the
fingerprints are split into groups of N, and each request resends one group, as Alertmanager repeats a
group's notification); alerts/s counts alerts, not requests. Bounded in count (--requests) and time
(--seconds); loopback only. Figures go to stdout and to bench/results/webhook_bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import multiprocessing
import os
import pathlib
import pstats
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

HOST = "127.0.0.1"
KEY = "bench-key-0123456789abcdef"


def alertmanager_body(group: int, sequence: int, per_request: int = 1) -> bytes:
    """One notification for alert group ``group``: its ``per_request`` alerts (fingerprints group*N ... group*N+N-1)."""
    first = group * per_request
    common = {"alertname": "HighRequestLatency", "job": "api", "severity": "critical", "service": "checkout"}
    group_labels = {"instance": f"api-{first}:9090"} if per_request == 1 else {"alertname": common["alertname"],
                                                                             "shard": str(group)}

    def alert(fingerprint: int) -> dict:
        labels = {**common, "instance": f"api-{fingerprint}:9090", "shard": str(group)}
        return {
            "status": "firing", "labels": labels,
            "annotations": {"summary": f"p99 latency above 2s on api-{fingerprint}",
                            "description": f"p99 latency is {2 + sequence % 100 / 100:.2f}s (threshold 2s).",
                            "runbook_url": "https://runbooks.example.com/api/latency"},
            "startsAt": "2024-05-02T09:14:30.123Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=histogram_quantile", "fingerprint": f"{fingerprint:016x}",
        }
    return json.dumps({
        "version": "4", "status": "firing", "receiver": "warroom",
        "groupKey": "{}:{" + ",".join(f'{k}="{v}"' for k, v in group_labels.items()) + "}",
        "groupLabels": group_labels, "commonLabels": {**common, **({"shard": str(group)} if per_request > 1 else
                                                                    {"instance": group_labels["instance"]})},
        "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
        "alerts": [alert(first + k) for k in range(per_request)],
    }).encode()


# the load, in its own process ------------------------------------------------------------------------
def load(ports: list[int], requests: int, fingerprints: int, concurrency: int, seconds: float, per_request: int,
         out) -> None:
    import aiohttp

    async def run() -> dict:
        groups = max(1, fingerprints // per_request)
        bodies = [alertmanager_body(i % groups, i, per_request) for i in range(requests)]
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        next_index = 0
        deadline = time.monotonic() + seconds
        urls = [f"http://{HOST}:{port}/alerts/prometheus" for port in ports]
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}

        async def worker(session: aiohttp.ClientSession, url: str) -> None:
            nonlocal next_index
            while next_index < requests and time.monotonic() < deadline:
                body = bodies[next_index]
                next_index += 1
                began = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientError:
                    status = 0  # no answer at all: counted, never retried
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            began = time.perf_counter()
            await asyncio.gather(*(worker(session, urls[w % len(urls)]) for w in range(concurrency)))
            wall = time.perf_counter() - began
        return {"latencies": latencies, "statuses": statuses, "wall": wall, "load_cpu": time.process_time()}

    out.send(asyncio.run(run()))
    out.close()


# the server, here --------------------------------------------------------------------------------------
def build(db_url: str):
    from bot.clock import Clock
    from bot.config import parse_config
    from bot.domain import build_domain
    from storage.db import open_database

    environ = {"BENCH_KEY": KEY}
    config = parse_config({
        "users": [{"slack_id": "U0000AAA1", "name": "alice"}, {"slack_id": "U0000AAA2", "name": "bob"}],
        "escalation_policies": [{"name": "primary", "levels": [{"notify": ["user:alice"], "timeout": "5m"},
                                                               {"notify": ["user:bob"]}]}],
        # the intake's capacity is measured, not a source's rate limit (200 alerts/s by default)
        "alert_sources": [{"name": "prometheus", "type": "alertmanager", "escalation_policy": "primary",
                           "key_env": "BENCH_KEY", "limits": {"alerts_per_second": 100_000, "burst": 100_000}}],
        "http": {"listen": f"{HOST}:0"},
    }, "bench.yml", environ=environ)
    domain = build_domain(config, open_database(db_url), Clock())
    domain.work.after_commit(domain.timer_store.take_soonest)  # what TimerService.flush does with no scheduler running
    return config, domain.alerts, environ


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def replica(db_url: str, profile: bool, conn) -> None:
    """One replica in its own process: serves until told to stop, then reports what it spent."""
    from bot.logs import setup_logging
    # production writes one INFO line per request: pay for formatting it, not for a terminal
    setup_logging("INFO", stream=open(os.devnull, "w"))

    async def serve() -> dict:
        from bot.http import WebhookServer

        config, service, environ = build(db_url)
        server = WebhookServer(config, service, environ=environ)
        await server.start()
        # CPU time, not wall time: on a busy 2-core box wall time also counts waiting for the core
        profiler = cProfile.Profile(time.process_time) if profile else None
        cpu_before = time.process_time()
        conn.send(server.port)
        if profiler:
            profiler.enable()
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
        if profiler:
            profiler.disable()
        cpu = time.process_time() - cpu_before
        await server.stop()
        service.store.db.close()
        report = {"cpu": cpu, "rss": rss_mb(), "profile": None}
        if profiler:
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("cumulative")
            stats.print_stats(30)
            stats.sort_stats("tottime").print_stats(20)
            report["profile"] = text.getvalue()
        return report

    conn.send(asyncio.run(serve()))
    conn.close()


def measure(args, db_url: str) -> dict:
    spawn = multiprocessing.get_context("spawn")
    replicas = []
    for _ in range(args.replicas):
        here, there = spawn.Pipe()
        process = spawn.Process(target=replica, args=(db_url, args.profile, there))
        process.start()
        replicas.append((process, here))
    ports = [here.recv() for _, here in replicas]
    try:
        if args.loader == "wrk":
            from wrk_loader import load_with_wrk
            result = load_with_wrk(ports, args.fingerprints, args.concurrency, args.seconds, args.alerts_per_request,
                                   bodies=alertmanager_body, host=HOST, key=KEY)
        else:
            result = _load_in_a_process(spawn, ports, args)
    finally:
        reports = []
        for process, here in replicas:
            here.send("stop")
            reports.append(here.recv())
            process.join(10)
    return _stored(result, db_url, reports)


def _load_in_a_process(spawn, ports: list[int], args) -> dict:
    receiver, sender = spawn.Pipe(duplex=False)
    loader = spawn.Process(target=load, args=(ports, args.requests, args.fingerprints, args.concurrency,
                                              args.seconds, args.alerts_per_request, sender))
    loader.start()
    sender.close()
    try:
        if not receiver.poll(args.seconds + 60):
            raise SystemExit("the load never reported")
        return receiver.recv()
    finally:
        loader.join(10)
        if loader.is_alive():
            loader.kill()


def _stored(result: dict, db_url: str, reports: list[dict]) -> dict:
    from storage.db import open_database
    db = open_database(db_url)
    result["alerts"], result["events"] = db.execute("SELECT count(*), sum(event_count) FROM alerts").fetchone()
    db.close()
    result["replicas"] = reports
    return result


def run_once(args, new_db) -> dict:
    """One measurement of one configuration: the figures, and what the table and the JSON need."""
    load_before = os.getloadavg()[0]  # other work on the box takes cores from both sides
    result = measure(args, new_db("webhooks"))
    if "latency_ms" in result:     # wrk: its own percentiles
        latency_ms, requests = result["latency_ms"], result["requests"]
    else:
        latencies = sorted(result["latencies"])
        cut = [q * 1000 for q in statistics.quantiles(latencies, n=100)] if len(latencies) > 1 else [0.0] * 99
        latency_ms = {"p50": round(cut[49], 1), "p99": round(cut[98], 1), "max": round(latencies[-1] * 1000, 1)}
        requests = len(latencies)
    accepted = result["statuses"].get(202, 0)
    done = max(1, requests)
    groups = max(1, args.fingerprints // args.alerts_per_request)
    # wrk leaves requests in flight at its deadline: the server may store up to one per connection more
    unanswered = args.concurrency if args.loader == "wrk" else 0
    return {
        "engine": "postgresql" if args.postgresql else "sqlite", "replicas": args.replicas,
        "alerts_per_request": args.alerts_per_request, "load_average_before": round(load_before, 2),
        "loader": args.loader,
        "requests": requests, "answers": {str(k): v for k, v in sorted(result["statuses"].items())},
        "wall_s": round(result["wall"], 2),
        "requests_per_s": round(accepted / result["wall"], 1),
        "alerts_per_s": round(accepted * args.alerts_per_request / result["wall"], 1),
        "latency_ms": latency_ms,
        "stored_alerts": result["alerts"], "stored_events": result["events"],
        "expected_alerts": min(groups * args.alerts_per_request, accepted * args.alerts_per_request),
        "expected_events": accepted * args.alerts_per_request,
        "stored_right": result["alerts"] == min(groups * args.alerts_per_request, accepted * args.alerts_per_request)
        and 0 <= result["events"] - accepted * args.alerts_per_request <= unanswered * args.alerts_per_request,
        "replica_cpu_us_per_request": round(sum(r["cpu"] for r in result["replicas"]) / done * 1e6),
        "load_cpu_us_per_request": round(result["load_cpu"] / done * 1e6),
        "replica_rss_mb": [round(r["rss"][0], 1) for r in result["replicas"]],
        "profiles": [r["profile"] for r in result["replicas"] if r["profile"]],
    }


def print_one(run: dict, args) -> None:
    engine = "PostgreSQL" if run["engine"] == "postgresql" else "SQLite"
    print(f"cores: {os.cpu_count()}  load average before: {run['load_average_before']:.2f}  "
          f"python: {sys.version.split()[0]}  {engine}, {run['replicas']} replica(s)  "
          f"requests: {run['requests']} over {args.fingerprints} fingerprints, {run['alerts_per_request']} alert(s) "
          f"each, concurrency {args.concurrency}")
    print(f"answers: {run['answers']}  in {run['wall_s']:.2f} s")
    print(f"accepted: {run['alerts_per_s']:,.0f} alerts/s ({run['requests_per_s']:,.0f} requests/s)")
    lat = run["latency_ms"]
    print(f"latency: p50 {lat['p50']} ms  p99 {lat['p99']} ms  max {lat['max']} ms")
    print(f"stored: {run['stored_alerts']} alerts, {run['stored_events']} events  "
          f"(expected {run['expected_alerts']} and {run['expected_events']}"
          + (", and up to one request a connection that wrk left unanswered" if run["loader"] == "wrk" else "")
          + f"): {'right' if run['stored_right'] else 'WRONG'}")
    print(f"CPU per request: replicas {run['replica_cpu_us_per_request']} us, "
          f"load generator {run['load_cpu_us_per_request']} us")
    print("replica RSS (MB): " + ", ".join(f"{mb:.0f}" for mb in run["replica_rss_mb"]))
    for profile in run["profiles"]:
        print(profile)


CONFIGURATIONS = [(False, 1), (True, 1), (True, 2)]   # (PostgreSQL, replicas)


def matrix(args, new_sqlite, new_postgres) -> dict:
    """Every configuration at 1 and at N alerts a request, ``--runs`` times each, interleaved so load from
    other work on the box spreads over all of them; the median run of each."""
    from report import median, table, verdict

    rows, cells = [], {}
    for _ in range(args.runs):
        for postgresql, replicas in CONFIGURATIONS:
            for per_request in sorted({1, args.alerts_per_request}):
                one = argparse.Namespace(**{**vars(args), "postgresql": postgresql, "replicas": replicas,
                                            "alerts_per_request": per_request, "profile": False})
                run = run_once(one, new_postgres if postgresql else new_sqlite)
                run.pop("profiles")
                cells.setdefault((postgresql, replicas, per_request), []).append(run)
                print(f"  {run['engine']} x{replicas}, {per_request}/request: {run['alerts_per_s']:,.0f} alerts/s "
                      f"(load {run['load_average_before']:.2f})", flush=True)
    out = []
    for (postgresql, replicas, per_request), runs in cells.items():
        rate = median([r["alerts_per_s"] for r in runs])
        entry = {"engine": runs[0]["engine"], "replicas": replicas, "alerts_per_request": per_request,
                 "median_alerts_per_s": rate, "median_requests_per_s": median([r["requests_per_s"] for r in runs]),
                 "median_p99_ms": median([r["latency_ms"]["p99"] for r in runs]),
                 "median_replica_cpu_us_per_request": median([r["replica_cpu_us_per_request"] for r in runs]),
                 "not_accepted_share": round(sum(r["requests"] - int(r["answers"].get("202", 0)) for r in runs) /
                                             max(1, sum(r["requests"] for r in runs)), 3),
                 "stored_as_expected": all(r["stored_right"] for r in runs),
                 "runs": runs}
        out.append(entry)
        rows.append((f"{'PostgreSQL' if postgresql else 'SQLite'}, {replicas} replica(s), {per_request} alert(s)/request",
                     rate, entry["median_requests_per_s"], " / ".join(f"{r['alerts_per_s']:,.0f}" for r in runs),
                     entry["median_p99_ms"], entry["median_replica_cpu_us_per_request"],
                     f"{entry['not_accepted_share']:.1%}", "yes" if entry["stored_as_expected"] else "NO",
                     verdict(rate, TARGET, below=False) if postgresql and replicas == 2 else ""))
    table(f"Webhook intake, Alertmanager, {args.seconds:g} s per run at concurrency {args.concurrency}, "
          f"{args.fingerprints} fingerprints (median of {args.runs}; target >= {TARGET:,} alerts/s with two replicas)",
          ("", "alerts/s", "requests/s", "each run", "p99 ms", "replica CPU us/request", "not 202", "stored right", ""),
          rows)
    print("  alerts/s counts the alerts of requests answered 202 only; 'not 202': requests refused (503: the database\n"
          "  could not store them); 'stored right': alerts and event counts in the database match the 202s exactly")
    return {"configurations": out}


TARGET = 2000   # alerts/s with two replicas (issue 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--fingerprints", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=None,
                        help="stop sending after this long (default 120, or 6 per run with --matrix)")
    parser.add_argument("--profile", action="store_true", help="cProfile the server side and print the top")
    parser.add_argument("--postgresql", action="store_true",
                        help="on PostgreSQL (a database made on WARROOM_TEST_POSTGRES's server) instead of SQLite")
    parser.add_argument("--replicas", type=int, default=1, help="replica processes sharing the database")
    parser.add_argument("--alerts-per-request", type=int, default=1,
                        help="alerts in each notification (Alertmanager groups them; 10 is realistic)")
    parser.add_argument("--matrix", action="store_true",
                        help="SQLite, PostgreSQL with 1 and 2 replicas, at 1 and at --alerts-per-request (default 10) "
                             "alerts a request; --runs times each")
    parser.add_argument("--runs", type=int, default=3, help="with --matrix: runs of each configuration")
    parser.add_argument("--loader", choices=("python", "wrk"), default="python",
                        help="who sends: this script's aiohttp loader (default) or wrk, which costs the shared "
                             "cores a tenth as much per request (apt-get install wrk)")
    args = parser.parse_args()
    args.requests = max(1, min(args.requests, 200_000))
    args.concurrency = max(1, min(args.concurrency, 256))
    args.alerts_per_request = max(1, min(args.alerts_per_request, 1000))
    if args.seconds is None:
        args.seconds = 6.0 if args.matrix else 120.0
    if args.matrix and args.alerts_per_request == 1:
        args.alerts_per_request = 10
    if args.replicas > 1 and not args.postgresql and not args.matrix:
        raise SystemExit("several replicas need --postgresql: one SQLite file has one writer process")

    from common import bench_databases
    from report import machine, write_results

    info = machine()
    print(f"webhook_bench: {info['cores']} cores, Python {info['python']}, load {info['loadavg_1m_at_start']}, "
          f"commit {info['commit']}" + (f" + uncommitted {', '.join(info['uncommitted_changes'])}"
                                        if info["uncommitted_changes"] else ""))
    began = time.perf_counter()
    results: dict = {"machine": info, "fingerprints": args.fingerprints, "concurrency": args.concurrency,
                     "seconds_per_run": args.seconds}
    if args.matrix:
        with bench_databases(False) as new_sqlite, bench_databases(True) as new_postgres:
            results.update(matrix(args, new_sqlite, new_postgres))
    else:
        with bench_databases(args.postgresql) as new_db:
            run = run_once(args, new_db)
        print_one(run, args)
        results["run"] = run
    results["wall_s"] = round(time.perf_counter() - began, 1)
    write_results("webhook_bench", results)


if __name__ == "__main__":
    main()
