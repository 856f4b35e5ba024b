"""webhook_bench's load sent by wrk, a C load generator (Debian's ``wrk``), one process per replica: the
bodies the bench builds, cycled by a Lua script that counts each answer's status."""

from __future__ import annotations

import os
import pathlib
import resource
import shutil
import subprocess
import tempfile
from typing import Callable

WRK_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("WARROOM_BENCH_BODIES")) do bodies[#bodies + 1] = line end
sent, statuses = 0, {}   -- globals: done() reads them from each thread
local headers = {["Authorization"] = "Bearer " .. os.getenv("WARROOM_BENCH_KEY"),
                 ["Content-Type"] = "application/json"}
request = function()
  sent = sent + 1
  return wrk.format("POST", "/alerts/prometheus", headers, bodies[(sent - 1) % #bodies + 1])
end
response = function(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do parts[#parts + 1] = status .. "=" .. n end
  end
  io.write(string.format("WRK %d %d %d %d %d %s\\n", summary.duration, latency:percentile(50),
                         latency:percentile(99), latency.max, summary.errors.connect + summary.errors.read +
                         summary.errors.write + summary.errors.timeout, table.concat(parts, ",")))
end
"""


def load_with_wrk(ports: list[int], fingerprints: int, concurrency: int, seconds: float, per_request: int, *,
                  bodies: Callable[[int, int, int], bytes], host: str, key: str) -> dict:
    """The same requests as webhook_bench's own loader, sent by ``wrk`` (a process per replica, the
    connections shared out): at about a tenth of the Python loader's CPU a request, it leaves the 2 cores
    to the replicas and PostgreSQL. wrk stops at its deadline with requests in flight, so a few more may be stored than
    it counted answered (at most one per connection)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("--loader wrk needs wrk (apt-get install wrk)")
    groups = max(1, fingerprints // per_request)
    with tempfile.TemporaryDirectory() as folder:
        bodies_file, script = pathlib.Path(folder, "bodies.txt"), pathlib.Path(folder, "load.lua")
        bodies_file.write_bytes(b"\n".join(bodies(i % groups, i, per_request) for i in range(groups * 10)))
        script.write_text(WRK_SCRIPT)
        env = {**os.environ, "WARROOM_BENCH_BODIES": str(bodies_file), "WARROOM_BENCH_KEY": key}
        share = [concurrency // len(ports) + (1 if n < concurrency % len(ports) else 0) for n in range(len(ports))]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        processes = [subprocess.Popen([wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
                                       "-s", str(script), f"http://{host}:{port}"], env=env,
                                      stdout=subprocess.PIPE, text=True)
                     for port, connections in zip(ports, share) if connections]
        outputs = [process.communicate(timeout=seconds + 60)[0] for process in processes]
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    statuses: dict[int, int] = {}
    walls, p50s, p99s, maxes = [], [], [], []
    for output in outputs:
        line = next((line for line in output.splitlines() if line.startswith("WRK ")), None)
        if line is None:
            raise SystemExit(f"wrk said:\n{output}")
        duration, p50, p99, most, errors, counted = line.split(" ", 6)[1:]
        walls.append(int(duration) / 1e6)
        p50s.append(int(p50) / 1e3)
        p99s.append(int(p99) / 1e3)
        maxes.append(int(most) / 1e3)
        statuses[0] = statuses.get(0, 0) + int(errors)
        for part in filter(None, counted.split(",")):
            status, n = part.split("=")
            statuses[int(status)] = statuses.get(int(status), 0) + int(n)
    if not statuses.get(0):
        statuses.pop(0, None)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"statuses": statuses, "wall": max(walls), "load_cpu": cpu,
            "latency_ms": {"p50": round(max(p50s), 1), "p99": round(max(p99s), 1), "max": round(max(maxes), 1)},
            "requests": sum(statuses.values())}
