"""Connections to the webhook port are bounded: how many, how long a request head and body may take,
how long an idle keep-alive connection is kept. Raw sockets, because a well-behaved client never
does what these tests need."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from bot.http.limits import ConnectionLimits
from tests.integration.support import PROM_KEY, firing, running_intake

HALF_A_HEAD = b"POST /alerts/prometheus HTTP/1.1\r\nHost: warroom\r\nContent-Type: application/json\r\n"


async def read_until_closed(reader: asyncio.StreamReader, timeout: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    began = time.monotonic()
    data = await asyncio.wait_for(reader.read(), timeout)
    return data, time.monotonic() - began


async def trickle(writer: asyncio.StreamWriter, every: float) -> None:
    """A byte now and then: enough to keep a connection open when there is no deadline."""
    try:
        while True:
            await asyncio.sleep(every)
            writer.write(b"X")
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


async def test_a_request_head_that_trickles_is_cut_off_at_the_deadline(tmp_path):
    async with running_intake(str(tmp_path / "w.db"), connections=ConnectionLimits(head_timeout=1.0)) as intake:
        reader, writer = await asyncio.open_connection("127.0.0.1", intake.server.port)
        writer.write(HALF_A_HEAD)
        dripping = asyncio.create_task(trickle(writer, 0.2))
        try:
            answer, took = await read_until_closed(reader, timeout=15)
        finally:
            dripping.cancel()
            writer.close()
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {
            "ok": False, "error": "the request headers took too long to arrive"}
        assert 0.9 <= took < 10, took
        # and a request whose head arrives in time is served as ever
        status, _ = await intake.post("prometheus", firing())
        assert status == 202


async def test_a_body_that_trickles_is_cut_off_at_the_deadline(tmp_path):
    async with running_intake(str(tmp_path / "w.db"), connections=ConnectionLimits(body_timeout=1.0)) as intake:
        reader, writer = await asyncio.open_connection("127.0.0.1", intake.server.port)
        writer.write(HALF_A_HEAD + f"Authorization: Bearer {PROM_KEY}\r\nContent-Length: 1000\r\n\r\n{{".encode())
        dripping = asyncio.create_task(trickle(writer, 0.2))
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 15)
        finally:
            dripping.cancel()
            writer.close()
        assert head.startswith(b"HTTP/1.1 408 ")
        assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]


async def test_an_idle_keep_alive_connection_is_closed(tmp_path):
    async with running_intake(str(tmp_path / "w.db"), connections=ConnectionLimits(keepalive_timeout=1.0)) as intake:
        reader, writer = await asyncio.open_connection("127.0.0.1", intake.server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: warroom\r\n\r\n")  # HTTP/1.1: keep-alive unless told
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 200 OK")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        await reader.readexactly(length)
        rest, took = await read_until_closed(reader, timeout=15)  # and then nothing: the server closes it
        writer.close()
        assert rest == b"" and took < 10, took


async def test_connections_over_the_cap_are_refused_at_once(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="warroom.http")
    async with running_intake(str(tmp_path / "w.db"), connections=ConnectionLimits(max_connections=8)) as intake:
        idle = [await asyncio.open_connection("127.0.0.1", intake.server.port) for _ in range(8)]
        await asyncio.sleep(0.2)  # all eight accepted
        refused = []
        for _ in range(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", intake.server.port)
            refused.append(await read_until_closed(reader, timeout=5))
            writer.close()
        for answer, took in refused:
            assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and b"Retry-After: 1\r\n" in answer
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"] == "too many connections; send it again"
            assert took < 2, took
        # one line for the five (the rest are counted when the window ends or the server stops)
        lines = [r for r in caplog.records if r.getMessage() == "http.connection_refused"]
        assert [(r.fields["open"], r.fields["limit"]) for r in lines] == [(8, 8)]
        # a freed place serves the next request
        idle[0][1].close()
        await idle[0][1].wait_closed()
        deadline = time.monotonic() + 10
        while True:
            async with intake.http.get(f"{intake.base}/healthz") as response:
                status = response.status
            if status == 200 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert status == 200
        for _, writer in idle[1:]:
            writer.close()
    summary = [r.fields.get("suppressed") for r in caplog.records if r.getMessage() == "http.connection_refused"]
    assert summary == [None, "4 more like this suppressed"]
