"""The unmodified bot against the sandbox: in this process on a loop thread of its own, or as a real
``warroom run`` process (for kill -9), connected by real HTTP and a real Socket Mode WebSocket."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from bot.app import Options
from bot.clock import Clock
from bot.config import Config
from bot.config.env import SlackSignInSettings
from bot.embedded import EmbeddedBot
from harness import FREE_PORT, ROOT, drop_proxies
from sandbox import Sandbox

TEST_PACING = 50.0      # rate-limit scale for tests of other things than Slack's rate tiers
TEST_SETTLE = 0.05      # seconds a surface waits for more changes (production: 1 s)


class BotThread(EmbeddedBot):
    """The bot in-process against the sandbox, with test-friendly pacing (see :class:`bot.embedded.EmbeddedBot`)."""

    def __init__(self, sandbox: Sandbox, config: Config, db_path: str, *, clock: Clock | None = None,
                 options: Options | None = None, sign_in: SlackSignInSettings | None = None) -> None:
        self.sandbox = sandbox
        options = options or Options(clock=clock or Clock(), rate_limit_scale=TEST_PACING, surface_settle=TEST_SETTLE)
        super().__init__(config, bot_token=sandbox.bot_token, app_token=sandbox.app_token,
                         api_url=sandbox.api_url, db_path=db_path, options=options, sign_in=sign_in)

    def start(self) -> "BotThread":
        before = self.sandbox.connections
        super().start()
        self.sandbox.wait_for(lambda: self.sandbox.connections > before, timeout=15, message="bot never connected")
        return self

    def settle(self, timeout: float = 10.0, horizon: float = 3600.0) -> bool:
        assert super().settle(timeout, horizon), "effects did not finish"
        return True


def warroom_env(sandbox: Sandbox, db_path: str, config_path: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment ``warroom run`` needs to talk to ``sandbox`` (and no proxy)."""
    env = dict(os.environ)
    drop_proxies(env)
    env.update(SLACK_BOT_TOKEN=sandbox.bot_token, SLACK_APP_TOKEN=sandbox.app_token, SLACK_API_URL=sandbox.api_url,
               WARROOM_DB=db_path, WARROOM_CONFIG=config_path, PYTHONPATH=str(ROOT), **(extra or {}))
    return env


class BotProcess:
    """``warroom run`` as a real process (for kill -9), pointed at the sandbox."""

    def __init__(self, sandbox: Sandbox, tmp_path: Path, config_text: str = "",
                 open_files: tuple[int, int] | None = None, python: list[str] | None = None,
                 env: dict[str, str] | None = None, database: str | None = None, name: str = "bot") -> None:
        """``database``: WARROOM_DB (a SQLite path or a postgresql:// URL; default a SQLite file in
        ``tmp_path``). ``name`` tells replicas sharing ``tmp_path`` apart (their config and log)."""
        import sys

        self.sandbox = sandbox
        self.extra_env = env or {}
        self.open_files = open_files      # (soft, hard) RLIMIT_NOFILE to start it with, as systemd would
        self.python = python or [sys.executable]  # how to start Python: under a launcher, for instance
        self.db_path = database or str(tmp_path / "warroom.db")
        self.config_path = tmp_path / ("warroom.yml" if name == "bot" else f"warroom-{name}.yml")
        raw = (yaml.safe_load(config_text) if config_text.strip() else None) or {}
        raw.setdefault("http", {"listen": FREE_PORT})
        self.config_path.write_text(yaml.safe_dump(raw))
        self.log_path = tmp_path / f"{name}.log"
        self.process = None

    def env(self) -> dict[str, str]:
        return warroom_env(self.sandbox, self.db_path, str(self.config_path), self.extra_env)

    def start(self, timeout: float = 20.0, log_level: str = "INFO") -> "BotProcess":
        import subprocess

        before = self.sandbox.connections
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([*self.python, "-m", "bot.cli", "run", "--log-level", log_level],
                                        env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=str(ROOT),
                                        preexec_fn=self._limit_open_files if self.open_files else None)
        self.sandbox.wait_for(lambda: self.sandbox.connections > before or self.process.poll() is not None,
                              timeout=timeout, message="bot process never connected")
        assert self.process.poll() is None, self.log_path.read_text()
        return self

    def _limit_open_files(self) -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, self.open_files)

    def webhook_port(self) -> int:
        """The port it listens on for webhooks (the config asks for any free one)."""
        import re

        found = re.findall(r"event=http\.listening .*?port=(\d+)", self.log())
        assert found, self.log()
        return int(found[-1])

    def kill9(self) -> None:
        import signal

        before = self.sandbox.connections
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.sandbox.wait_for(lambda: self.sandbox.connections < before, timeout=10, message="socket still open")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows from its database, read from the outside as an operator would."""
        return query(self.db_path, sql, params)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text()


def query(database: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows from a warroom database, either engine, on a connection of its own (``?`` placeholders)."""
    if database.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(database, autocommit=True) as conn:
            return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), params or None).fetchall()]
    import sqlite3

    conn = sqlite3.connect(database)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
