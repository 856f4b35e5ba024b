"""``warroom login-link``: made on the host, used once in a browser, for when Slack is down."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness import ROOT
from tests.web.client import WebClient


@pytest.fixture
def config_text(sandbox):
    alice = sandbox.user("alice")["id"]
    return f'users: [{{slack_id: {alice}, name: alice}}]\nweb: {{public_url: "http://warroom.example.com"}}  # http: its cookie must reach this test over http\n'


def login_link(database_url: str, config_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WARROOM_DB": database_url, "WARROOM_CONFIG": str(config_path)}
    return subprocess.run([sys.executable, "-m", "bot.cli", "login-link", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_a_link_from_the_host_signs_in_once(bot, sandbox, database_url, config_text, tmp_path):
    config = tmp_path / "warroom.yml"
    config.write_text(config_text)
    made = login_link(database_url, config, "alice")
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()
    assert link.startswith("http://warroom.example.com/signin/link/"), link
    web = WebClient(bot)
    path = link[len("http://warroom.example.com"):]
    assert web.get(path).status == 303
    assert "Signed in as @alice" in web.get("/no-such-page").body
    assert WebClient(bot).get(path).status == 403          # used


def test_someone_unknown_gets_told_what_to_give(database_url, tmp_path):
    config = tmp_path / "warroom.yml"
    config.write_text("users: [{slack_id: U0AAAAAAA, name: alice}]\n")
    refused = login_link(database_url, config, "mallory")
    assert refused.returncode == 2
    assert "'mallory' is neither a Slack user ID (like U012ABCDEF) nor a name under users:" in refused.stderr
