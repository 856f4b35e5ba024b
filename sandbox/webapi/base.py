"""What every Web API method shares: argument reading the way Slack reads it,
the method registry, and channel access rules."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..errors import SlackError
from ..state import Channel, User, Workspace

if TYPE_CHECKING:
    from ..core import Core

_TRUE = {"1", "true", "True", "yes"}


class Params:
    """Merged query + form + JSON arguments; values may be str or JSON types."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __contains__(self, name: str) -> bool:
        return name in self.data and self.data[name] is not None

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value) \
            if isinstance(value, (dict, list)) else str(value)

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value) in _TRUE

    def int(self, name: str, default: int, *, error: str = "invalid_arguments") -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError(error) from None

    def json(self, name: str, *, error: str = "invalid_arguments") -> Any:
        """An argument that is JSON when sent as a form field, native in a JSON body."""
        value = self.data.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error, response_metadata={
                    "messages": [f"[ERROR] {name} is not valid JSON"]}) from None
        return value

    def list(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]


@dataclass
class Ctx:
    core: "Core"
    params: Params
    token_kind: str | None
    token: str | None = None
    basic: tuple[str, str] | None = None     # HTTP Basic credentials (client id, secret)

    @property
    def ws(self) -> Workspace:
        return self.core.ws

    @property
    def bot(self) -> str:
        return self.core.ws.bot_user_id

    def need(self, *scopes: str) -> None:
        """missing_scope unless the bot token has every one of ``scopes``."""
        for scope in scopes:
            if scope not in self.core.bot_scopes:
                raise SlackError("missing_scope", needed=scope,
                                 provided=",".join(sorted(self.core.bot_scopes)))

    def need_for(self, chan: Channel, public: str, private: str, im: str | None = None) -> None:
        if chan.is_im:
            if im:
                self.need(im)
        else:
            self.need(private if chan.is_private else public)

    def channel(self, name: str = "channel", *, allow_names: bool = False,
                allow_user: bool = False) -> Channel:
        """The conversation an argument names, as far as the bot can see it."""
        ref = self.params.str(name)
        if not ref:
            raise SlackError("channel_not_found")
        ws = self.ws
        chan = ws.channels.get(ref)
        if chan is None and allow_user and ref.startswith(("U", "W")) and ref in ws.users:
            chan = ws.open_im(ref)     # posting to a user id goes to the app's DM with them
        if chan is None and allow_names:
            chan = ws.channel(ref)
        if chan is None:
            raise SlackError("channel_not_found")
        if chan.is_im and self.bot not in chan.members:
            raise SlackError("channel_not_found")
        if chan.is_private and self.bot not in chan.members:
            raise SlackError("channel_not_found")
        return chan

    def member_of(self, chan: Channel) -> None:
        if self.bot not in chan.members:
            raise SlackError("not_in_channel")

    def user(self, name: str = "user", *, error: str = "user_not_found") -> User:
        ref = self.params.str(name)
        user = self.ws.users.get(ref or "")
        if user is None:
            raise SlackError(error)
        return user


@dataclass
class MethodSpec:
    name: str
    handler: Callable[[Ctx], dict[str, Any]]
    scopes: tuple[str, ...]
    token: str            # "bot" | "app" | "user" | "none" (the method takes no token)


METHODS: dict[str, MethodSpec] = {}


def method(name: str, *, scopes: tuple[str, ...] = (), token: str = "bot"
           ) -> Callable[[Callable[[Ctx], dict[str, Any]]], Callable[[Ctx], dict[str, Any]]]:
    def register(fn: Callable[[Ctx], dict[str, Any]]) -> Callable[[Ctx], dict[str, Any]]:
        METHODS[name] = MethodSpec(name, fn, scopes, token)
        return fn
    return register


# --- paging --------------------------------------------------------------------------------
def page(items: list[Any], params: Params, *, default_limit: int = 100, max_limit: int = 1000
         ) -> tuple[list[Any], str]:
    """Slice ``items`` by Slack's cursor/limit; returns (page, next_cursor)."""
    limit = params.int("limit", default_limit, error="invalid_limit")
    if limit <= 0:
        limit = default_limit
    limit = min(limit, max_limit)
    cursor = params.str("cursor") or ""
    start = 0
    if cursor:
        try:
            kind, _, raw = base64.b64decode(cursor.encode()).decode().partition(":")
            start = int(raw)
            if kind != "next" or start < 0:
                raise ValueError
        except ValueError:
            raise SlackError("invalid_cursor") from None
    chunk = items[start:start + limit]
    nxt = start + limit
    next_cursor = base64.b64encode(f"next:{nxt}".encode()).decode() if nxt < len(items) else ""
    return chunk, next_cursor
