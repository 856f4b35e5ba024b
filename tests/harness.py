"""Bring the unmodified bot and the sandbox together for end-to-end tests.

The sandbox runs its own server thread; the bot runs in another thread with its own asyncio loop,
exactly as ``warroom run`` does, connected by real HTTP and a real Socket Mode WebSocket.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from bot.app import Options
from bot.clock import Clock
from bot.config import Config, parse_config
from bot.embedded import EmbeddedBot
from sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())

for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_proxy, None)  # slack_sdk ignores NO_PROXY; loopback must never be proxied


def make_config(yaml_text: str = "", file: str = "test.yml", environ: dict | None = None) -> Config:
    """Tests run many bots at once: unless the test says otherwise, the webhook server takes any free port."""
    raw = (yaml.safe_load(yaml_text) if yaml_text.strip() else None) or {}
    raw.setdefault("http", {"listen": "127.0.0.1:0"})
    return parse_config(raw, file, environ)


class BotThread(EmbeddedBot):
    """The bot in-process against the sandbox, with test-friendly pacing (see :class:`bot.embedded.EmbeddedBot`)."""

    def __init__(self, sandbox: Sandbox, config: Config, db_path: str, *, clock: Clock | None = None,
                 options: Options | None = None) -> None:
        self.sandbox = sandbox
        options = options or Options(clock=clock or Clock(), rate_limit_scale=50.0, surface_settle=0.05)
        super().__init__(config, bot_token=sandbox.bot_token, app_token=sandbox.app_token,
                         api_url=sandbox.api_url, db_path=db_path, options=options)

    def start(self) -> "BotThread":
        super().start()
        self.sandbox.wait_for(lambda: self.sandbox.connections >= 1, timeout=10, message="bot never connected")
        return self

    def settle(self, timeout: float = 10.0, horizon: float = 3600.0) -> None:
        assert super().settle(timeout, horizon), "effects did not finish"


class BotProcess:
    """``warroom run`` as a real process (for kill -9), pointed at the sandbox."""

    def __init__(self, sandbox: Sandbox, tmp_path: Path, config_text: str = "",
                 open_files: tuple[int, int] | None = None, python: list[str] | None = None) -> None:
        import sys

        self.sandbox = sandbox
        self.open_files = open_files      # (soft, hard) RLIMIT_NOFILE to start it with, as systemd would
        self.python = python or [sys.executable]  # how to start Python: under a launcher, for instance
        self.db_path = str(tmp_path / "warroom.db")
        self.config_path = tmp_path / "warroom.yml"
        raw = (yaml.safe_load(config_text) if config_text.strip() else None) or {}
        raw.setdefault("http", {"listen": "127.0.0.1:0"})
        self.config_path.write_text(yaml.safe_dump(raw))
        self.log_path = tmp_path / "bot.log"
        self.process = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(SLACK_BOT_TOKEN=self.sandbox.bot_token, SLACK_APP_TOKEN=self.sandbox.app_token,
                   SLACK_API_URL=self.sandbox.api_url, WARROOM_DB=self.db_path,
                   WARROOM_CONFIG=str(self.config_path), PYTHONPATH=str(ROOT))
        return env

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

        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.sandbox.wait_for(lambda: self.sandbox.connections == 0, timeout=10, message="socket still open")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text()
