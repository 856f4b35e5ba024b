"""The sandbox's shared parts, wired once: state, stores, dispatchers, settings.

One re-entrant lock guards all workspace state; it is held for the whole of a
Web API method or a person's action (both are quick and never wait on the
network while holding it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .events import EventDispatcher
from .faults import Faults
from .feed import Feed
from .files import FileStore
from .ids import digits
from .manifest import AppConfig
from .oidc import OpenIdProvider
from .ratelimit import RateLimiter
from .records import Recorder
from .responses import ResponseUrls
from .socket_mode import SocketModeHub
from .state import Workspace
from .views import TriggerStore, ViewStore


@dataclass
class Settings:
    ack_timeout: float = 3.0
    trigger_ttl: float = 3.0
    # Slack retries an unacked event about immediately, after 1 min and after
    # 5 min; the sandbox keeps the count and shortens the waits.
    event_retry_delays: tuple[float, ...] = (0.1, 0.5, 1.0)
    event_queue_ttl: float = 30.0
    response_url_ttl: float = 1800.0
    response_url_max_uses: int = 5
    disconnect_grace: float = 10.0
    # Slack lets an app hold this many Socket Mode links at once (slack-platform.md §1.6).
    max_links: int = 10
    # Sign in with Slack: an authorization code lives 10 minutes, an ID token 5
    # (exp - iat in Slack's example).
    oidc_code_ttl: float = 600.0
    oidc_id_token_ttl: int = 300


class Core:
    def __init__(self, config: AppConfig, *, team_domain: str, settings: Settings) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.settings = settings
        self.bot_scopes: set[str] = config.bot_scopes
        self.ws = Workspace(team_domain=team_domain, bot_name=config.bot_display_name,
                            app_name=config.app_name)
        self.verification_token = self.ws.ids.hex(24)
        self.bot_token = f"xoxb-{digits(12)}-{digits(13)}-{self.ws.ids.hex(24)}"
        self.app_token = f"xapp-1-{self.ws.app_id}-{digits(13)}-{self.ws.ids.hex(64)}"
        self.team_number = digits(10)
        self.records = Recorder()
        self.views = ViewStore(self.ws.ids, team_id=self.ws.team_id, app_id=self.ws.app_id,
                               bot_id=self.ws.bot_id)
        self.triggers = TriggerStore(settings.trigger_ttl)
        self.feed = Feed(self.ws.clock)
        self.responses = ResponseUrls(self)
        self.hub = SocketModeHub(self)
        self.events = EventDispatcher(self)
        self.faults = Faults(lambda: self.hub)
        self.limiter = RateLimiter()
        self.base_url = ""
        self.custom_emoji: set[str] = set()
        self.files = FileStore()
        self.oidc = OpenIdProvider(self)

    def token_kind(self, token: str | None) -> str | None:
        if token == self.bot_token:
            return "bot"
        if token == self.app_token:
            return "app"
        if token is not None and token in self.oidc.tokens:
            return "user"
        return None

    def mint_trigger(self, user: str) -> str:
        self.triggers.ttl = self.settings.trigger_ttl
        return self.triggers.mint(user, self.team_number)

    def channel_ref(self, chan_id: str) -> dict[str, Any]:
        chan = self.ws.channels.get(chan_id)
        name = "directmessage" if chan is not None and chan.is_im else (chan.name if chan else "")
        return {"id": chan_id, "name": name}
