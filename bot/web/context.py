"""What every web handler reaches: the domain, the config, the clock, who people are, how to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import jinja2

from bot.actor import Actor
from bot.clock import Clock
from bot.config import Config
from bot.domain import Domain
from storage.database import Database


@dataclass
class WebContext:
    config: Config
    db: Database
    domain: Domain
    clock: Clock
    actor: Callable[[str], Actor]               # a signed-in Slack user as the domain's rules see them
    name_of: Callable[[str], str]               # a Slack user ID as people read it (@alice)
    timezone_of: Callable[[str], str]           # a Slack user's IANA time zone (the config's when unknown)
    templates: jinja2.Environment
    public_url: str                             # where people open warroom, without a trailing slash
    session_secret: str
    secure_cookies: bool = False                # https: cookies only over https
    extras: dict[str, Any] = field(default_factory=dict)   # per-feature state (sign-in's OIDC client, ...)

    def url(self, path: str) -> str:
        return self.public_url + path
