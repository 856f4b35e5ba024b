"""A slow-connection flood on the webhook port must not take Slack down with it: ``warroom run`` as a
real process with a small open-files limit, the attack from this process, a person declaring an
incident in the middle of it."""

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.bots import BotProcess
from tests.e2e.helpers import pinned
from tests.e2e.slowloris import Slowloris

OPEN_FILES = 256          # systemd gives 1,024; smaller here so the test needs fewer connections
ATTACKERS = 400           # more connections than the process can have files


@pytest.fixture
def process(sandbox, tmp_path):
    started: list[BotProcess] = []

    def start(open_files: tuple[int, int]) -> BotProcess:
        bot = BotProcess(sandbox, tmp_path, open_files=open_files).start()
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()


def incident_channel(sandbox, slug: str):
    return next((c for c in sandbox.channels() if c["name"].startswith("incident-") and slug in c["name"]), None)


def test_slash_commands_keep_working_while_slow_connections_flood_the_webhook_port(sandbox, process):
    bot = process((OPEN_FILES, OPEN_FILES))  # the hard limit too: warroom cannot raise its way out
    attack = Slowloris("127.0.0.1", bot.webhook_port(), ATTACKERS, every=1.0).start()
    try:
        sandbox.wait_for(lambda: attack.opened >= ATTACKERS, timeout=20, message="the attack never got going")
        time.sleep(2)  # every connection the bot could take is held now
        began = time.monotonic()
        result = sandbox.as_user("alice").command("/incident", "declare Checkout down during the flood sev2",
                                                  channel="general")
        assert result.ack and "Declaring incident #1" in result.ack["text"], "the command was not acked in time"
        # and what it asked of Slack is done while the attack goes on: Web API calls need files too
        sandbox.wait_for(lambda: incident_channel(sandbox, "checkout-down-during-the-flood"), timeout=20,
                         message="the incident channel was not created during the attack")
        channel = incident_channel(sandbox, "checkout-down-during-the-flood")
        sandbox.wait_for(lambda: len(pinned(sandbox, channel["id"])) == 1, timeout=20,
                         message="the status was not pinned during the attack")
        during = time.monotonic() - began
        assert attack.open > 0 and attack.closed_by_server > 0, "the attack stopped or was never refused"
    finally:
        attack.stop()
    log = bot.log()
    limit = int(re.search(r"event=http\.listening .*?max_connections=(\d+)", log).group(1))
    assert limit == OPEN_FILES // 2
    # refused connections are logged at a bounded rate, not once each
    assert 1 <= log.count("event=http.connection_refused") <= 2 + during / 10 * 2, log[-2000:]
    assert len(log.encode()) < 100_000, f"the log grew {len(log.encode())} bytes"


def test_the_soft_open_files_limit_is_raised_at_start(sandbox, process):
    bot = process((OPEN_FILES, 4096))
    assert re.search(r"event=process\.open_files soft=4096 hard=4096", bot.log()), bot.log()
    limits = Path(f"/proc/{bot.process.pid}/limits").read_text()
    assert re.search(r"Max open files\s+4096\s+4096", limits), limits
    assert re.search(r"event=http\.listening .*?max_connections=512", bot.log())


def oversized_head(port: int) -> bytes:
    """A request with one header over aiohttp's 8,190 bytes, no key needed: aiohttp refuses it itself."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: warroom\r\nX-Filler: " + b"a" * 9000 + b"\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        return answer


def test_aiohttps_own_errors_are_one_line_per_kind_without_a_traceback(sandbox, process):
    """Each such request once wrote a 780-byte traceback from aiohttp.server: four clients grew the log
    13 MB in 10 s. Now the first of a kind is one line, the rest of its ten seconds one count."""
    bot = process((OPEN_FILES, OPEN_FILES))
    port = bot.webhook_port()
    before = len(bot.log().encode())
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: oversized_head(port), range(200)))
    assert all(a.startswith(b"HTTP/1.0 400 Bad Request") for a in answers), answers[0][:200]
    lines = bot.log().splitlines()
    errors = [line for line in lines if "logger=aiohttp.server" in line or "event=library.error" in line]
    assert len(errors) == 1, errors[:3]
    assert "LineTooLong" in errors[0] and "Traceback" not in errors[0] and len(errors[0]) < 600, errors[0]
    assert len(bot.log().encode()) - before < 2_000, bot.log()[-3000:]
    # and the bot still answers
    assert oversized_head(port) and sandbox.as_user("alice").command("/incident", "list", channel="general").ack
