"""Bodies the intake will not read: compressed ones (a megabyte of gzip can be a gigabyte of JSON,
unpacked on the loop that answers Slack) and ones that break or stop half way. Each is a clear 4xx,
answered without reading, draining or decoding the rest, and never a traceback in the log."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import struct
import time
import zlib

import pytest

from tests.integration.support import HOOK_KEY, running_intake
from tests.loop_watch import record_stalls

REFUSED = ("warroom does not take bodies with Content-Encoding '{}'; send the JSON uncompressed (no "
           "Content-Encoding header)")


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip stream of ``megabytes`` MiB of zero bytes in about a thousandth of that. Made from one
    compressed MiB repeated (each ends with a full flush, so every repeat is the same bytes), so the
    test does not spend seconds compressing."""
    zeros = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeat = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + repeat * (megabytes - 1)
            + deflate.flush(zlib.Z_FINISH) + struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF))


def test_the_bomb_is_what_it_says():
    bomb = gzip_bomb(8)
    assert len(bomb) < 10_000 and gzip.decompress(bomb) == bytes(8 << 20)


def no_tracebacks(caplog) -> list[str]:
    return [f"{r.name} {r.getMessage()}" for r in caplog.records if r.exc_info or r.getMessage() == "http.failed"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "x-gzip"])
async def test_a_compressed_body_is_415_and_nothing_is_stored(tmp_path, encoding):
    async with running_intake(str(tmp_path / "w.db")) as intake:
        body = gzip.compress(json.dumps({"summary": "disk full on db-1"}).encode())
        status, answer = await intake.post("cron", data=body, key=HOOK_KEY, headers={"Content-Encoding": encoding})
        assert (status, answer) == (415, {"ok": False, "error": REFUSED.format(encoding)})
        assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]
        # said plainly, the same alert is taken
        status, _ = await intake.post("cron", {"summary": "disk full on db-1"}, key=HOOK_KEY,
                                      headers={"Content-Encoding": "identity"})
        assert status == 202 and intake.rows("SELECT count(*) FROM alerts") == [(1,)]


async def test_gzip_bombs_without_a_key_do_not_hold_the_loop(tmp_path):
    """Four senders each post a megabyte of gzip that unpacks to a gigabyte, with no key. Unpacked
    on the loop, each held it over a second; refused unread, the loop stays free and /healthz is
    answered at once."""
    bomb = gzip_bomb(1024)
    async with running_intake(str(tmp_path / "w.db")) as intake:
        stalls: list[float] = []
        beating = asyncio.create_task(record_stalls(stalls))

        async def bombard() -> list[int]:
            statuses = []
            for _ in range(3):
                async with intake.http.post(f"{intake.base}/alerts/cron", data=bomb,
                                            headers={"Content-Encoding": "gzip"}) as response:
                    statuses.append(response.status)
            return statuses

        senders = [asyncio.create_task(bombard()) for _ in range(4)]
        await asyncio.sleep(0.05)
        began = time.monotonic()
        async with intake.http.get(f"{intake.base}/healthz") as response:
            health = (response.status, time.monotonic() - began)
        statuses = await asyncio.gather(*senders)
        beating.cancel()
        assert statuses == [[415] * 3] * 4
        assert health[0] == 200 and health[1] < 0.5, health
        assert max(stalls) < 0.3, f"the loop stalled {max(stalls):.3f} s"


async def test_a_broken_gzip_body_is_a_clear_refusal_without_a_traceback(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with running_intake(str(tmp_path / "w.db")) as intake:
        status, answer = await intake.post("cron", data=b"\x1f\x8b not gzip at all" * 10, key=HOOK_KEY,
                                           headers={"Content-Encoding": "gzip"})
        assert (status, answer) == (415, {"ok": False, "error": REFUSED.format("gzip")})
    assert no_tracebacks(caplog) == []


async def test_a_body_cut_short_is_one_line_without_a_traceback(tmp_path, caplog):
    """The sender promises 1,000 bytes, sends a few and stops sending: nobody is left to answer, and
    the log says so in one line."""
    caplog.set_level(logging.INFO)
    async with running_intake(str(tmp_path / "w.db")) as intake:
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", intake.server.port)
            writer.write(f"POST /alerts/cron HTTP/1.1\r\nHost: warroom\r\nAuthorization: Bearer {HOOK_KEY}\r\n"
                         "Content-Length: 1000\r\n\r\n[{\"summary\": ".encode())
            await writer.drain()
            writer.write_eof()
            await asyncio.wait_for(reader.read(), 10)   # the server closes its side
            writer.close()
        deadline = time.monotonic() + 10
        while not any(getattr(r, "fields", {}).get("status") == 400 for r in caplog.records):
            assert time.monotonic() < deadline, "the cut body was never answered"
            await asyncio.sleep(0.05)
        assert intake.rows("SELECT count(*) FROM alerts") == [(0,)]
    assert no_tracebacks(caplog) == []
    answered = [r.fields for r in caplog.records if r.getMessage() == "http.alerts"]
    assert answered and all(f["status"] == 400 for f in answered), answered
