"""Measuring and reporting for the bench scripts: RSS, percentiles, the machine, tables, result files."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pathlib
import platform
import pstats
import statistics
import subprocess
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident set size now (VmRSS) and at its peak (VmHWM), in MB, of ``pid`` (default: this process)."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields.get("VmRSS", 0.0), 1), "peak_mb": round(fields.get("VmHWM", 0.0), 1)}


# numbers ------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest-rank: p99 of 50 values is the largest but none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# output -------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """Where and on what code the figures were taken (others change the tree while benchmarks run)."""
    load = os.getloadavg()
    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "loadavg_1m_at_start": round(load[0], 2), **code_version()}


def code_version() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=str(ROOT), capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if not line[3:].startswith("bench/")]
    return {"commit": git("rev-parse", "--short", "HEAD").strip() or "unknown", "uncommitted_changes": changed}


def table(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(_cell(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(value: float, target: float, *, below: bool = True) -> str:
    ok = value < target if below else value >= target
    return "meets" if ok else "MISSES"


def write_results(name: str, data: dict[str, Any]) -> pathlib.Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    print(f"\nfigures written to {path.relative_to(ROOT)}")
    return path


# profiling ----------------------------------------------------------------------------------------
def _top(profiler: cProfile.Profile, n: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(n)
    stats.sort_stats("tottime").print_stats(n)
    return out.getvalue()


# bench actions: run against either kind of bot, on the bot's loop where they touch its database -----------
