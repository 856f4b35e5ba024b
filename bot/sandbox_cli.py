"""``warroom sandbox``: a local Slack and the bot in one process, and you typing as a person."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import yaml

from bot.app import Options, StartupError
from bot.config import Config, ConfigError, load_config, parse_config
from bot.embedded import EmbeddedBot
from bot.logs import setup_logging
from bot.sandbox_repl import HELP, LineFailed, Repl
from storage.db import StorageError

MANIFEST = Path(__file__).resolve().parent / "manifest.yml"

BANNER = """\
warroom sandbox: a local Slack workspace on {url}
People: alice, bob, carol, dave. Channels: #general, #incidents, #alerts.
You are @alice in #general. Try: /incident declare Checkout errors sev2   (:help for more, :quit to leave)
"""
WEBHOOK_HINT = """Monitoring webhook (Alertmanager format) for the demo's "monitoring" source:
  curl -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' http://127.0.0.1:{port}/alerts/monitoring \\
       -d '{{"version":"4","status":"firing","alerts":[{{"status":"firing","fingerprint":"f1","labels":{{"alertname":"DiskFull"}}}}]}}'
"""


def run_sandbox(*, script: str | None, log_level: str = "WARNING", keep_db: str | None = None) -> int:
    from sandbox import Sandbox  # only the CLI brings the bot and the sandbox together

    setup_logging(log_level)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(proxy, None)  # slack_sdk would send loopback traffic to a proxy
    lines: list[str] | None = None
    if script:
        try:
            lines = Path(script).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            sys.stderr.write(f"warroom: cannot read script {script}: {exc.strerror}\n")
            return 2
    try:
        config = demo_config()
    except ConfigError as exc:
        sys.stderr.write(f"warroom: {exc}\n")
        return 2
    workdir = tempfile.TemporaryDirectory(prefix="warroom-sandbox-")
    db_path = keep_db or str(Path(workdir.name) / "warroom.db")
    sandbox = Sandbox(yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))).start()
    sandbox.seed_demo()
    bot = EmbeddedBot(config(sandbox) if callable(config) else config, bot_token=sandbox.bot_token,
                      app_token=sandbox.app_token, api_url=sandbox.api_url, db_path=db_path,
                      options=Options(surface_settle=0.2))
    try:
        bot.start()
        sandbox.wait_for(lambda: sandbox.connections >= 1, timeout=10, message="the bot did not connect")
        repl = Repl(sandbox, bot)
        if lines is not None:
            return play(repl, lines)
        hint = WEBHOOK_HINT.format(key=DEMO_WEBHOOK_KEY, port=bot.bot.webhooks.port) if callable(config) else ""
        return interact(repl, sandbox.url, hint)
    except (StorageError, StartupError) as exc:
        sys.stderr.write(f"warroom: {exc}\n")
        return 2
    finally:
        try:
            bot.stop()
        finally:
            sandbox.stop()
            workdir.cleanup()


DEMO_WEBHOOK_KEY = "sandbox-webhook-key"


def demo_config():
    """WARROOM_CONFIG when set; otherwise the demo: the defaults plus on-call for the seeded people."""
    path = os.environ.get("WARROOM_CONFIG")
    if path:
        return load_config(path)
    return demo_for


def demo_for(sandbox) -> "Config":
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol", "dave")}
    environ = dict(os.environ, WARROOM_SANDBOX_WEBHOOK_KEY=DEMO_WEBHOOK_KEY)
    demo = {
        "users": [{"slack_id": ids[n], "name": n, "timezone": tz} for n, tz in
                  (("alice", "Europe/London"), ("bob", "America/New_York"), ("carol", "UTC"))],
        "schedules": [
            {"name": "primary", "timezone": "Europe/London",
             "rotation": {"users": ["alice", "bob"], "length": "1d", "handoff": "2026-01-05T09:00"}},
            {"name": "secondary", "timezone": "UTC",
             "rotation": {"users": ["carol"], "length": "1w", "handoff": "2026-01-05T09:00"}},
        ],
        "escalation_policies": [{"name": "default", "repeat": 1, "levels": [
            {"notify": ["schedule:primary"], "timeout": "5m"}, {"notify": ["schedule:secondary"], "timeout": "5m"}]}],
        "alert_sources": [
            {"name": "general", "type": "slack", "escalation_policies": ["default"], "channels": ["general"]},
            {"name": "monitoring", "type": "alertmanager", "escalation_policy": "default",
             "key_env": "WARROOM_SANDBOX_WEBHOOK_KEY"},
        ],
        "http": {"listen": "127.0.0.1:0"},
    }
    return parse_config(demo, "(sandbox demo config)", environ)


def play(repl: Repl, lines: list[str]) -> int:
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        print(f"{repl.prompt}{line}")
        try:
            if not repl.handle(line):
                break
        except (LineFailed, LookupError, ValueError) as exc:
            print(f"line {number} failed: {exc}", file=sys.stderr)
            return 1
    return 0


def interact(repl: Repl, url: str, hint: str = "") -> int:
    print(BANNER.format(url=url) + hint)
    while True:
        try:
            line = input(repl.prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        try:
            if not repl.handle(line):
                return 0
        except (LineFailed, LookupError, ValueError) as exc:
            print(f"! {exc}")


__all__ = ["run_sandbox", "HELP"]
