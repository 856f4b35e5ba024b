"""Fixtures for the sandbox suite: a started, seeded sandbox per test and
clients wired to it. slack_sdk ignores NO_PROXY, so proxies are unset (harness.drop_proxies)."""

from __future__ import annotations

from typing import AsyncIterator, Iterator

import aiohttp
import pytest
from slack_sdk import WebClient

from harness import drop_proxies
from sandbox import OAuthClient, Sandbox

from .helpers import RawApp
from .oidc_client import RelyingParty

drop_proxies()

MANIFEST = {
    "display_information": {"name": "Incident Bot"},
    "features": {
        "app_home": {"home_tab_enabled": True, "messages_tab_enabled": False},
        "bot_user": {"display_name": "incident-bot"},
        "slash_commands": [
            {"command": "/incident", "description": "Declare", "should_escape": True},
            {"command": "/plain", "description": "No escaping", "should_escape": False},
        ],
        "shortcuts": [
            {"name": "Declare incident", "type": "global", "callback_id": "declare_incident",
             "description": "Open the declare modal"},
            {"name": "Raise from message", "type": "message", "callback_id": "from_message",
             "description": "Declare from a message"},
        ],
    },
    "oauth_config": {"scopes": {"bot": [
        "commands", "chat:write", "chat:write.public", "channels:manage", "channels:read",
        "channels:join", "channels:history", "groups:write", "groups:read", "groups:history",
        "pins:write", "pins:read", "bookmarks:write", "bookmarks:read", "reactions:read",
        "reactions:write", "users:read", "users:read.email", "usergroups:read",
        "app_mentions:read", "im:write", "im:history", "im:read"]}},
    "settings": {"event_subscriptions": {"bot_events": [
        "app_home_opened", "app_mention", "member_joined_channel", "message.channels",
        "message.groups", "message.im", "reaction_added", "pin_added"]},
        "interactivity": {"is_enabled": True}, "socket_mode_enabled": True},
}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A permissive sandbox (no manifest) with the demo workspace, short timeouts."""
    sandbox = Sandbox(ack_timeout=0.5, trigger_ttl=3.0).start()
    sandbox.seed_demo()
    sandbox.settings.event_retry_delays = (0.05, 0.05, 0.05)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def msb() -> Iterator[Sandbox]:
    """A sandbox configured from a realistic manifest."""
    sandbox = Sandbox(MANIFEST, ack_timeout=0.5).start()
    sandbox.seed_demo()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def client(sb: Sandbox) -> WebClient:
    return WebClient(token=sb.bot_token, base_url=sb.api_url)


@pytest.fixture
def ids(sb: Sandbox) -> dict[str, str]:
    """Ids of the demo users and channels by name."""
    out = {u["name"]: u["id"] for u in sb.users()}
    out.update({c["name"]: c["id"] for c in sb.channels()})
    return out


@pytest.fixture
def joined(sb: Sandbox, client: WebClient, ids: dict[str, str]) -> dict[str, str]:
    """The bot is a member of #general and #incidents."""
    client.conversations_join(channel=ids["general"])
    client.conversations_join(channel=ids["incidents"])
    return ids


@pytest.fixture
def raw_app(sb: Sandbox) -> Iterator[RawApp]:
    app = RawApp(sb)
    app.connect()
    yield app
    app.close()


# --- Sign in with Slack: the app's side ----------------------------------------------------
@pytest.fixture
async def rp() -> AsyncIterator[RelyingParty]:
    """An app's redirect URI on loopback, recording what Slack sends back to it."""
    party = await RelyingParty().start()
    yield party
    await party.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe: keep cookies from an IP-address host, as browsers do for 127.0.0.1.
    async with aiohttp.ClientSession(trust_env=False,
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


@pytest.fixture
def app_client(sb: Sandbox, rp: RelyingParty) -> OAuthClient:
    """The app's OAuth client, registered with ``rp``'s callback as its redirect URL."""
    return sb.oauth_client(redirect_uris=[rp.callback])
