"""The bot with every way of paging configured, each provider a local fake (tests/fakes)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from tests.fakes.ntfy import FakeNtfy
from tests.fakes.pushover import FakePushover
from tests.fakes.smtp import FakeSmtp
from tests.fakes.twilio import FakeTwilio
from tests.fakes.webhook import FakeWebhookReceiver

PUSHOVER_APP = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
PUSHOVER_ALICE = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "twilio-auth-token-for-tests-only"
WARROOM_NUMBER = "+15005550006"
ALICE_PHONE = "+14155550101"
HOOK_SECRET = "whsec_" + base64.b64encode(b"a" * 32).decode()
NTFY_TOKEN = "tk_testtokenfortests0000000000"


@dataclass
class Fakes:
    ntfy: FakeNtfy
    pushover: FakePushover
    twilio: FakeTwilio
    smtp: FakeSmtp
    hook: FakeWebhookReceiver


@pytest.fixture
def fakes(monkeypatch):
    started = Fakes(FakeNtfy(NTFY_TOKEN).start(), FakePushover(PUSHOVER_APP, {PUSHOVER_ALICE}).start(),
                    FakeTwilio(TWILIO_SID, TWILIO_TOKEN, {WARROOM_NUMBER}).start(), FakeSmtp().start(),
                    FakeWebhookReceiver(HOOK_SECRET).start())
    for name, value in {"NTFY_TOKEN": NTFY_TOKEN, "PUSHOVER_APP_TOKEN": PUSHOVER_APP, "TWILIO_ACCOUNT_SID": TWILIO_SID,
                        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "ALICE_HOOK_SECRET": HOOK_SECRET}.items():
        monkeypatch.setenv(name, value)
    yield started
    for fake in (started.ntfy, started.pushover, started.twilio, started.smtp, started.hook):
        fake.stop()


def notify_yaml(sandbox, fakes: Fakes, *, alice_rules: str | None = None) -> str:
    """alice has every way; bob only Slack. One policy: alice, then bob after 30 minutes."""
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol")}
    rules = alice_rules or "[slack 0, ntfy 1m, pushover 2m, email 3m, webhook 4m, sms 5m, voice 6m]"
    return f"""
users:
  - slack_id: {ids['alice']}
    name: alice
    contact:
      email: alice@example.com
      ntfy: alice-pages
      pushover: {PUSHOVER_ALICE}
      phone: "{ALICE_PHONE}"
      webhook: {{url: "{fakes.hook.url}/hook", secret_env: ALICE_HOOK_SECRET}}
    notify: {rules}
  - {{slack_id: {ids['bob']}, name: bob}}
  - {{slack_id: {ids['carol']}, name: carol}}
notify:
  email: {{smtp: "127.0.0.1:{fakes.smtp.port}", security: none, from: "warroom <pages@example.com>"}}
  ntfy: {{url: "{fakes.ntfy.url}", token_env: NTFY_TOKEN}}
  pushover: {{url: "{fakes.pushover.url}", retry: 30, expire: 600}}
  twilio: {{url: "{fakes.twilio.url}", from: "{WARROOM_NUMBER}"}}
escalation_policies:
  - name: default
    levels:
      - {{notify: [user:alice], timeout: 30m}}
      - {{notify: [user:bob], timeout: 30m}}
alert_sources:
  - {{name: ops, type: slack, escalation_policies: [default], channels: [general]}}
"""
