"""axe-core over every page a person can reach, with something on it (an incident with a timeline, an
alert, schedules, a public incident on the status page): no serious or critical accessibility violation."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.helpers import declare
from tests.web.axe import violations


@pytest.fixture
def config_text(sandbox):
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob")}
    return f"""
users:
  - {{slack_id: {ids['alice']}, name: alice}}
  - {{slack_id: {ids['bob']}, name: bob}}
schedules:
  - name: primary
    timezone: Europe/London
    rotation: {{users: [alice, bob], length: 1d, handoff: "2026-01-05T09:00"}}
escalation_policies:
  - {{name: default, levels: [{{notify: [schedule:primary], timeout: 5m}}]}}
alert_sources:
  - {{name: uptime, type: webhook, escalation_policy: default, key_env: WARROOM_TEST_A11Y_KEY}}
status_page:
  title: Example status
  components: [API, Website]
"""


@pytest.fixture(autouse=True)
def _uptime_key(monkeypatch):
    monkeypatch.setenv("WARROOM_TEST_A11Y_KEY", "a11y-key-0123456789abcdef")


def fire_alert(web) -> None:
    request = urllib.request.Request(web.base + "/alerts/uptime", method="POST",
                                     data=json.dumps({"summary": "Disk full on db-1", "dedup_key": "d1"}).encode(),
                                     headers={"Authorization": "Bearer a11y-key-0123456789abcdef",
                                              "Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=20) as answer:
        assert answer.status == 202


def test_every_page_has_no_serious_or_critical_violation(bot, sandbox, web, page):
    channel = declare(sandbox, bot, "Checkout errors sev2")
    for text in ("status identified --public Payments fail for some cards", "note looking at the gateway"):
        assert sandbox.as_user("alice").command("/incident", text, channel=channel["id"]).ack is not None
    assert sandbox.as_user("alice").command("/incident", "public API", channel=channel["id"]).ack is not None
    sandbox.as_user("alice").post(channel["id"], "the gateway says 502")
    fire_alert(web)
    assert "is silenced until" in sandbox.as_user("alice").command("/il-alert", "silence uptime 1h", channel="general").ack["text"]
    bot.settle()

    anyone = ["/signin", "/no-such-page", "/status"]
    signed_in = ["/incidents", "/incidents?state=all&q=Checkout", "/incidents/1", "/incidents/1?messages=1",
                 "/incidents/1/postmortem", "/oncall", "/oncall/primary", "/alerts", "/alerts?show=all", "/insights"]
    found = {}
    for path in anyone:
        page.goto(web.base + path)
        found[path] = violations(page)
    page.goto(web.login_link(sandbox.user("alice")["id"]))
    for path in signed_in:
        response = page.goto(web.base + path)
        assert response.status == 200, (path, response.status)
        found[path] = violations(page)
    assert {path: v for path, v in found.items() if v} == {}


def test_the_check_finds_what_it_should(page):
    """The check itself: a page with an unlabelled field and grey-on-grey text fails it."""
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><h1>x</h1>'
                     '<form><input type="text"></form><p style="color:#aaa;background:#bbb">faint</p></main></body></html>')
    found = violations(page)
    assert any(v.startswith("label ") for v in found) and any(v.startswith("color-contrast ") for v in found), found
