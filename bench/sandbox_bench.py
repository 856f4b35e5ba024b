"""Sandbox throughput and latency, on loopback only; finishes well under a minute.

    python bench/sandbox_bench.py

1. Web API calls per second (chat.postMessage, conversations.info) through
   keep-alive AsyncWebClients sharing one aiohttp session, 1 and 4 at a time.
2. Socket Mode envelope round trip (envelope sent -> ack received, as the
   sandbox records it) p50/p99 with a minimal Bolt AsyncApp on the aiohttp client.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import statistics
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from harness import drop_proxies  # noqa: E402

drop_proxies()

import json  # noqa: E402

import aiohttp  # noqa: E402
import websocket  # noqa: E402
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler  # noqa: E402
from slack_bolt.async_app import AsyncApp  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from sandbox import Sandbox  # noqa: E402

API_SECONDS = 3.0          # per measurement
ENVELOPES = 300


async def _calls_per_second(sb: Sandbox, method: str, kwargs: dict, workers: int) -> float:
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token=sb.bot_token, base_url=sb.api_url, session=session)
        done = 0
        deadline = time.monotonic() + API_SECONDS

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                await client.api_call(method, json=kwargs)
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return done / (time.monotonic() - started)


def bench_web_api(sb: Sandbox) -> list[tuple[str, str]]:
    general = sb.channel("general")["id"]
    rows = []
    for method, kwargs in (("chat.postMessage", {"channel": general, "text": "bench"}),
                           ("conversations.info", {"channel": general})):
        for workers in (1, 4):
            rate = asyncio.run(_calls_per_second(sb, method, kwargs, workers))
            rows.append((f"{method} x{workers} clients", f"{rate:,.0f} calls/s"))
    return rows


def bench_round_trip(sb: Sandbox) -> list[tuple[str, str]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> AsyncSocketModeHandler:
        app = AsyncApp(client=AsyncWebClient(token=sb.bot_token, base_url=sb.api_url))

        @app.command("/bench")
        async def bench(ack):  # type: ignore[no-untyped-def]
            await ack()

        handler = AsyncSocketModeHandler(app, sb.app_token)
        await handler.connect_async()
        return handler

    handler = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    sb.wait_for(lambda: sb.connections >= 1)
    alice = sb.as_user("alice")
    alice.command("/bench").ack            # warm-up: Bolt calls auth.test lazily
    latencies, started = [], time.monotonic()
    for _ in range(ENVELOPES):
        result = alice.command("/bench", "x")
        result.ack
        assert result.envelope is not None and result.envelope.ack_latency is not None
        latencies.append(result.envelope.ack_latency * 1000)
    elapsed = time.monotonic() - started
    asyncio.run_coroutine_threadsafe(handler.close_async(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    return [(f"slash command envelope -> Bolt ack (n={ENVELOPES})", _percentiles(latencies)),
            ("sequential commands", f"{ENVELOPES / elapsed:,.0f} /s")]


def _percentiles(latencies: list[float]) -> str:
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return f"p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms"


def bench_raw_round_trip(sb: Sandbox) -> list[tuple[str, str]]:
    """The sandbox's own share: a bare websocket-client that acks at once."""
    url = WebClient(token=sb.app_token, base_url=sb.api_url).apps_connections_open(
        app_token=sb.app_token)["url"]
    ws = websocket.create_connection(url, timeout=5)
    ws.recv()                                   # hello
    stop = threading.Event()

    def acker() -> None:
        while not stop.is_set():
            try:
                frame = json.loads(ws.recv())
            except Exception:
                return
            if "envelope_id" in frame:
                ws.send(json.dumps({"envelope_id": frame["envelope_id"]}))

    thread = threading.Thread(target=acker, daemon=True)
    thread.start()
    alice = sb.as_user("alice")
    latencies = []
    for _ in range(ENVELOPES):
        result = alice.command("/bench", "x")
        result.ack
        assert result.envelope is not None and result.envelope.ack_latency is not None
        latencies.append(result.envelope.ack_latency * 1000)
    stop.set()
    ws.close()
    sb.wait_for(lambda: sb.connections == 0)
    return [(f"same, bare websocket client (n={ENVELOPES})", _percentiles(latencies))]


def main() -> None:
    started = time.monotonic()
    with Sandbox() as sb:
        sb.seed_demo()
        sb.bot_scopes.add("chat:write.public")
        rows = bench_web_api(sb) + bench_round_trip(sb) + bench_raw_round_trip(sb)
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  result")
    print(f"{'-' * width}  {'-' * 28}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"\n(total {time.monotonic() - started:.1f} s, loopback, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
