"""The incident lifecycle through the sandbox: acks under load, Web API calls, time-to-ready, memory, startup.

    python bench/incident_bench.py                # all five figures, about 1.5 minutes on 2 cores
    python bench/incident_bench.py --profile      # also cProfile the bot's loop during the ack rounds
    python bench/incident_bench.py --only ack,calls,ready,memory,startup
    python bench/incident_bench.py --postgresql --only ack   # on PostgreSQL (a database of this run's own)

A plain script, never a test. The bot is the unmodified ``Warroom`` on its own loop thread against the
sandbox on 127.0.0.1, as the end-to-end tests run it; the ack figures are repeated with the same bot in a
child process (``BotProcess``: no GIL shared with the sandbox), the memory figure uses only that child
process, and the startup figure a real ``warroom run``. Figures go to stdout as tables and to
``bench/results/incident_bench.json`` (``incident_bench_postgresql.json`` with ``--postgresql``, where every
database is a schema in a PostgreSQL database made for the run and dropped after it).

1. ack latency of /incident declare and /incident status, 50 commands in flight (3 rounds)
2. Web API calls per declare (cold, warm) and per status update, by method
3. declare time-to-ready with 100 ms added to every Web API call, in round trips
4. memory (RSS) and APScheduler jobs with 1,000 open incidents
5. startup time of ``warroom run`` on a database holding those 1,000 open incidents
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BenchBot,
    BotProcess,
    bench_databases,
    by_method,
    make_config,
    start_sandbox,
    web_api_calls,
)
from harness.crowd import commands_at_once  # noqa: E402
from report import (  # noqa: E402
    machine,
    median,
    ms,
    percentile,
    table,
    verdict,
    write_results,
)

from bot.app import Options  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.logs import setup_logging  # noqa: E402

IN_FLIGHT = 50
ACK_TARGET = 0.100            # s, p99
WARM_DECLARE_TARGET = 7       # Web API calls
LATENCY = 0.100               # s added to every Web API call for time-to-ready
READY_TARGET = 4.0            # round trips
OPEN_INCIDENTS = 1000
FAST = 50.0                   # rate_limit_scale where a figure is not about Slack's rate limits
SECTIONS = ("ack", "calls", "ready", "memory", "startup")


from incident_load import bench_memory_and_startup  # noqa: E402


# 1. ack latency ---------------------------------------------------------------------------------------
def latencies(results: list[Any]) -> tuple[list[float], int]:
    """Ack latencies as the sandbox recorded them (envelope written -> ack read) and how many failed."""
    values, failed = [], 0
    for result in results:
        if result.failed or result.envelope.ack_latency is None:
            failed += 1
        else:
            values.append(result.envelope.ack_latency)
    return values, failed


def answer_times(results: list[Any], sent: list[float]) -> list[float]:
    """From each command sent to its answer seen by the person: on the ack, or (a command handled after its
    ack, in a crowd) through response_url. The sandbox stamps what people see with the wall clock."""
    return [float(result.wait_reply(timeout=30)["ts"]) - at for result, at in zip(results, sent)
            if not result.failed]


def ack_round(sandbox, bot, users: list[str], round_no: int, profile: bool) -> dict[str, Any]:
    """50 declares at once (each user in their own channel), settle; 50 status updates at once, settle."""
    ids = {sandbox.user(u)["id"]: u for u in users}
    first_new = bot.query("SELECT coalesce(max(id), 0) FROM incidents")[0][0]
    record: dict[str, Any] = {"round": round_no}
    for name in ("declare", "status"):
        if name == "declare":
            commands = [(u, f"room-{n:03d}", f"declare Bench round {round_no} room {n} sev2") for n, u in enumerate(users)]
        else:
            channels = bot.query("SELECT declared_by, channel_id FROM incidents WHERE id > ?", (first_new,))
            commands = [(ids[user], channel, f"status identified Round {round_no}: cause found") for user, channel in channels]
        mark = sandbox.mark()
        put_off_before = bot.query("SELECT count(*) FROM outbox WHERE kind = 'slack.command'")[0][0]
        if profile:
            bot.profile_start()
        results, sent = commands_at_once(sandbox, [(user, "/incident", text, channel)
                                                   for user, channel, text in commands])
        values, failed = latencies(results)  # waits for every ack
        if profile:
            bot.profile_pause()
        # a status update is answered by the update itself in the channel; a declare says "Declaring incident"
        answered = answer_times(results, sent) if name == "declare" else []
        put_off = bot.query("SELECT count(*) FROM outbox WHERE kind = 'slack.command'")[0][0] - put_off_before
        bot.settle_or_fail(120)
        calls = web_api_calls(sandbox, mark)
        record[name] = {"p50_ms": ms(percentile(values, 50)), "p99_ms": ms(percentile(values, 99)),
                        "min_ms": ms(min(values, default=float("nan"))), "max_ms": ms(max(values, default=float("nan"))),
                        "failed": failed, "answered_p50_ms": ms(percentile(answered, 50)),
                        "answered_p99_ms": ms(percentile(answered, 99)), "handled_after_ack": put_off,
                        "web_api_calls_per_command": round(len(calls) / len(commands), 2),
                        "web_api_calls_by_method": by_method(calls)}
    return record


def one_at_a_time(sandbox, bot, count: int = 10) -> dict[str, Any]:
    """The same commands with nothing else in flight: each is sent once the previous one was acked."""
    out = {}
    for name, text in (("declare", "declare Alone {n} sev3"), ("status", "status monitoring Alone {n}")):
        channel = "general" if name == "declare" else \
            bot.query("SELECT channel_id FROM incidents ORDER BY id DESC LIMIT 1")[0][0]
        values = []
        for n in range(count):
            result = sandbox.as_user("alice").command("/incident", text.format(n=n), channel=channel)
            if result.ack is not None:
                values.append(result.envelope.ack_latency)
        bot.settle_or_fail(120)
        out[name] = {"p50_ms": ms(percentile(values, 50)), "max_ms": ms(max(values, default=float("nan"))),
                     "acked": len(values), "sent": count}
    return out


def bench_ack(rounds: int, profile: bool, new_db) -> dict[str, Any]:
    out: dict[str, Any] = {"in_flight": IN_FLIGHT, "rate_limit_scale": FAST, "modes": {}}
    rows = []
    for mode in ("in-process", "own process"):
        sandbox = start_sandbox(extra_users=IN_FLIGHT)
        users = [f"user{n:03d}" for n in range(IN_FLIGHT)]
        for n, user in enumerate(users):
            sandbox.add_channel(f"room-{n:03d}", members=[sandbox.user(user)["id"], sandbox.user("alice")["id"]])
        db_path = new_db(f"ack-{mode.replace(' ', '-')}")
        # not about rate limits: fast pacing so each round's effects finish in seconds (the effect runner then
        # competes hardest with the listeners for the bot's loop, which makes these acks pessimistic)
        if mode == "in-process":
            bot: Any = BenchBot(sandbox, make_config(), db_path, Options(clock=Clock(), rate_limit_scale=FAST)).start()
        else:
            bot = BotProcess(sandbox, db_path, rate_limit_scale=FAST)
        result: dict[str, Any] = {"rounds": []}
        try:
            for round_no in range(1, rounds + 1):
                record = ack_round(sandbox, bot, users, round_no, profile)
                result["rounds"].append(record)
                for name in ("declare", "status"):
                    r = record[name]
                    rows.append((f"{mode}, round {round_no}, /incident {name}", r["p50_ms"], r["p99_ms"], r["min_ms"],
                                 r["max_ms"], r["failed"], *((r["answered_p50_ms"], r["answered_p99_ms"])
                                                             if name == "declare" else ("", "")),
                                 r["handled_after_ack"], verdict(r["p99_ms"] / 1000, ACK_TARGET)))
            result["one_at_a_time"] = one_at_a_time(sandbox, bot)
            if profile:
                result["profile"] = bot.profile_report(30)
        finally:
            bot.stop()
            sandbox.stop()
        for name in ("declare", "status"):
            p50s = [r[name]["p50_ms"] for r in result["rounds"]]
            p99s = [r[name]["p99_ms"] for r in result["rounds"]]
            result[f"{name}_median_p50_ms"], result[f"{name}_median_p99_ms"] = median(p50s), median(p99s)
            result[f"{name}_worst_p99_ms"] = max(p99s)
            answered = [r[name]["answered_p99_ms"] for r in result["rounds"]]
            result[f"{name}_median_answered_p99_ms"] = median(answered)
            rows.append((f"{mode}, median of {rounds} rounds, /incident {name}", median(p50s), median(p99s), "", "", "",
                         "", median(answered) if name == "declare" else "", "", verdict(median(p99s) / 1000, ACK_TARGET)))
        for name, r in result["one_at_a_time"].items():
            rows.append((f"{mode}, one at a time, /incident {name}", r["p50_ms"], "", "", r["max_ms"],
                         r["sent"] - r["acked"], "", "", "", ""))
        out["modes"][mode] = result
    table(f"1. Ack latency, {IN_FLIGHT} commands in flight (ms, envelope sent -> ack read by the sandbox; "
          f"target p99 < {ACK_TARGET * 1000:.0f} ms; rate_limit_scale {FAST:g}: not about rate limits)",
          ("", "p50", "p99", "min", "max", "failed", "answered p50", "answered p99", "after ack", ""), rows)
    print("  in-process: the bot shares this interpreter with the sandbox and the 50 typing threads, as in the tests;\n"
          "  own process: the same bot and options in a child process (bench/common.py BotProcess);\n"
          "  answered: command sent -> the person sees its answer (on the ack, or through response_url);\n"
          "  after ack: commands that came in a crowd, recorded, acked and handled just after (bot/slack/commands.py)")
    if profile:
        for mode, result in out["modes"].items():
            print(f"\nbot loop profile, {mode}, only while the commands were in flight:\n" + result["profile"])
    return out


# 2. Web API calls per declare and per status update -------------------------------------------------------
def bench_calls(new_db) -> dict[str, Any]:
    sandbox = start_sandbox()
    bot = BenchBot(sandbox, make_config(), new_db("calls")).start()  # production options
    out: dict[str, Any] = {}
    try:
        alice = sandbox.as_user("alice")
        for label, text, channel in (("cold declare (first)", "declare Checkout errors sev2", "general"),
                                     ("warm declare (second)", "declare Search is slow sev3", "general"),
                                     ("status update", "status identified Bad deploy, rolling back", None)):
            if channel is None:
                channel = bot.query("SELECT channel_id FROM incidents ORDER BY id DESC LIMIT 1")[0][0]
            mark = sandbox.mark()
            result = alice.command("/incident", text, channel=channel)
            assert result.ack is not None, f"{label}: not acked"
            bot.settle_or_fail(60)
            calls = web_api_calls(sandbox, mark)
            replies = [c for c in sandbox.calls_since(mark) if c.method == "response_url"]
            out[label] = {"web_api_calls": len(calls), "by_method": by_method(calls),
                          "in_order": [c.method for c in calls], "response_url_posts": len(replies),
                          "errors": [f"{c.method}: {c.error}" for c in calls if not c.ok]}
    finally:
        bot.stop()
        sandbox.stop()
    rows = [(label, r["web_api_calls"], r["response_url_posts"], ", ".join(f"{m} {n}" for m, n in r["by_method"].items()))
            for label, r in out.items()]
    table(f"2. Web API calls (production pacing; target: warm text declare <= {WARM_DECLARE_TARGET})",
          ("", "calls", "response_url", "methods"), rows)
    for label, r in out.items():
        if r["errors"]:
            print(f"  {label}: calls that Slack refused: {r['errors']}")
    warm = out["warm declare (second)"]["web_api_calls"]
    print(f"  warm declare {verdict(warm, WARM_DECLARE_TARGET + 1)} the target ({warm} <= {WARM_DECLARE_TARGET})")
    out["warm_declare_target"] = WARM_DECLARE_TARGET
    return out


# 3. time-to-ready at 100 ms per call --------------------------------------------------------------------
def ready_time(sandbox, bot, text: str) -> dict[str, Any]:
    """Send a declare; when is the channel there, topic set, status posted and pinned, announced, declarer told?

    Each milestone is the moment the sandbox finished the call that made it true (its own records),
    checked afterwards against the workspace's state.
    """
    announcements = sandbox.channel("incidents")["id"]
    mark = sandbox.mark()
    began = time.monotonic()
    result = sandbox.as_user("alice").command("/incident", text, channel="general")
    acked = result.ack is not None
    ack_at = result.envelope.acked_at
    bot.settle_or_fail(60)
    calls = sorted(sandbox.calls_since(mark), key=lambda c: c.started)
    done = {}

    def first(method: str, when=lambda c: True) -> float | None:
        for call in calls:
            if call.method == method and call.ok and when(call):
                return call.started + call.duration - began
        return None

    created = next((c for c in calls if c.method == "conversations.create" and c.ok), None)
    channel_name = created.params.get("name") if created else None
    channel_id = sandbox.channel(channel_name)["id"] if channel_name else None
    done["channel exists"] = first("conversations.create")
    done["topic set"] = first("conversations.setTopic", lambda c: c.params.get("channel") == channel_id)
    done["status posted"] = first("chat.postMessage", lambda c: c.params.get("channel") == channel_id)
    done["status pinned"] = first("pins.add", lambda c: c.params.get("channel") == channel_id)
    done["announcement posted"] = first("chat.postMessage", lambda c: c.params.get("channel") == announcements)
    done["declarer told"] = first("response_url", lambda c: "declared" in str(c.params).lower()) or \
        first("chat.postEphemeral")
    done["declarer invited"] = first("conversations.invite")  # not part of "ready"; shown for the picture
    ready_keys = [k for k in done if k != "declarer invited"]
    missing = [k for k in ready_keys if done[k] is None]
    state = sandbox.channel(channel_id) if channel_id else {}
    state_ok = bool(state and state["topic"]["value"] and len(state["pins"]) == 1)
    ready = max((done[k] for k in ready_keys if done[k] is not None), default=float("nan"))
    waterfall = [(c.method, ms(c.started - began), ms(c.started + c.duration - began)) for c in calls]
    return {"acked": acked, "ack_ms": ms(ack_at - began) if ack_at else None,
            "ready_s": round(ready, 3), "round_trips": round(ready / LATENCY, 2), "missing": missing,
            "state_checked": state_ok, "milestones_ms": {k: (ms(v) if v is not None else None) for k, v in done.items()},
            "waterfall_ms": waterfall}


def bench_ready(runs: int, new_db) -> dict[str, Any]:
    cold, warm = [], []
    for run in range(runs):
        sandbox = start_sandbox()
        # production pacing: a cold and a warm declare fit in every tier's burst, so nothing waits for a tier
        bot = BenchBot(sandbox, make_config(), new_db(f"ready-{run}")).start()
        try:
            sandbox.faults.latency(LATENCY)
            cold.append(ready_time(sandbox, bot, "declare Payments failing sev1"))
            warm.append(ready_time(sandbox, bot, "declare Login errors sev2"))
        finally:
            sandbox.faults.clear()
            bot.stop()
            sandbox.stop()
    out = {"latency_s": LATENCY, "runs": runs, "cold": cold, "warm": warm,
           "cold_median_round_trips": median([r["round_trips"] for r in cold]),
           "warm_median_round_trips": median([r["round_trips"] for r in warm]),
           "cold_median_s": median([r["ready_s"] for r in cold]), "warm_median_s": median([r["ready_s"] for r in warm])}
    rows = []
    for label, runs_ in (("cold (first declare)", cold), ("warm (second declare)", warm)):
        rt = median([r["round_trips"] for r in runs_])
        rows.append((label, median([r["ack_ms"] for r in runs_]), median([r["ready_s"] for r in runs_]) * 1000, rt,
                     " / ".join(f"{r['round_trips']:.1f}" for r in runs_), verdict(rt, READY_TARGET + 1e-9)))
    table(f"3. Declare time-to-ready, {LATENCY * 1000:.0f} ms added to every Web API call "
          f"(median of {runs} fresh bots; production pacing; target <= {READY_TARGET:g} round trips)",
          ("", "ack ms", "ready ms", "round trips", "each run", ""), rows)
    for label, sample in (("cold", cold[-1]), ("warm", warm[-1])):
        print(f"  one {label} declare, ms after the command was sent: " +
              ", ".join(f"{k} {v}" for k, v in sample["milestones_ms"].items()))
        print("    its calls (start->end): " + ", ".join(f"{m} {a:.0f}->{b:.0f}" for m, a, b in sample["waterfall_ms"]))
    problems = [r for r in cold + warm if r["missing"] or not r["state_checked"] or not r["acked"]]
    if problems:
        print(f"  WARNING: {len(problems)} declare(s) did not reach every milestone: {[r['missing'] for r in problems]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="ack latency rounds (default 3)")
    parser.add_argument("--incidents", type=int, default=OPEN_INCIDENTS, help="open incidents for memory/startup")
    parser.add_argument("--starts", type=int, default=3, help="warroom run starts to time (default 3)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS))
    parser.add_argument("--profile", action="store_true", help="cProfile the bot's loop during the ack rounds")
    parser.add_argument("--postgresql", action="store_true",
                        help="on PostgreSQL: every database a schema in a database made on WARROOM_TEST_POSTGRES's "
                             "server for this run, dropped after it")
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    setup_logging("ERROR")  # the bot's INFO lines would drown the tables; errors still show
    info = machine()
    engine = "postgresql" if args.postgresql else "sqlite"
    info["engine"] = engine
    print(f"incident_bench on {engine}: {info['cores']} cores, Python {info['python']}, "
          f"load {info['loadavg_1m_at_start']}, "
          f"commit {info['commit']}" + (f" + uncommitted {', '.join(info['uncommitted_changes'])}"
                                        if info["uncommitted_changes"] else ""))
    began = time.perf_counter()
    results: dict[str, Any] = {"machine": info}
    with bench_databases(args.postgresql) as new_db:
        if "ack" in only:
            results["ack_latency"] = bench_ack(max(1, args.rounds), args.profile, new_db)
        if "calls" in only:
            results["web_api_calls"] = bench_calls(new_db)
        if "ready" in only:
            results["time_to_ready"] = bench_ready(3, new_db)
        if "memory" in only or "startup" in only:
            results["memory"] = bench_memory_and_startup(max(1, args.incidents), max(1, args.starts),
                                                         "startup" in only, new_db)
            if "startup" in results["memory"]:
                results["startup"] = results["memory"].pop("startup")
    results["wall_s"] = round(time.perf_counter() - began, 1)
    print(f"\nincident_bench took {results['wall_s']} s")
    write_results("incident_bench" if engine == "sqlite" else f"incident_bench_{engine}", results)


if __name__ == "__main__":
    main()
