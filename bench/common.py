"""Shared helpers for the bench scripts: the sandbox and the bot side by side (in-process or in a process
of its own). Measuring and printing live in ``report.py``.

The bot runs exactly as the end-to-end tests run it (``EmbeddedBot`` on its own loop thread against a
``Sandbox`` on loopback), or as a real ``warroom run`` process. Nothing here imports ``tests``.
"""

from __future__ import annotations

import contextlib
import cProfile
import json
import os
import pathlib
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report import _top, rss_mb  # noqa: E402  (the bot process measures itself)

from bot.app import Options  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.embedded import EmbeddedBot  # noqa: E402
from harness import FREE_PORT, drop_proxies, make_config, start_sandbox, web_api_calls  # noqa: E402, F401  (shared with the tests)
from harness.bots import BotThread, warroom_env  # noqa: E402
from sandbox import Sandbox  # noqa: E402


# the sandbox and the bot --------------------------------------------------------------------------
class BenchBot(BotThread):
    """The bot in this process against ``sandbox``, with production's options unless told otherwise."""

    def __init__(self, sandbox: Sandbox, config: Config, db_path: str, options: Options | None = None) -> None:
        super().__init__(sandbox, config, db_path, options=options or Options(clock=Clock()))

    def settle_or_fail(self, timeout: float = 60.0, horizon: float = 3600.0) -> float:
        """Wait for every effect due within ``horizon`` s; returns the seconds it took."""
        began = time.perf_counter()
        try:
            self.settle(timeout, horizon)
        except AssertionError:
            raise RuntimeError(f"the bot did not settle within {timeout:.0f} s") from None
        return time.perf_counter() - began

    def profile_start(self) -> None:
        """cProfile the bot's loop thread (listeners, effects, timers) until ``profile_stop``; windows add up."""
        if getattr(self, "_profiler", None) is None:
            self._profiler = cProfile.Profile()
        self.run(self._profiler.enable)

    def profile_pause(self) -> None:
        self.run(self._profiler.disable)

    def profile_report(self, top: int = 30) -> str:
        return _top(self._profiler, top)

    def act(self, name: str, **args: Any) -> Any:
        """Run the bench action ``name`` (see ``ACTIONS``) against this bot."""
        return ACTIONS[name](self, **args)

    def stop(self) -> None:
        _stop_bench_webhook(self)
        super().stop()

    def rss(self) -> dict[str, float]:
        return rss_mb()  # note: this process also holds the sandbox


@contextlib.contextmanager
def bench_databases(postgresql: bool) -> Iterator[Callable[[str], str]]:
    """Where one bench run keeps its databases: ``new(name)`` gives a WARROOM_DB, a SQLite file in a
    temporary folder or, with ``postgresql``, a fresh schema in a PostgreSQL database of this run's own
    (``harness.databases.PostgresForTests``, as the tests make theirs on WARROOM_TEST_POSTGRES's server).
    Everything is dropped afterwards."""
    import tempfile

    folder = tempfile.TemporaryDirectory()
    server = None
    if postgresql:
        from harness.databases import PostgresForTests
        server = PostgresForTests()

    made: list[str] = []

    def new(name: str) -> str:
        """A fresh, empty database each time, whatever the name."""
        made.append(name)
        return server.new_schema() if server is not None else os.path.join(folder.name, f"{name}-{len(made)}.db")
    try:
        yield new
    finally:
        if server is not None:
            server.drop_database()
        folder.cleanup()


