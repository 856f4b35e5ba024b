"""incident_bench sections 4 and 5: memory with 1,000 open incidents, and `warroom run` startup on them."""

from __future__ import annotations

import datetime
import pathlib
import re
import subprocess
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from common import (  # noqa: E402
    FREE_PORT,
    BotProcess,
    spawn_warroom,
    start_sandbox,
    stop_process,
)
from report import (  # noqa: E402
    median,
    rss_mb,
    table,
    verdict,
)

STARTUP_TARGET = 2.0          # s (incident_bench reports it)
DECLARERS = 200


# 4. memory with 1,000 open incidents, 5. startup on that database ---------------------------------------------
def bench_memory_and_startup(count: int, starts: int, do_startup: bool, new_db) -> dict[str, Any]:
    """``new_db(name)``: a WARROOM_DB for each database this needs (``common.bench_databases``)."""
    # 200 declarers: one person may declare five incidents a minute, and the fill takes well under one
    sandbox = start_sandbox(extra_users=DECLARERS)
    folder = tempfile.TemporaryDirectory()
    db_path = new_db("incidents")
    out: dict[str, Any] = {"open_incidents": count}
    config_path = pathlib.Path(folder.name, "warroom.yml")
    config_path.write_text(f"http: {{listen: '{FREE_PORT}'}}\n")  # `warroom run` reads this file
    people = [user["id"] for user in sandbox.users() if not user.get("is_bot")][:DECLARERS]
    try:
        # the bot alone in its process, so its RSS is the bot's; not about rate limits: fast pacing
        bot = BotProcess(sandbox, db_path, rate_limit_scale=1000.0)
        try:
            started = bot.rss()
            # every severity with pulses (sev4 has none), so every incident has a pulse timer
            out["fill_s"] = round(bot.act("declare_many", start=0, count=count, people=people,
                                          severities=["sev1", "sev2", "sev3"]), 1)
            out["open_in_db"] = bot.query("SELECT count(*) FROM incidents WHERE status != 'resolved'")[0][0]
            out["channels_created"] = bot.query("SELECT count(*) FROM incidents WHERE channel_id IS NOT NULL")[0][0]
            out["timer_rows"] = bot.query("SELECT count(*) FROM timers")[0][0]
            out["apscheduler_jobs"] = bot.act("jobs")
            time.sleep(1.0)
            after = bot.rss()
        finally:
            bot.stop()
        out["rss_bot_started"], out["rss_with_incidents"] = started, after
        out["growth_mb"] = round(after["rss_mb"] - started["rss_mb"], 1)
        table(f"4. Memory of the bot process with {count:,} open incidents (created in {out['fill_s']} s through "
              "IncidentService.declare; rate_limit_scale 1000: not about rate limits)",
              ("", "value"), [
                  ("open incidents in the database", out["open_in_db"]),
                  ("of which with their channel created", out["channels_created"]),
                  ("timer rows (pulses)", out["timer_rows"]),
                  ("APScheduler jobs", out["apscheduler_jobs"]),
                  ("RSS, bot just started, empty database (MB)", started["rss_mb"]),
                  ("RSS after creating them (MB)", after["rss_mb"]),
                  ("peak RSS (MB)", after["peak_mb"]),
                  ("growth (MB)", out["growth_mb"]),
              ])
        if do_startup:
            out["startup"] = bench_startup(sandbox, db_path, str(config_path), folder.name, starts, count,
                                           new_db("empty"))
    finally:
        sandbox.stop()
        folder.cleanup()
    return out


STARTED = re.compile(r"^ts=(\S+) .*event=warroom\.started\b.*$", re.MULTILINE)


def start_once(sandbox, db_path: str, config_path: str, log_path: str) -> dict[str, Any]:
    """Spawn ``warroom run``; time until its Socket Mode link opened (the sandbox's record) and until the
    ``warroom.started`` line's own timestamp."""
    pathlib.Path(log_path).write_text("")
    before = {link["id"] for link in sandbox.links}
    began_wall, began = time.time(), time.monotonic()
    process = spawn_warroom(sandbox, db_path, config_path, log_path)
    link = found = None
    try:
        deadline = began + 30
        while time.monotonic() < deadline and (link is None or found is None):
            if link is None:
                link = next((x for x in sandbox.links if x["id"] not in before), None)
            if found is None:
                found = STARTED.search(pathlib.Path(log_path).read_text())
            if process.poll() is not None:
                raise RuntimeError(f"warroom run exited with {process.returncode}:\n{pathlib.Path(log_path).read_text()}")
            time.sleep(0.01)
        if link is None or found is None:
            raise RuntimeError(f"warroom run did not start in 30 s:\n{pathlib.Path(log_path).read_text()}")
        time.sleep(2.0)  # whatever it does right after starting, then its memory
        memory = rss_mb(process.pid)
    finally:
        stop_process(process)
        sandbox.wait_for(lambda: not [x for x in sandbox.links if x["id"] not in before], timeout=15,
                         message="warroom run kept its socket")
    stamp = datetime.datetime.strptime(found.group(1), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.UTC)
    fields = dict(re.findall(r"(\w+)=(\S+)", found.group(0)))
    return {"connected_s": round(link["opened_at"] - began, 3), "started_logged_s": round(stamp.timestamp() - began_wall, 3),
            "rss_2s_after_start": memory, "open_incidents": fields.get("open_incidents"), "timers": fields.get("timers"),
            "pending_effects": fields.get("pending_effects")}


def import_time() -> float:
    """Seconds for a fresh interpreter to import what ``warroom run`` imports (part of every start)."""
    code = "import time; t = time.perf_counter(); import bot.cli, bot.app; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=str(pathlib.Path(__file__).resolve().parents[1]))
    return float(result.stdout.strip())


def bench_startup(sandbox, db_path: str, config_path: str, folder: str, starts: int, count: int,
                  empty_db: str) -> dict[str, Any]:
    log_path = f"{folder}/bot.log"
    full = [start_once(sandbox, db_path, config_path, log_path) for _ in range(starts)]
    empty = start_once(sandbox, empty_db, config_path, log_path)
    imports = [import_time() for _ in range(3)]
    out = {"runs": full, "empty_database": empty, "imports_s": [round(x, 3) for x in imports],
           "median_connected_s": median([r["connected_s"] for r in full]),
           "median_started_logged_s": median([r["started_logged_s"] for r in full]),
           "median_rss_mb": median([r["rss_2s_after_start"]["rss_mb"] for r in full])}
    rows = [(f"warroom run, {count:,} open incidents (median of {starts})", out["median_connected_s"] * 1000,
             out["median_started_logged_s"] * 1000, out["median_rss_mb"], full[0]["timers"],
             verdict(out["median_connected_s"], STARTUP_TARGET)),
            ("warroom run, empty database", empty["connected_s"] * 1000, empty["started_logged_s"] * 1000,
             empty["rss_2s_after_start"]["rss_mb"], empty["timers"], ""),
            ("of which: python imports bot.cli + bot.app (median of 3)", median(imports) * 1000, "", "", "", "")]
    table(f"5. Startup (spawn -> Socket Mode connected / warroom.started logged; target < {STARTUP_TARGET:g} s)",
          ("", "connected ms", "started ms", "RSS MB", "APScheduler jobs", ""), rows)
    print("  each run (connected s): " + ", ".join(f"{r['connected_s']:.2f}" for r in full) +
          "; RSS is the warroom run process alone, 2 s after it started")
    return out
