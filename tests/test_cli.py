"""The warroom command: help everywhere, clear refusals with exit code 2, doctor, and logs that
never contain a token."""

import os
import re
import subprocess
import sys

import pytest

from harness import ROOT, drop_proxies
from harness.bots import BotProcess
from tests.e2e.helpers import declare  # noqa: F401  (fixtures live in tests/conftest.py)

BOT = "xoxb-1111111111-2222222222-abcdefabcdefabcdef"
APP = "xapp-1-A111-333333-abcdefabcdefabcdef"


def warroom(*args, env=None, timeout=60):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
    drop_proxies(base)
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["sandbox", "--help"], ["doctor", "--help"],
                                  ["manifest", "--help"]])
def test_help_everywhere(args):
    done = warroom(*args)
    assert done.returncode == 0 and "usage: warroom" in done.stdout


def test_no_command_prints_help_and_exits_2():
    done = warroom()
    assert done.returncode == 2 and "run" in done.stdout and "sandbox" in done.stdout


@pytest.mark.parametrize("env,expected", [
    ({}, "SLACK_BOT_TOKEN is not set"),
    ({"SLACK_BOT_TOKEN": BOT}, "SLACK_APP_TOKEN is not set"),
    ({"SLACK_BOT_TOKEN": "not-a-token", "SLACK_APP_TOKEN": APP}, "SLACK_BOT_TOKEN does not look like a token"),
    ({"SLACK_BOT_TOKEN": BOT + " ", "SLACK_APP_TOKEN": APP}, "SLACK_BOT_TOKEN has a space or line break before or after it"),
    ({"SLACK_BOT_TOKEN": BOT[:15], "SLACK_APP_TOKEN": APP}, "SLACK_BOT_TOKEN starts like the Bot User OAuth Token but is cut short"),
    ({"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": BOT}, "SLACK_APP_TOKEN holds the Bot User OAuth Token (xoxb-...), but it needs an app-level token"),
    ({"SLACK_BOT_TOKEN": APP, "SLACK_APP_TOKEN": BOT}, "the two tokens look swapped"),
])
def test_missing_or_malformed_tokens_name_the_variable_and_where_to_get_it(env, expected):
    done = warroom("run", env=env)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "abcdefabcdef" not in done.stderr + done.stdout and "xoxb-1111" not in done.stderr


def test_version_and_the_environment_in_run_help():
    done = warroom("--version")
    assert done.returncode == 0 and done.stdout.startswith("warroom ")
    text = warroom("run", "--help").stdout
    for variable, default in (("SLACK_BOT_TOKEN", "required"), ("SLACK_APP_TOKEN", "required"),
                              ("SLACK_API_URL", "https://slack.com/api/"), ("WARROOM_DB", "./warroom.db"),
                              ("WARROOM_CONFIG", "built-in defaults")):
        line = next(line for line in text.splitlines() if line.strip().startswith(variable))
        assert default in line, line
    assert re.search(r"--log-level \{DEBUG,INFO,WARNING,ERROR\}\s+how much to log \(default: INFO\)", text), text


def test_doctor_names_both_missing_tokens_and_creates_no_database(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bot.cli", "doctor"], cwd=tmp_path, capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))},
                          timeout=60)
    assert done.returncode == 1
    assert "SLACK_BOT_TOKEN is not set" in done.stdout and "SLACK_APP_TOKEN is not set" in done.stdout
    assert "does not exist yet" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_run_that_cannot_reach_slack_leaves_no_lock_behind(tmp_path):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket closes
    db = tmp_path / "w.db"
    done = warroom("run", env={"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP, "WARROOM_DB": str(db),
                               "SLACK_API_URL": f"http://127.0.0.1:{port}/api/"})
    assert done.returncode == 2 and "cannot reach Slack" in done.stderr
    assert db.exists() and not (tmp_path / "w.db.lock").exists()


