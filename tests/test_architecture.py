"""The layering ARCHITECTURE.md promises, checked on the source: imports point down only, and the
Slack adapter implements the whole chat port."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.effects import port
from bot.slack import catalogue

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ("bot/incidents", "bot/alerts", "bot/paging", "bot/oncall", "bot/postmortems")
CHAT_AND_WEB = ("slack_bolt", "slack_sdk", "aiohttp", "bot.slack", "bot.http", "bot.web")


def imports(folder: str) -> list[tuple[Path, str]]:
    found = []
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((path, node.module))
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {module}" for path, module in imports(folder)
            if any(module == f or module.startswith(f + ".") for f in forbidden)]


@pytest.mark.parametrize("folder", DOMAIN)
def test_the_domain_imports_no_chat_or_web_library(folder):
    assert offending(folder, CHAT_AND_WEB) == []


def test_outbound_webhooks_are_recorded_without_any_http_or_chat_library():
    """bot/webhooks/emit.py runs inside the domain's transactions: only delivery.py speaks HTTP."""
    assert [f for f in offending("bot/webhooks", CHAT_AND_WEB) if not f.startswith("bot/webhooks/delivery.py")] == []


def test_the_web_adapter_does_not_reach_into_slack():
    """The web side works when Slack is down: it talks to the domain and storage, never to Slack."""
    assert offending("bot/web", ("slack_bolt", "slack_sdk", "bot.slack")) == []


def test_storage_imports_nothing_of_the_bot():
    assert offending("storage", ("bot",)) == []


def test_the_kernel_imports_only_the_standard_library():
    assert offending("kernel", ("bot", "storage", "sandbox", "slack_bolt", "slack_sdk", "aiohttp", "sqlite_utils")) == []


def test_the_sandbox_imports_nothing_of_the_bot():
    assert offending("sandbox", ("bot", "storage", "kernel", "slack_bolt", "slack_sdk")) == []


def test_the_slack_adapter_covers_the_whole_port():
    assert set(catalogue.MESSAGES) == set(port.MESSAGES)
    source = (ROOT / "bot/slack/catalogue.py").read_text()
    handled = set(re.findall(r'^\s+"([a-z_]+\.[a-z_]+)": [a-z_]+\.[a-z_]+,$', source, re.M))
    assert handled == set(port.EFFECT_KINDS)
    rendered = set(re.findall(r'^\s+"([a-z*:]+)": [a-z_]+\.[a-z_]+,$', source, re.M)) - handled
    assert rendered == set(port.SURFACES)


def test_every_message_the_domain_names_is_in_the_port():
    named = set()
    for folder in DOMAIN:
        for path in (ROOT / folder).rglob("*.py"):
            named |= set(re.findall(r'\.(?:post|reply)\([^"\n]*"([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert named and named <= set(port.MESSAGES), named - set(port.MESSAGES)


def test_proxies_are_dropped_in_one_place():
    """slack_sdk ignores NO_PROXY; harness.drop_proxies is the one way tests and benchmarks keep
    loopback traffic away from a proxy."""
    written_again = [f"{path.relative_to(ROOT)}:{n}" for folder in ("tests", "bench", "harness")
                     for path in (ROOT / folder).rglob("*.py")
                     if path not in (ROOT / "harness/__init__.py", Path(__file__).resolve())
                     for n, line in enumerate(path.read_text().splitlines(), 1)
                     if re.search(r"HTTPS?_PROXY|\"proxy\" not in|'proxy' not in", line)]
    assert written_again == []
