"""The JSON API end to end: the real bot and the sandbox, on both engines."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import newest_incident_channel, pinned_text
from tests.web.api_support import Api, api_config


@pytest.fixture
def config_text(sandbox, monkeypatch):
    return api_config(sandbox, monkeypatch)


def test_declare_through_the_api_makes_the_channel_with_its_pinned_status(bot, sandbox):
    api = Api(bot, "alice")
    answer = api.post("/incidents", {"title": "Checkout errors", "severity": "sev2"})
    assert answer.status == 201, answer
    incident = answer.body["incident"]
    assert incident["title"] == "Checkout errors" and incident["severity"] == "SEV2"
    bot.settle()
    channel = newest_incident_channel(sandbox)
    status = pinned_text(sandbox, channel["id"])
    assert "Incident #1: Checkout errors" in status and "SEV2" in status and "Investigating" in status
