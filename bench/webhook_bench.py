"""Alertmanager webhooks per second through the HTTP intake, into SQLite or PostgreSQL (plain script, not a test).

    python bench/webhook_bench.py                      # 20,000 requests over 200 fingerprints, 32 at a time
    python bench/webhook_bench.py --profile            # the same under cProfile, top functions printed
    python bench/webhook_bench.py --postgresql --replicas 2   # two replicas on one PostgreSQL database

Each replica is a process running the alert service graph of bot/app.py (no Slack: effects stay in
the outbox) and the WebhookServer on 127.0.0.1, on a temporary database (a SQLite file, or a database
made on WARROOM_TEST_POSTGRES's server and dropped after). A separate process fires the requests with
one aiohttp session and a fixed number of workers, each waiting for its answer before sending the
next, spread over the replicas in turn. Mostly dedup updates: after the first 200 requests every
alert already exists. Bounded in count (--requests) and time (--seconds); loopback only.
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
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

HOST = "127.0.0.1"
KEY = "bench-key-0123456789abcdef"


def alertmanager_body(fingerprint: int, sequence: int) -> bytes:
    labels = {"alertname": "HighRequestLatency", "instance": f"api-{fingerprint}:9090", "job": "api",
              "severity": "critical", "service": "checkout"}
    return json.dumps({
        "version": "4", "status": "firing", "receiver": "warroom", "groupKey": f"{{}}:{{instance=\"api-{fingerprint}\"}}",
        "groupLabels": {"instance": labels["instance"]}, "commonLabels": labels, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
        "alerts": [{
            "status": "firing", "labels": labels,
            "annotations": {"summary": f"p99 latency above 2s on api-{fingerprint}",
                            "description": f"p99 latency is {2 + sequence % 100 / 100:.2f}s (threshold 2s).",
                            "runbook_url": "https://runbooks.example.com/api/latency"},
            "startsAt": "2024-05-02T09:14:30.123Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=histogram_quantile", "fingerprint": f"{fingerprint:016x}",
        }],
    }).encode()


# the load, in its own process ------------------------------------------------------------------------
def load(ports: list[int], requests: int, fingerprints: int, concurrency: int, seconds: float, out) -> None:
    import aiohttp

    async def run() -> dict:
        bodies = [alertmanager_body(i % fingerprints, i) for i in range(requests)]
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
    domain.work.after_commit(domain.timer_store.take_changed)  # what TimerService.flush does with no scheduler running
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
    receiver, sender = spawn.Pipe(duplex=False)
    loader = spawn.Process(target=load, args=(ports, args.requests, args.fingerprints, args.concurrency,
                                              args.seconds, sender))
    loader.start()
    sender.close()
    try:
        if not receiver.poll(args.seconds + 60):
            raise SystemExit("the load never reported")
        result = receiver.recv()
    finally:
        loader.join(10)
        if loader.is_alive():
            loader.kill()
        reports = []
        for process, here in replicas:
            here.send("stop")
            reports.append(here.recv())
            process.join(10)
    from storage.db import open_database
    db = open_database(db_url)
    result["alerts"], result["events"] = db.execute("SELECT count(*), sum(event_count) FROM alerts").fetchone()
    db.close()
    result["replicas"] = reports
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--fingerprints", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=120.0, help="stop sending after this long")
    parser.add_argument("--profile", action="store_true", help="cProfile the server side and print the top")
    parser.add_argument("--postgresql", action="store_true",
                        help="on PostgreSQL (a database made on WARROOM_TEST_POSTGRES's server) instead of SQLite")
    parser.add_argument("--replicas", type=int, default=1, help="replica processes sharing the database")
    args = parser.parse_args()
    args.requests = max(1, min(args.requests, 200_000))
    args.concurrency = max(1, min(args.concurrency, 256))
    if args.replicas > 1 and not args.postgresql:
        raise SystemExit("several replicas need --postgresql: one SQLite file has one writer process")

    load_before = os.getloadavg()[0]  # other work on the box takes cores from both sides
    if args.postgresql:
        from harness.databases import PostgresForTests
        server = PostgresForTests()
        try:
            result = measure(args, server.new_schema())
        finally:
            server.drop_database()
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = measure(args, os.path.join(folder, "bench.db"))

    latencies = sorted(result["latencies"])
    accepted = result["statuses"].get(202, 0)
    cut = [round(q * 1000, 1) for q in statistics.quantiles(latencies, n=100)] if len(latencies) > 1 else [0.0] * 99
    engine = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"cores: {os.cpu_count()}  load average before: {load_before:.2f}  python: {sys.version.split()[0]}  "
          f"{engine}, {args.replicas} replica(s)  "
          f"requests: {len(latencies)} over {args.fingerprints} fingerprints, concurrency {args.concurrency}")
    print(f"answers: {dict(sorted(result['statuses'].items()))}  in {result['wall']:.2f} s")
    print(f"accepted: {accepted / result['wall']:,.0f} alerts/s")
    print(f"latency: p50 {cut[49]} ms  p99 {cut[98]} ms  max {latencies[-1] * 1000:.1f} ms")
    print(f"stored: {result['alerts']} alerts, {result['events']} events  "
          f"(expected {min(args.fingerprints, accepted)} and {accepted})")
    done = max(1, len(latencies))
    server_cpu = sum(r["cpu"] for r in result["replicas"])
    print(f"CPU: replicas {server_cpu:.2f} s ({server_cpu / done * 1e6:.0f} us/request), "
          f"load generator {result['load_cpu']:.2f} s ({result['load_cpu'] / done * 1e6:.0f} us/request)")
    for number, report in enumerate(result["replicas"], 1):
        print(f"replica {number} RSS: {report['rss'][0]:.0f} MB now, {report['rss'][1]:.0f} MB peak")
        if report["profile"]:
            print(report["profile"])


if __name__ == "__main__":
    main()
