"""Injected faults and strict rate tiers, as slack_sdk's clients see them."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    FixedValueRetryIntervalCalculator,
)

from sandbox import Sandbox


def test_rate_limit_429_with_retry_after(sb: Sandbox, client: WebClient, ids: dict) -> None:
    sb.faults.rate_limit("chat.postMessage", times=1, retry_after=7)
    client.auth_test()                            # other methods are unaffected
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel=ids["general"], text="x")
    resp = err.value.response
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
    assert resp.data == {"ok": False, "error": "ratelimited"}
    client.chat_postMessage(channel=ids["general"], text="x")   # only `times` calls fail
    assert sb.rate_limited_calls == 1
    assert [c.http_status for c in sb.calls if c.method == "chat.postMessage"] == [429, 200]


def test_rate_limit_retry_handler_recovers(sb: Sandbox, ids: dict) -> None:
    client = WebClient(token=sb.bot_token, base_url=sb.api_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    sb.faults.rate_limit(times=1, retry_after=1)
    started = time.monotonic()
    assert client.conversations_info(channel=ids["general"])["ok"]
    assert time.monotonic() - started >= 1.0
    assert [c.http_status for c in sb.calls] == [429, 200]


def test_server_errors(sb: Sandbox, client: WebClient) -> None:
    sb.faults.server_error("auth.test", status=503)
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response.status_code == 503
    assert err.value.response["error"] == "service_unavailable"
    retrying = WebClient(token=sb.bot_token, base_url=sb.api_url,
                         retry_handlers=[ServerErrorRetryHandler(
                             max_retry_count=2,
                             interval_calculator=FixedValueRetryIntervalCalculator(0.01))])
    sb.faults.server_error(times=2, status=500)
    assert retrying.auth_test()["ok"]
    assert [c.http_status for c in sb.calls] == [503, 500, 500, 200]


def test_latency(sb: Sandbox, client: WebClient) -> None:
    sb.faults.latency(0.2, "auth.test")
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2 and sb.calls[-1].duration >= 0.2
    started = time.monotonic()
    client.api_call("users.list")
    assert time.monotonic() - started < 0.2
    sb.faults.clear()
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.2


def test_rate_limit_rate(sb: Sandbox, client: WebClient) -> None:
    sb.faults.rate_limit_rate("auth.test", per_minute=3, retry_after=2)
    for _ in range(3):
        client.auth_test()
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "2"


def test_strict_rate_limits(sb: Sandbox, client: WebClient, ids: dict) -> None:
    assert not sb.strict_rate_limits
    for _ in range(10):                 # off by default: nothing throttled
        client.chat_postMessage(channel=ids["general"], text="x")
    sb.strict_rate_limits = True
    statuses = []
    for _ in range(8):
        try:
            client.chat_postMessage(channel=ids["general"], text="burst")
            statuses.append(200)
        except SlackApiError as err:
            statuses.append(err.response.status_code)
            assert int(err.response.headers["Retry-After"]) >= 1
    assert statuses[:4] == [200] * 4 and 429 in statuses
    client.chat_postMessage(channel=ids["alerts"], text="other channel")   # per-channel limit
    for n in range(20):
        client.conversations_create(name=f"tier2-{n}")
    with pytest.raises(SlackApiError) as err:
        client.conversations_create(name="tier2-over")
    assert err.value.response.status_code == 429
    assert sb.rate_limited_calls >= 2


def test_ack_timeout_is_recorded(sb: Sandbox) -> None:
    from .helpers import RawApp
    app = RawApp(sb, responder=lambda f: None).connect()
    result = sb.as_user("alice").command("/incident", "x")
    assert result.failed
    env = sb.envelopes[-1]
    assert env.failed and env.failure == "ack_timeout" and env.acked_at is None
    app.close()
