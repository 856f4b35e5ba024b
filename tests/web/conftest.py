"""The web side in a real browser: Playwright driving Chromium (Debian's ``chromium`` package; .ci/run
installs it where missing; WARROOM_TEST_CHROMIUM names another binary)."""

from __future__ import annotations

import os
import shutil

import pytest

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
