"""The web side in a real browser: Playwright driving Chromium (Debian's ``chromium`` package; .ci/run
installs it where missing; WARROOM_TEST_CHROMIUM names another binary)."""

from __future__ import annotations

import os
import shutil
import socket

import pytest
import yaml

from bot.config.env import SlackSignInSettings, issuer_for
from harness import make_config
from harness.bots import BotThread
from tests.web.client import WebClient


def chromium_path() -> str:
    found = os.environ.get("WARROOM_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("no Chromium for the browser tests: apt-get install chromium, or set "
                           "WARROOM_TEST_CHROMIUM to a Chromium binary")
    return found


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(),
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser tab with no cookies."""
    context = chromium.new_context()
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def web(bot) -> WebClient:
    """Plain HTTP to the running bot's web side (no browser), as anyone or signed in."""
    return WebClient(bot)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def signin_bot(sandbox, database_url, config_text):
    """The bot with Sign in with Slack: an OAuth client registered in the sandbox for the bot's
    callback (Slack only sends people back to a registered address, so the port is chosen first)."""
    port = free_port()
    raw = yaml.safe_load(config_text) if config_text.strip() else {}
    raw["http"] = {"listen": f"127.0.0.1:{port}"}
    client = sandbox.oauth_client([f"http://127.0.0.1:{port}/signin/slack/callback"])
    sign_in = SlackSignInSettings(client.client_id, client.client_secret, issuer_for(sandbox.api_url))
    thread = BotThread(sandbox, make_config(raw), database_url, sign_in=sign_in).start()
    yield thread
    thread.stop()