def spawn_warroom(sandbox: Sandbox, db_path: str, config_path: str, log_path: str,
                  extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """``warroom run`` as a real process pointed at the sandbox (its log goes to ``log_path``)."""
    env = warroom_env(sandbox, db_path, config_path, extra_env)
    log = open(log_path, "a")
    try:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--log-level", "INFO"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(ROOT))
    finally:
        log.close()


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def by_method(calls: Iterable[Any]) -> dict[str, int]:
    return dict(sorted(Counter(c.method for c in calls).items(), key=lambda kv: (-kv[1], kv[0])))


# memory -------------------------------------------------------------------------------------------
def _declare_many(bot: EmbeddedBot, start: int, count: int, people: list[str], severities: list[str],
                  batch: int = 50, settle: float = 120.0) -> float:
    """Declare ``count`` incidents through ``IncidentService.declare``, ``batch`` per loop turn, letting the
    effect runner catch up between batches; the seconds it took."""
    from bot.incidents.model import DeclareRequest

    began = time.perf_counter()
    for first in range(start, start + count, batch):
        def declare_batch(first: int = first) -> None:
            for n in range(first, min(start + count, first + batch)):
                bot.bot.incidents.declare(DeclareRequest(title=f"Bench incident {n}", severity=severities[n % len(severities)],
                                                         declared_by=people[n % len(people)]))
        bot.run(declare_batch)
        if not bot.settle(settle, 3600.0):
            raise RuntimeError("effects did not catch up")
    return time.perf_counter() - began


def _receive(bot: EmbeddedBot, source: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """``AlertService.receive`` with these events, on the bot's loop: seconds spent and alerts created."""
    from bot.alerts.model import AlertEvent

    alert_source = bot.bot.config.alert_source(source)
    parsed = [AlertEvent(e["summary"], dedup_key=e.get("dedup_key"), details=e.get("details", "")) for e in events]

    def receive() -> dict[str, Any]:
        began = time.perf_counter()
        results = bot.bot.alerts.receive(alert_source, parsed)
        return {"seconds": time.perf_counter() - began, "created": sum(1 for r in results if r.created)}
    return bot.run(receive)


def _add_overrides(bot: EmbeddedBot, schedule: str, overrides: list[tuple[str, float, float]]) -> int:
    def add() -> int:
        with bot.bot.work():
            for user, start, end in overrides:
                bot.bot.oncall.overrides.add(schedule, user, start, end, by=user, at=start)
        return len(overrides)
    return bot.run(add)


def _oncall_rate(bot: EmbeddedBot, schedule: str, instants: list[float], seconds: float) -> dict[str, Any]:
    """``OnCallService.on_call`` lookups per second on the bot's loop, cycling through ``instants``."""
    def measure() -> dict[str, Any]:
        service = bot.bot.oncall
        calls, answers = 0, Counter()
        began = time.perf_counter()
        while True:
            for at in instants:
                answers[service.on_call(schedule, at)] += 1
            calls += len(instants)
            elapsed = time.perf_counter() - began
            if elapsed >= seconds:
                break
        return {"lookups": calls, "seconds": elapsed, "per_second": calls / elapsed, "distinct_answers": len(answers)}
    return bot.call(_as_coroutine(measure), timeout=seconds + 60)


async def _as_coroutine(fn: Any) -> Any:
    return fn()


def _webhook_port(bot: EmbeddedBot) -> int | None:
    """The port of a webhook server the app itself started (``bot/app.py`` wiring), if any."""
    from bot.http import WebhookServer

    for value in vars(bot.bot).values():
        if isinstance(value, WebhookServer) and value.port:
            return int(value.port)
    return None


def _start_webhook_server(bot: EmbeddedBot) -> int:
    """Start ``bot.http.WebhookServer`` on the bot's loop with the bot's own AlertService (the bench's wiring,
    for when ``bot/app.py`` does not start one)."""
    from bot.http import WebhookServer

    server = WebhookServer(bot.bot.config, bot.bot.alerts)
    bot.call(server.start())
    bot._bench_webhook = server  # type: ignore[attr-defined]
    return int(server.port)


def _stop_bench_webhook(bot: EmbeddedBot) -> None:
    server = getattr(bot, "_bench_webhook", None)
    if server is not None:
        bot.call(server.stop())
        bot._bench_webhook = None  # type: ignore[attr-defined]


def _outbox(bot: EmbeddedBot) -> dict[str, Any]:
    rows = bot.query("SELECT state, kind, count(*) FROM outbox GROUP BY state, kind")
    return {f"{state} {kind}": n for state, kind, n in rows}


def _jobs(bot: EmbeddedBot) -> int:
    return bot.run(bot.bot.timers.pending)


ACTIONS: dict[str, Any] = {
    "declare_many": _declare_many, "receive": _receive, "add_overrides": _add_overrides, "oncall_rate": _oncall_rate,
    "webhook_port": _webhook_port, "start_webhook_server": _start_webhook_server, "outbox": _outbox, "jobs": _jobs,
}


# the bot in a process of its own ----------------------------------------------------------------------
class BotProcess:
    """``EmbeddedBot`` with bench ``Options`` in a child process of its own (production's one-interpreter-per-bot),
    against this process's sandbox; driven over its stdin/stdout one JSON line at a time.

    The in-process ``BenchBot`` shares this interpreter (and its GIL) with the sandbox and the people typing;
    this one does not, so comparing the two shows what the harness itself costs.
    """

    def __init__(self, sandbox: Sandbox, db_path: str, *, config_yaml: str = "{}", rate_limit_scale: float = 1.0,
                 surface_settle: float | None = None, env: dict[str, str] | None = None) -> None:
        self.sandbox = sandbox
        self.db_path = db_path
        spec = {"db": db_path, "config": config_yaml, "rate_limit_scale": rate_limit_scale,
                "surface_settle": surface_settle, "bot_token": sandbox.bot_token, "app_token": sandbox.app_token,
                "api_url": sandbox.api_url}
        child_env = dict(os.environ)
        drop_proxies(child_env)
        child_env.update(PYTHONPATH=str(ROOT), **(env or {}))
        before = sandbox.connections
        self.process = subprocess.Popen([sys.executable, __file__, "serve", json.dumps(spec)], cwd=str(ROOT),
                                        env=child_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        bufsize=1)
        ready = self._read()
        if not ready.get("ok"):
            raise RuntimeError(f"bot process did not start: {ready}")
        sandbox.wait_for(lambda: sandbox.connections > before, timeout=15, message="bot process never connected")

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"bot process exited ({self.process.poll()})")
        return json.loads(line)

    def ask(self, op: str, **args: Any) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.process.stdin.flush()
        answer = self._read()
        if "error" in answer:
            raise RuntimeError(f"bot process: {op}: {answer['error']}")
        return answer.get("value")

    def settle_or_fail(self, timeout: float = 60.0, horizon: float = 3600.0) -> float:
        began = time.perf_counter()
        if not self.ask("settle", timeout=timeout, horizon=horizon):
            raise RuntimeError(f"the bot did not settle within {timeout:.0f} s")
        return time.perf_counter() - began

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return [tuple(row) for row in self.ask("query", sql=sql, params=list(params))]

    def profile_start(self) -> None:
        self.ask("profile_start")

    def profile_pause(self) -> None:
        self.ask("profile_pause")

    def profile_report(self, top: int = 30) -> str:
        return self.ask("profile_report", top=top)

    def act(self, name: str, **args: Any) -> Any:
        """Run the bench action ``name`` (see ``ACTIONS``) in the bot's process."""
        return self.ask("act", name=name, args=args)

    def rss(self) -> dict[str, float]:
        return rss_mb(self.process.pid)  # the bot alone

    def stop(self) -> None:
        try:
            self.ask("stop")
        except Exception:
            pass
        stop_process(self.process)


def _serve(spec_json: str) -> None:
    """The child side of :class:`BotProcess`: start the bot, answer requests until told to stop."""
    from bot.logs import setup_logging

    spec = json.loads(spec_json)
    setup_logging("ERROR")
    options = Options(clock=Clock(), rate_limit_scale=spec["rate_limit_scale"])
    if spec.get("surface_settle") is not None:
        options.surface_settle = spec["surface_settle"]
    bot = EmbeddedBot(make_config(spec["config"]), bot_token=spec["bot_token"], app_token=spec["app_token"],
                      api_url=spec["api_url"], db_path=spec["db"], options=options)
    out = sys.stdout
    bot.start()
    out.write(json.dumps({"ok": True}) + "\n")
    out.flush()
    profiler: cProfile.Profile | None = None
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            if op == "settle":
                value: Any = bot.settle(request["timeout"], request["horizon"])
            elif op == "query":
                value = bot.query(request["sql"], tuple(request["params"]))
            elif op == "act":
                value = ACTIONS[request["name"]](bot, **request["args"])
            elif op == "profile_start":
                profiler = profiler or cProfile.Profile()
                bot.run(profiler.enable)
                value = True
            elif op == "profile_pause":
                assert profiler is not None
                bot.run(profiler.disable)
                value = True
            elif op == "profile_report":
                assert profiler is not None
                value = _top(profiler, request.get("top", 30))
            elif op == "stop":
                _stop_bench_webhook(bot)
                bot.stop()
                out.write(json.dumps({"value": True}) + "\n")
                out.flush()
                return
            else:
                raise ValueError(f"unknown op {op!r}")
            out.write(json.dumps({"value": value}, default=str) + "\n")
        except Exception as exc:  # the parent shows it
            out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        out.flush()
    bot.stop()


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "serve":
    _serve(sys.argv[2])