def test_bad_config_fails_at_start_naming_file_and_key(tmp_path):
    config = tmp_path / "warroom.yml"
    config.write_text("severities:\n  - name: SEV1\n    pulse: soon\n")
    done = warroom("run", env={"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP, "WARROOM_CONFIG": str(config)})
    assert done.returncode == 2
    assert f"{config}: severities[0].pulse: 'soon' is not a duration" in done.stderr
    assert "Traceback" not in done.stderr


def test_unusable_database_is_one_line_and_exit_2(sandbox, tmp_path):
    env = {"SLACK_BOT_TOKEN": sandbox.bot_token, "SLACK_APP_TOKEN": sandbox.app_token,
           "SLACK_API_URL": sandbox.api_url, "WARROOM_DB": str(tmp_path / "missing" / "w.db")}
    done = warroom("run", env=env)
    assert done.returncode == 2 and "folder" in done.stderr and "does not exist" in done.stderr
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"garbage" * 1000)
    done = warroom("run", env=dict(env, WARROOM_DB=str(corrupt)))
    assert done.returncode == 2 and "corrupt" in done.stderr and "Traceback" not in done.stderr


def test_a_refused_token_is_a_clear_startup_error(sandbox, tmp_path):
    env = {"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP, "SLACK_API_URL": sandbox.api_url,
           "WARROOM_DB": str(tmp_path / "w.db")}
    done = warroom("run", env=env)
    assert done.returncode == 2 and "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in done.stderr


def test_doctor_checks_everything_against_the_sandbox(sandbox, tmp_path):
    env = {"SLACK_BOT_TOKEN": sandbox.bot_token, "SLACK_APP_TOKEN": sandbox.app_token,
           "SLACK_API_URL": sandbox.api_url, "WARROOM_DB": str(tmp_path / "w.db")}
    done = warroom("doctor", env=env)
    assert done.returncode == 0, done.stdout
    assert "ok    auth.test" in done.stdout and "ok    channels.announcements: #incidents" in done.stdout
    assert "ok    every scope the manifest asks for is granted" in done.stdout
    sandbox.bot_scopes = sandbox.bot_scopes - {"pins:write", "im:write"}
    done = warroom("doctor", env=env)
    assert done.returncode == 1 and "FAIL  scopes" in done.stdout and "im:write, pins:write" in done.stdout
    config = tmp_path / "warroom.yml"
    config.write_text("channels: {announcements: war-room}\n")
    done = warroom("doctor", env=dict(env, WARROOM_CONFIG=str(config)))
    assert done.returncode == 1
    assert "FAIL  channels.announcements: #war-room" in done.stdout and "create the channel" in done.stdout


def test_doctor_checks_the_tracker_and_the_ai_endpoint_with_their_credentials(sandbox, tmp_path):
    """A wrong tracker token or AI key, or a model the endpoint does not offer, shows at doctor time, each
    naming what to fix; right ones are said ok."""
    from tests.fakes.github import FakeGitHub
    from tests.fakes.openai import FakeChatCompletions

    github, ai = FakeGitHub("ghp_right", "acme/ops").start(), FakeChatCompletions(key="sk-right").start()
    try:
        config = tmp_path / "warroom.yml"
        config.write_text(f"tracker: {{kind: github, repo: acme/ops, url: '{github.url}'}}\n"
                          f"ai: {{base_url: '{ai.url}/v1', model: warroom-test, api_key_env: AI_KEY}}\n")
        env = {"SLACK_BOT_TOKEN": sandbox.bot_token, "SLACK_APP_TOKEN": sandbox.app_token,
               "SLACK_API_URL": sandbox.api_url, "WARROOM_DB": str(tmp_path / "w.db"),
               "WARROOM_CONFIG": str(config), "GITHUB_TOKEN": "ghp_right", "AI_KEY": "sk-right"}
        done = warroom("doctor", env=env)
        assert done.returncode == 0, done.stdout
        assert "ok    tracker: GitHub acme/ops takes GITHUB_TOKEN" in done.stdout
        assert f"ok    AI endpoint {ai.url}/v1 offers warroom-test" in done.stdout
        done = warroom("doctor", env=dict(env, GITHUB_TOKEN="ghp_wrong", AI_KEY="sk-wrong"))
        assert done.returncode == 1
        assert "FAIL  tracker: GitHub acme/ops" in done.stdout and "HTTP 401 Bad credentials" in done.stdout
        assert "Check GITHUB_TOKEN" in done.stdout and "it refused the key (HTTP 401): check AI_KEY" in done.stdout
        assert "ghp_wrong" not in done.stdout and "sk-wrong" not in done.stdout
        config.write_text(config.read_text().replace("model: warroom-test", "model: gpt-9"))
        done = warroom("doctor", env=env)
        assert done.returncode == 1 and "it does not offer the model 'gpt-9'; it offers: warroom-test" in done.stdout
    finally:
        github.stop()
        ai.stop()


def test_doctor_offline_reports_a_bad_config(tmp_path):
    config = tmp_path / "warroom.yml"
    config.write_text("channels: {alerts: 'Not A Name'}\n")
    done = warroom("doctor", "--offline", env={"WARROOM_CONFIG": str(config), "WARROOM_DB": str(tmp_path / "w.db")})
    assert done.returncode == 1
    assert "channels.alerts" in done.stdout and "SLACK_BOT_TOKEN is not set" in done.stdout


def test_logs_never_contain_a_token(sandbox, tmp_path):
    process = BotProcess(sandbox, tmp_path)
    try:
        process.start(log_level="DEBUG")
        sandbox.as_user("alice").command("/incident", "declare Token leak check sev2", channel="general").ack
        sandbox.wait_for(lambda: [c for c in sandbox.channels() if c["name"].startswith("incident-")], timeout=10)
        sandbox.faults.server_error("chat.postMessage", times=2)
        sandbox.as_user("alice").command("/incident", "list", channel="general").ack
    finally:
        process.stop()
    log = process.log()
    assert "warroom.started" in log and len(log.splitlines()) > 10
    assert sandbox.bot_token not in log and sandbox.app_token not in log
    assert sandbox.bot_token.split("-")[-1] not in log
