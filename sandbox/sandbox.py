"""``Sandbox``: a Slack workspace on 127.0.0.1 that an unmodified Bolt app talks
to, plus the handles tests and the REPL use to act as people and look inside."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any, Callable, Sequence

from .core import Core, Settings
from .faults import Faults
from .manifest import parse_manifest
from .oidc import OAuthClient
from .person import Person
from .records import Call, Envelope
from .render import render
from .rs256 import signing_key
from .runner import ServerThread
from .text import Style

DEMO_USERS = (
    ("alice", "Alice Liddell", "Europe/London"),
    ("bob", "Bob Ross", "America/New_York"),
    ("carol", "Carol Danvers", "UTC"),
    ("dave", "Dave Bowman", "Asia/Tokyo"),
)
DEMO_CHANNELS = ("general", "incidents", "alerts")


class Sandbox:
    def __init__(self, manifest: dict[str, Any] | None = None, *,
                 team_domain: str = "warroom-sandbox", ack_timeout: float = 3.0,
                 trigger_ttl: float = 3.0, host: str = "127.0.0.1", port: int = 0) -> None:
        self._core = Core(parse_manifest(manifest), team_domain=team_domain,
                          settings=Settings(ack_timeout=ack_timeout, trigger_ttl=trigger_ttl))
        self._server = ServerThread(self._core, host, port)
        self._started = False

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        if not self._started:
            self._server.start()
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._server.stop()
            self._started = False

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- identity -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if not self._started:
            raise RuntimeError("Sandbox.start() first")
        return self._core.base_url

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    bot_token = property(lambda self: self._core.bot_token)
    app_token = property(lambda self: self._core.app_token)
    team_id = property(lambda self: self._core.ws.team_id)
    team_domain = property(lambda self: self._core.ws.team_domain)
    bot_user_id = property(lambda self: self._core.ws.bot_user_id)
    bot_id = property(lambda self: self._core.ws.bot_id)
    app_id = property(lambda self: self._core.ws.app_id)

    @property
    def bot_scopes(self) -> set[str]:
        return self._core.bot_scopes

    @bot_scopes.setter
    def bot_scopes(self, scopes: set[str]) -> None:
        self._core.bot_scopes.clear()
        self._core.bot_scopes.update(scopes)

    @property
    def custom_emoji(self) -> set[str]:
        """Workspace custom emoji names reactions.add accepts besides the standard set."""
        return self._core.custom_emoji

    # --- timing knobs ---------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """All timing knobs (event retry delays, response_url limits, ...)."""
        return self._core.settings

    @property
    def ack_timeout(self) -> float:
        return self._core.settings.ack_timeout

    @ack_timeout.setter
    def ack_timeout(self, seconds: float) -> None:
        self._core.settings.ack_timeout = seconds

    @property
    def trigger_ttl(self) -> float:
        return self._core.settings.trigger_ttl

    @trigger_ttl.setter
    def trigger_ttl(self, seconds: float) -> None:
        self._core.settings.trigger_ttl = seconds

    @property
    def strict_rate_limits(self) -> bool:
        return self._core.limiter.enabled

    @strict_rate_limits.setter
    def strict_rate_limits(self, on: bool) -> None:
        self._core.limiter.enabled = bool(on)
        if on:
            self._core.limiter.reset()

    @property
    def rate_limited_calls(self) -> int:
        return self._core.records.rate_limited

    @property
    def faults(self) -> Faults:
        return self._core.faults

    def advance_clock(self, seconds: float) -> None:
        """Stamp messages ``seconds`` later from now on (when the app's clock was moved on)."""
        self._core.ws.clock.advance(seconds)

    # --- seeding --------------------------------------------------------------------------
    def add_user(self, name: str, *, real_name: str | None = None, tz: str = "UTC",
                 email: str | None = None, is_admin: bool = False, is_bot: bool = False) -> str:
        with self._core.lock:
            return self._core.ws.add_user(name, real_name=real_name, tz=tz, email=email,
                                          is_admin=is_admin, is_bot=is_bot)

    def set_timezone(self, user: str, tz: str) -> None:
        """The person's time zone, as they would set it in their Slack profile."""
        with self._core.lock:
            found = self._core.ws.user(user)
            if found is None:
                raise KeyError(user)
            found.tz = tz

    def add_channel(self, name: str, *, is_private: bool = False, members: Any = (),
                    creator: str | None = None, topic: str = "", purpose: str = "") -> str:
        with self._core.lock:
            return self._core.ws.add_channel(name, is_private=is_private, members=tuple(members),
                                             creator=creator, topic=topic, purpose=purpose)

    def add_usergroup(self, handle: str, *, name: str | None = None, users: Any = ()) -> str:
        with self._core.lock:
            return self._core.ws.add_usergroup(handle, name=name, users=tuple(users))

    def seed_demo(self) -> None:
        with self._core.lock:
            ws = self._core.ws
            for name, real_name, tz in DEMO_USERS:
                if ws.user(name) is None:
                    ws.add_user(name, real_name=real_name, tz=tz, email=f"{name}@example.com")
            names = [n for n, _, _ in DEMO_USERS]
            for chan_name in DEMO_CHANNELS:
                if ws.channel(chan_name) is None:
                    cid = ws.add_channel(chan_name, members=tuple(names), creator="alice")
                    ws.channels[cid].is_general = chan_name == "general"

    # --- reading state ---------------------------------------------------------------------
    def set_dnd(self, user: str, start: float | None, end: float | None = None) -> None:
        """Give the person a Do Not Disturb window (epoch seconds; None: no window), as their Slack
        preferences would; ``dnd.info`` then reports it."""
        with self._core.lock:
            found = self._core.ws.users[self._user_id(user)]
            found.dnd_start, found.dnd_end = start, end

    def snooze(self, user: str, minutes: float | None) -> None:
        """The person snoozes notifications for ``minutes`` (None: ends the snooze)."""
        with self._core.lock:
            found = self._core.ws.users[self._user_id(user)]
            found.snooze_end = None if minutes is None else time.time() + minutes * 60

    def user(self, id_or_name: str) -> dict[str, Any]:
        with self._core.lock:
            user = self._core.ws.user(id_or_name)
            if user is None:
                raise KeyError(id_or_name)
            return user.to_slack()

    def usergroup(self, id_or_handle: str) -> dict[str, Any]:
        """A user group as usergroups.list shows it, with its members."""
        with self._core.lock:
            group = self._core.ws.usergroup(id_or_handle)
            if group is None:
                raise KeyError(id_or_handle)
            return group.to_slack(include_users=True, include_count=True)

    def users(self) -> list[dict[str, Any]]:
        with self._core.lock:
            return [u.to_slack() for u in self._core.ws.users.values()]

    def _channel_obj(self, id_or_name: str) -> Any:
        chan = self._core.ws.channel(id_or_name)
        if chan is None:
            raise KeyError(id_or_name)
        return chan

    def _channel_dict(self, chan: Any) -> dict[str, Any]:
        ws = self._core.ws
        out = chan.to_slack(bot_user_id=ws.bot_user_id, team_id=ws.team_id, num_members=True)
        out.update(members=list(chan.members), pins=list(chan.pins),
                   bookmarks=copy.deepcopy(chan.bookmarks))
        if chan.is_im:
            out["name"] = chan.name
        return out

    def channel(self, id_or_name: str) -> dict[str, Any]:
        with self._core.lock:
            return self._channel_dict(self._channel_obj(id_or_name))

    def channels(self, include_archived: bool = True) -> list[dict[str, Any]]:
        with self._core.lock:
            return [self._channel_dict(c) for c in self._core.ws.channels.values()
                    if not c.is_im and (include_archived or not c.is_archived)]

    def messages(self, channel: str, *, thread_ts: str | None = None) -> list[dict[str, Any]]:
        with self._core.lock:
            chan = self._channel_obj(channel)
            ws = self._core.ws
            if thread_ts is None:
                return [ws.message_dict(chan, m) for m in chan.top_level()]
            parent = chan.messages.get(thread_ts)
            if parent is None or parent.deleted:
                return []
            return [ws.message_dict(chan, m) for m in [parent] + chan.replies_of(thread_ts)]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._core.lock:
            chan = self._channel_obj(channel)
            msg = chan.messages.get(ts)
            if msg is None or msg.deleted:
                return None
            return self._core.ws.message_dict(chan, msg)

    def file(self, file_id: str) -> dict[str, Any] | None:
        """A file as Slack describes it, with ``content`` (its bytes as text) and ``completed``."""
        with self._core.lock:
            found = self._core.files.files.get(file_id)
            if found is None:
                return None
            return {**found.to_slack(self._core.ws.team_domain), "completed": found.completed,
                    "content": (found.content or b"").decode("utf-8", "replace")}

    def dm_channel(self, user: str) -> str | None:
        with self._core.lock:
            found = self._core.ws.user(user)
            return self._core.ws.ims.get(found.id) if found else None

    def ephemerals(self, user: str, channel: str | None = None) -> list[dict[str, Any]]:
        with self._core.lock:
            uid = self._user_id(user)
            cid = self._channel_obj(channel).id if channel else None
            return self._core.feed.for_user(uid, cid)

    def views(self, user: str) -> list[dict[str, Any]]:
        with self._core.lock:
            return [rec.to_slack() for rec in self._core.views.stack(self._user_id(user))]

    def home(self, user: str) -> dict[str, Any] | None:
        with self._core.lock:
            rec = self._core.views.home(self._user_id(user))
            return rec.to_slack() if rec else None

    def _user_id(self, user: str) -> str:
        found = self._core.ws.user(user)
        if found is None:
            raise KeyError(user)
        return found.id

    # --- records --------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        return list(self._core.records.calls)

    def calls_since(self, mark: int) -> list[Call]:
        return self._core.records.calls_since(mark)

    @property
    def envelopes(self) -> list[Envelope]:
        return list(self._core.records.envelopes)

    def envelopes_since(self, mark: int) -> list[Envelope]:
        return self._core.records.envelopes_since(mark)

    def mark(self) -> int:
        return self._core.records.mark()

    @property
    def connections(self) -> int:
        return len(self._core.hub.live)

    @property
    def links(self) -> list[dict[str, Any]]:
        """Live Socket Mode links: id (increasing), opened_at, draining (told to reconnect).
        ``Envelope.link_id`` says which link an envelope was sent on."""
        return [{"id": link.id, "opened_at": link.opened_at, "draining": link.draining}
                for link in self._core.hub.live]

    @property
    def refused_links(self) -> int:
        """Links turned away with ``too_many_websockets`` (beyond ``settings.max_links``)."""
        return self._core.hub.refused

    def spread(self, policy: str = "round_robin", *, seed: int | None = None) -> None:
        """How envelopes are spread across live links: "round_robin" (by link id, the
        default) or "random" (reproducible from ``seed``)."""
        self._core.hub.delivery.chooser.spread(policy, seed)

    def route_next(self, *link_ids: int, envelope_type: str | None = None) -> None:
        """Send the next envelope (of ``envelope_type``) to ``link_ids[0]``. Further ids
        get the same event at the same time as Slack's redelivery (retry_attempt 1, 2…,
        retry_reason "timeout"): the same event on two replicas at once."""
        live = {link.id for link in self._core.hub.live}
        missing = [i for i in link_ids if i not in live]
        if missing:
            raise ValueError(f"no live Socket Mode link {missing}; live links: {sorted(live)}")
        self._core.hub.delivery.chooser.route_next(link_ids, envelope_type)

    # --- helpers --------------------------------------------------------------------------
    def wait_for(self, fn: Callable[[], Any], timeout: float = 5.0, interval: float = 0.05,
                 message: str = "") -> Any:
        """Poll ``fn`` until it returns something truthy; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"{message or 'condition not met'} "
                                     f"(after {timeout}s; last value: {value!r})")
            time.sleep(interval)

    async def async_wait_for(self, fn: Callable[[], Any], timeout: float = 5.0,
                             interval: float = 0.01, message: str = "") -> Any:
        """``wait_for`` for coroutines: yields to the caller's event loop while polling."""
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"{message or 'condition not met'} "
                                     f"(after {timeout}s; last value: {value!r})")
            await asyncio.sleep(interval)

    def render(self, message_or_view: dict[str, Any] | None, style: Style | None = None,
               tz: str | None = None) -> str:
        """What a person reads; with a ``style`` drawn as the client draws it, dates in ``tz``."""
        with self._core.lock:
            return render(message_or_view, self._core.ws, style, tz)

    # --- Sign in with Slack -----------------------------------------------------------------
    def oauth_client(self, redirect_uris: Sequence[str]) -> OAuthClient:
        """Register an app's OAuth client (client_id, client_secret) with its redirect URLs;
        /openid/connect/authorize accepts those and paths below them."""
        signing_key()    # the first takes a second: make it here, not under the lock
        with self._core.lock:
            return self._core.oidc.register(tuple(redirect_uris))

    def oidc_login_as(self, user: str | None) -> None:
        """Sign in with Slack as this person without the sign-in page, until set to None."""
        with self._core.lock:
            self._core.oidc.login_as = None if user is None else self._user_id(user)

    @property
    def oidc_issuer(self) -> str:
        """``iss`` of ID tokens and the discovery document: the sandbox's URL unless set."""
        return self._core.oidc.issuer

    @oidc_issuer.setter
    def oidc_issuer(self, issuer: str | None) -> None:
        self._core.oidc.issuer_override = issuer

    def as_user(self, user: str) -> Person:
        with self._core.lock:
            return Person(self._core, self._user_id(user))
