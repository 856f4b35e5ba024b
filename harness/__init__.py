"""What the tests and the benchmarks share to run the unmodified bot against the sandbox.

Only development uses this package (it is not installed with warroom); like ``warroom sandbox`` it is
the one place besides the CLI that brings ``bot`` and ``sandbox`` together.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from bot.config import Config, parse_config
from sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
FREE_PORT = "127.0.0.1:0"
# Slack's client calls these, not the bot: left out of "Web API calls the bot made"
NOT_WEB_API = ("response_url",)


def drop_proxies(environ: dict[str, str] | os._Environ = os.environ) -> None:
    """slack_sdk ignores NO_PROXY: loopback traffic to the sandbox must never go to a proxy."""
    for name in [k for k in environ if "proxy" in k.lower()]:
        environ.pop(name, None)


drop_proxies()


def make_config(data: str | dict[str, Any] | None = None, file: str = "test.yml",
                environ: dict[str, str] | None = None) -> Config:
    """The bot's config from YAML text or a dict. Many bots run at once: unless told otherwise, the
    webhook server takes any free port."""
    if isinstance(data, str):
        data = yaml.safe_load(data) if data.strip() else None
    raw = dict(data or {})
    raw.setdefault("http", {"listen": FREE_PORT})
    return parse_config(raw, file, environ)


def start_sandbox(extra_users: int = 0, user_prefix: str = "user") -> Sandbox:
    """A started sandbox with the demo people and channels, plus ``extra_users`` more people."""
    sandbox = Sandbox(MANIFEST).start()
    sandbox.seed_demo()
    for n in range(extra_users):
        sandbox.add_user(f"{user_prefix}{n:03d}", real_name=f"Extra User {n}")
    return sandbox


def web_api_calls(sandbox: Sandbox, mark: int) -> list[Any]:
    """Calls the bot made to the Web API since ``mark`` (response_url POSTs left out)."""
    return [c for c in sandbox.calls_since(mark) if c.method not in NOT_WEB_API]
