"""The sandbox's dnd.info follows Slack's documented method: arguments, answer, errors, scope."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from harness import drop_proxies, start_sandbox


@pytest.fixture
def sb():
    import os

    drop_proxies(os.environ)
    sandbox = start_sandbox()
    yield sandbox
    sandbox.stop()


def test_dnd_info_reports_a_window_hides_the_snooze_from_a_bot_and_refuses_strangers(sb):
    client = WebClient(token=sb.bot_token, base_url=sb.api_url)
    alice = sb.user("alice")["id"]
    quiet = client.dnd_info(user=alice).data
    assert quiet["ok"] and quiet["dnd_enabled"] is False
    start, end = int(time.time()) - 60, int(time.time()) + 3600
    sb.set_dnd("alice", start, end)
    sb.snooze("alice", 30)
    info = client.dnd_info(user=alice).data
    assert (info["dnd_enabled"], info["next_dnd_start_ts"], info["next_dnd_end_ts"]) == (True, start, end)
    assert not any(key.startswith("snooze") for key in info), "snooze_* is shown only to the person themselves"
    with pytest.raises(SlackApiError) as refused:
        client.dnd_info(user="U0NOBODY01")
    assert refused.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxb-not-a-token", base_url=sb.api_url).dnd_info(user=alice)
    assert refused.value.response["error"] == "invalid_auth"
