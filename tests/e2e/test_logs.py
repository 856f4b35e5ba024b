"""What ``warroom run`` writes to its log: no live secret even at DEBUG, and nothing a stranger sends
can start a line of its own. A real process against the sandbox, its log read as the operator would."""

from __future__ import annotations

import socket
from typing import Any, Iterator

import pytest

from harness.bots import BotProcess


@pytest.fixture
def process(sandbox, tmp_path):
    started: list[BotProcess] = []

    def start(log_level: str = "INFO") -> BotProcess:
        bot = BotProcess(sandbox, tmp_path).start(log_level=log_level)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()


def secrets_in(value: Any, key: str = "") -> Iterator[str]:
    """Every response_url and verification token in a payload Slack sent."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from secrets_in(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from secrets_in(item, key)
    elif key in ("response_url", "token") and isinstance(value, str):
        yield value


def test_a_debug_log_holds_no_response_url_and_no_verification_token(sandbox, process):
    bot = process("DEBUG")
    alice = sandbox.as_user("alice")
    assert alice.command("/incident", "declare Checkout down sev2", channel="general").ack
    channel = sandbox.wait_for(lambda: next((c for c in sandbox.channels() if c["name"].startswith("incident-")), None),
                               timeout=20, message="no incident channel")
    sandbox.wait_for(lambda: sandbox.channel(channel["id"])["pins"], timeout=20, message="never pinned")
    assert not alice.command("/incident", "status Rolled back the deploy", channel=channel["name"]).failed
    sandbox.wait_for(lambda: "Received message" in bot.log(), timeout=10)
    secrets = {s for e in sandbox.envelopes for s in secrets_in(e.payload)}
    assert any("/respond/" in s for s in secrets) and len(secrets) >= 2, secrets
    log = bot.log()
    assert "Received message" in log and "response_url" in log, "the DEBUG run did not log payloads"
    leaked = sorted({s for s in secrets if s in log or s.replace("/", "\\/") in log})
    assert leaked == [], leaked
    assert "/respond/" not in log, [line[:300] for line in log.splitlines() if "/respond/" in line][:2]


def test_a_stranger_cannot_write_a_line_of_his_own(sandbox, process):
    """A webhook path with CR, LF and other control characters, no key: it is logged (the refusal),
    escaped, on the refusal's own line."""
    bot = process()
    with socket.create_connection(("127.0.0.1", bot.webhook_port()), timeout=10) as conn:
        conn.sendall(b"POST /alerts/x%0d%0alevel=error%20event=FAKE%0b%1b%5b2J%c2%85 HTTP/1.1\r\nHost: w\r\n"
                     b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        answer = conn.recv(65536)
    assert answer.startswith(b"HTTP/1.1 401"), answer
    sandbox.wait_for(lambda: "status=401" in bot.log(), timeout=10, message="the refusal was never logged")
    raw = bot.log_path.read_bytes()
    assert b"\r" not in raw and b"\x0b" not in raw and b"\x1b" not in raw and "\x85".encode() not in raw
    lines = raw.decode().split("\n")
    assert all(line.startswith("ts=") for line in lines if line), [line for line in lines if not line.startswith("ts=")]
    refusal = next(line for line in lines if "status=401" in line)
    assert 'source="x\\r\\nlevel=error event=FAKE\\u000b\\u001b[2J\\u0085"' in refusal, refusal
