"""The composition root: config + storage + scheduler + Slack adapter, started and stopped together."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Iterator, MutableMapping

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ai.drafts import AiDrafts
from bot.ai.prompt import Readable
from bot.clock import Clock
from bot.config import Config
from bot.config.env import SlackSignInSettings
from bot.domain import build_domain
from bot.effects.outbox import SURFACE_SETTLE_SECONDS
from bot.effects.runner import EffectRunner
from bot.http.server import WebhookServer, WebhookServerError
from bot.log_throttle import install_loop_error_throttle
from bot.logs import get_logger
from bot.metrics import Metrics
from bot.notify.content import Subjects
from bot.notify.links import SECRET_NAME as ACK_LINK_KEY
from bot.notify.sender import NotifySender
from bot.sender import Sender, replica_id
from bot.slack.api import SlackApi
from bot.slack.catalogue import build_catalogue
from bot.slack.deps import Deps
from bot.slack.directory import Directory
from bot.slack.dnd import DoNotDisturb
from bot.slack.commands import CROWD, CommandInbox
from bot.slack.commands import KIND as COMMAND_KIND
from bot.slack.listeners import SLASH_COMMANDS, register_listeners
from bot.slack.messages import RenderContext
from bot.slack.parsing import to_plain
from bot.slack.pressure import AckPressure
from bot.slack.ratelimit import RateLimiter
from bot.slack.surfaces import Surfaces
from bot.text import Texts
from bot.timers import TimerService
from bot.tracker.sender import TrackerSender
from bot.web.context import WebContext
from bot.web.mount import mount_web
from bot.web.pages import web_templates
from bot.web.slack_oidc import SlackOidc
from bot.webhooks.delivery import WebhookSender
from storage.db import open_database
from storage.leases import LeaseStore
from storage.metrics import MetricsStore
from storage.outbox import WORK_CHANNEL
from storage.seen_events import SeenEvents
from storage.surfaces import SurfaceStore
from storage.web import WebSecrets
from storage.webhooks import WebhookLogStore

log = get_logger("warroom.app")

MAINTENANCE_INTERVAL = 300.0
SLACK_CALL_TIMEOUT = 30.0   # seconds, slack_sdk's own default for a Web API call
KEEP_HISTORY_SECONDS = 7 * 86400


@contextlib.contextmanager
def _hidden_from_bolt(environ: MutableMapping[str, str]) -> Iterator[None]:
    """Bolt turns itself into an OAuth installation app (a file installation store, the bot token
    dropped, every request then refused) when it sees SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, which
    warroom reads for Sign in with Slack. It reads them only while it is built: hide them then."""
    hidden = {name: environ.pop(name) for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if name in environ}
    try:
        yield
    finally:
        environ.update(hidden)


class StartupError(Exception):
    """Warroom cannot start; the message says why and what to do."""


@dataclass
class Options:
    """Knobs for tests and benchmarks; production uses the defaults."""

    clock: Clock = field(default_factory=Clock)
    rate_limit_scale: float = 1.0
    surface_settle: float = SURFACE_SETTLE_SECONDS
    effect_concurrency: int = 16
    connect_socket: bool = True
    # other slash commands waiting for their acks at which one is handled after its ack (None: the engine's
    # default, bot.slack.commands.CROWD on PostgreSQL and never on SQLite; 0: always)
    command_crowd: int | None = None


class Warroom:
    def __init__(self, config: Config, *, bot_token: str, app_token: str, api_url: str, db_path: str,
                 options: Options | None = None, sign_in: SlackSignInSettings | None = None) -> None:
        """``sign_in``: Sign in with Slack for the web side (None: sign-in links only)."""
        self.config = config
        self.sign_in = sign_in
        self.bot_token = bot_token
        self.app_token = app_token
        self.api_url = api_url
        self.db_path = db_path
        self.options = options or Options()
        self.clock = self.options.clock
        self._tasks: list[asyncio.Task] = []
        self.handler: AsyncSocketModeHandler | None = None

    # lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        install_loop_error_throttle(asyncio.get_running_loop())
        # first: its refusals say best what is wrong with the path; it takes the instance lock
        # before migrating, so a second warroom never touches a database the first one uses
        self.db = open_database(self.db_path, exclusive=True)
        self.db.checkpoint_in_background()
        self.replica = replica_id()
        self._follow_database_clock()
        # one HTTP session for every call to Slack (and answers to response_urls): without it slack_sdk opens
        # a session, a connection and, against slack.com, a TLS handshake for each call. Given a session,
        # slack_sdk leaves the timeout to it (aiohttp's default is 5 minutes): its own 30 s, here; and no
        # cookies kept between calls, as with a session a call
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_CALL_TIMEOUT),
                                          cookie_jar=aiohttp.DummyCookieJar())
        self.client = AsyncWebClient(token=self.bot_token, base_url=self.api_url, session=self.http)
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); copy the Bot User OAuth Token "
                "again from your app's OAuth & Permissions page"
            ) from None
        except Exception as exc:
            raise StartupError(f"cannot reach Slack at {self.api_url}: {type(exc).__name__}: {exc}") from None
        self.bot_user_id = auth["user_id"]
        self.team_id = auth.get("team_id")
        self._build()
        self._reuse_auth_test(auth)
        for group in (self.config.incident_managers, self.config.oncall_managers):
            await self.directory.refresh_group(group)  # permissions known before any command
        await self._prepare_channels()
        self.domain.heartbeats.arm_all()   # deadlines of heartbeats not yet watched (kept ones stand)
        self.domain.routine.start()        # every schedule looked at now: handoffs missed while down
        open_channels = [i.channel_id for i in self.domain.incident_store.open_incidents() if i.channel_id]
        self._tasks.append(asyncio.create_task(self.directory.warm_members(open_channels), name="members"))
        try:
            await self.directory.load_people()
        except Exception as exc:  # time zones then come from users.info as needed; not a reason to stay down
            log.warning("directory.people_not_loaded", reason=str(exc))
        await self.sender.start()
        # another replica may record the work this one sends: hear of it at once, not at the next look
        self._stop_listening = self.db.listen(WORK_CHANNEL, self._work_recorded_elsewhere)
        try:
            await self.webhooks.start()
        except WebhookServerError as exc:
            raise StartupError(str(exc)) from None
        if not self.config.web.public_url:   # port 0 in http.listen: known only now
            host = self.config.http.host if self.config.http.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
            self.web.public_url = f"http://{host}:{self.webhooks.port}"
        self._tasks.append(asyncio.create_task(self._maintenance(), name="maintenance"))
        if self.options.connect_socket:
            self.handler = AsyncSocketModeHandler(self.app, self.app_token)
            self.pressure.watch(self.handler.client)
            await self.handler.connect_async()
        log.info("warroom.started", team=self.team_id, bot_user=self.bot_user_id, http=f"{self.config.http.host}:{self.webhooks.port}",
                 open_incidents=self.domain.incident_store.count_open(),
                 pending_effects=self.outbox.pending_count(), timers=self.timers.pending(),
                 sender=self.sender.is_sender, engine=self.db.engine)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.handler is not None:
            try:
                await self.handler.close_async()
            except Exception:  # already disconnected
                pass
        if getattr(self, "_stop_listening", None) is not None:
            self._stop_listening()
        if hasattr(self, "webhooks"):
            await self.webhooks.stop()
        if hasattr(self, "web") and "oidc" in self.web.extras:
            await self.web.extras["oidc"].close()
        if hasattr(self, "sender"):
            await self.sender.stop()
        if hasattr(self, "notify_sender"):
            await self.notify_sender.close()
        if hasattr(self, "webhook_sender"):
            await self.webhook_sender.close()
        if hasattr(self, "tracker_sender"):
            await self.tracker_sender.close()
        if hasattr(self, "ai"):
            await self.ai.close()
        if hasattr(self, "commands"):
            await self.commands.close()
        if hasattr(self, "http"):
            await self.http.close()
        if hasattr(self, "db"):
            self.db.close()  # releases the instance lock
        log.info("warroom.stopped")

    def _work_recorded_elsewhere(self) -> None:
        """On the listening thread: wake the effect runner and the timers (they do nothing unless this
        replica is the sender)."""
        self.runner.kick()
        self.timers.wake_threadsafe()

    async def _slack_connected(self) -> bool:
        return self.handler is not None and await self.handler.client.is_connected()

    # wiring ------------------------------------------------------------------------------------
    def _build(self) -> None:
        config, clock, db = self.config, self.clock, self.db
        self.domain = domain = build_domain(config, db, clock, settle=self.options.surface_settle)
        # what tests, benchmarks and the sandbox reach through the running bot
        self.work, self.outbox, self.effects = domain.work, domain.outbox, domain.effects
        self.incidents, self.record, self.paging = domain.incidents, domain.record, domain.paging
        self.alerts, self.oncall = domain.alerts, domain.oncall
        self.webhooks = WebhookServer(config, self.alerts, heartbeats=domain.heartbeats,
                                      slack_connected=self._slack_connected if self.options.connect_socket else None)
        self.texts = Texts(config.templates, config.timezone)

        # this bot's own registry: several bots in one process (tests, the sandbox) never share counters
        self.metrics = Metrics(MetricsStore(db), [s.name for s in config.severities])
        self.alerts.on_stored.append(self.metrics.alerts_stored)
        self.api = SlackApi(self.client, RateLimiter(scale=self.options.rate_limit_scale),
                            observer=self.metrics.slack_call)
        self.directory = Directory(self.api)
        self.render = RenderContext(self.texts, config, clock, domain.incident_store, domain.alert_store,
                                    self.paging.store, domain.timer_store)
        self.surfaces = Surfaces(self.api, SurfaceStore(db), self.work, clock)
        # AI drafts (their own effect handlers; the postmortem's narrative is self.ai.narrative): prompts
        # name people as Slack shows them
        self.ai = AiDrafts(config, domain.incident_store, self.outbox, self.effects, self.work, clock, self.texts,
                           self._readable(), os.environ)
        catalogue = build_catalogue(api=self.api, directory=self.directory, render=self.render,
                                    surfaces=self.surfaces, config=config, incidents=self.incidents,
                                    channels=domain.channels, paging=self.paging, alerts=self.alerts,
                                    routine=domain.routine, swaps=domain.swaps, tickets=domain.tickets.store,
                                    bot_user_id=self.bot_user_id, postmortems=domain.postmortems,
                                    narrative=self.ai.narrative)
        self.pressure = AckPressure()
        # slash commands recorded in a crowd and handled after their ack: an effect handler of their own
        crowd = self.options.command_crowd
        if crowd is None:
            crowd = CROWD if self.db.engine == "postgresql" else None
        self.commands = CommandInbox(SLASH_COMMANDS, self.pressure, self.outbox, clock, owner=self.replica,
                                     crowd=crowd)
        # pages beyond Slack: their own handlers, next to the chat port's (bot.effects.port)
        self.notify_sender = NotifySender(
            domain.notifier, config, Subjects(self.paging.store, domain.alert_store, domain.incident_store),
            self.texts, environ=os.environ, public_url=lambda: self.web.public_url,
            link_key=WebSecrets(db).get_or_make(ACK_LINK_KEY, lambda: secrets.token_urlsafe(32)),
            dnd=DoNotDisturb(self.api, clock).reason)

        # follow-ups in the team's tracker: their handlers too
        self.tracker_sender = TrackerSender(domain.tickets, config.tracker, self.texts, environ=os.environ,
                                            public_url=lambda: self.web.public_url, name_of=self.directory.cached_name)

        self.webhook_sender = WebhookSender(config, WebhookLogStore(db), self.work, clock, environ=os.environ,
                                            effects=domain.effects)
        failure_hooks = {**catalogue.failure_hooks, **self.ai.failure_hooks, **self.tracker_sender.failure_hooks,
                         **self.webhook_sender.failure_hooks}

        async def effect_failed(effect, reason: str) -> None:
            hook = failure_hooks.get(effect.kind)
            if hook is not None:
                hook(effect, reason)

        effect_handlers = {**catalogue.handlers, **self.notify_sender.handlers, **self.ai.handlers,
                           **self.webhook_sender.handlers, **self.tracker_sender.handlers,
                           COMMAND_KIND: self.commands.perform}
        self.runner = EffectRunner(self.outbox, effect_handlers, clock, concurrency=self.options.effect_concurrency,
                                   on_failure=effect_failed, hold=self.pressure.answered_and_settled, owner=self.replica,
                                   on_finished=self.metrics.effect_finished)
        self.metrics.know_effect_kinds(effect_handlers)
        self.timers = TimerService(domain.timer_store, clock, domain.timer_handlers, owner=self.replica)
        self.work.after_commit(self.runner.kick)
        self.work.after_commit(self.timers.flush)
        exclusive = self.db.engine == "sqlite"  # the instance lock: nobody else holds claims or the lease
        if exclusive:
            self.outbox.release_all()
            domain.timer_store.release_all()

        async def begin_sending() -> None:
            await self.runner.start()
            await self.timers.start()

        async def end_sending() -> None:
            await self.runner.stop()
            await self.timers.stop()

        self.sender = Sender(LeaseStore(self.db), clock, self.replica, begin=begin_sending, end=end_sending,
                            exclusive=exclusive, alive=lambda: self.runner.running and self.timers.running)

        # not "warroom": Bolt names its logger after the app and sets its level, which would silence warroom.*
        with _hidden_from_bolt(os.environ):
            self.app = AsyncApp(client=self.client, name="warroom-slack", process_before_response=False)
        self.deps = Deps(config=config, texts=self.texts, clock=clock, work=self.work, effects=self.effects,
                         api=self.api, directory=self.directory, render=self.render, incidents=self.incidents,
                         record=self.record, channel_log=domain.channel_log, paging=self.paging, alerts=self.alerts,
                         timeline=domain.timeline, oncall=self.oncall, seen_events=SeenEvents(db), silences=domain.silences,
                         swaps=domain.swaps, notifier=domain.notifier, plans=domain.plans,
                         summaries=domain.summaries, postmortems=domain.postmortems, commands=self.commands)
        self.commands.deps = self.deps
        register_listeners(self.app, self.deps)
        self._mount_web()

        @self.app.error
        async def on_error(error, body) -> None:
            log.error("listener.unhandled", exc_info=error, type=(body or {}).get("type"))

    def _readable(self) -> Readable:
        """People by the name Slack shows (warroom.yml's when Slack's is not known yet), markup as words."""
        def name_of(user: str) -> str:
            person = self.config.person(user)
            return "@" + (self.directory.cached_name(user) or (person.name if person else user))
        return Readable(name_of=name_of,
                        plain=lambda text: to_plain(text, keep_lines=True, name_of=self.directory.cached_name))

    def _mount_web(self) -> None:
        """The web side on the webhook server, over the same domain and the directory's view of people."""
        config = self.config
        public_url = config.web.public_url or f"http://{config.http.host}:{config.http.port}"
        ctx = WebContext(
            config=config, db=self.db, domain=self.domain, clock=self.clock, actor=self.deps.actor,
            name_of=lambda user: "@" + (self.directory.cached_name(user) or user),
            timezone_of=self.deps.timezone_of,
            templates=web_templates(config.templates), public_url=public_url,
            session_secret=WebSecrets(self.db).get_or_make("session", lambda: secrets.token_urlsafe(48)),
            secure_cookies=public_url.startswith("https://"))
        if self.sign_in is not None:
            ctx.extras["oidc"] = SlackOidc(self.sign_in, self.team_id)
        ctx.extras["metrics"] = self.metrics.registry   # what GET /metrics serves
        self.web = ctx
        mount_web(self.webhooks.app, ctx)

    def _reuse_auth_test(self, auth) -> None:
        """Bolt would call auth.test again on the first request (a round trip before the first ack);
        hand it the answer we already have."""
        for middleware in getattr(self.app, "_async_middleware_list", []):
            if isinstance(middleware, AsyncSingleTeamAuthorization) and middleware.auth_test_result is None:
                middleware.auth_test_result = auth

    async def _prepare_channels(self) -> None:
        """Resolve and join the configured channels now, so the first incident is as fast as the rest.
        A missing one is not fatal here (warroom doctor names it); the effect that needs it will say."""
        for key, ref in vars(self.config.channels).items():
            if not ref:
                continue
            try:
                await self.directory.member_channel_id(ref)
            except Exception as exc:
                log.warning("channel.unavailable", key=f"channels.{key}", channel=ref, reason=str(exc))

    # housekeeping ------------------------------------------------------------------------------
    def _follow_database_clock(self) -> None:
        """Due times come from the database's clock, so replicas with skewed clocks agree."""
        if self.db.engine == "sqlite":
            return
        sent = time.time()
        now = self.db.now()
        self.clock.follow(now, sent, time.time())

    async def _maintenance(self) -> None:
        while True:
            try:
                self._follow_database_clock()
                for group in (self.config.incident_managers, self.config.oncall_managers):
                    await self.directory.refresh_group(group)
                cutoff = self.clock.time() - KEEP_HISTORY_SECONDS
                with self.work():
                    self.outbox.prune(cutoff)
                    self.webhook_sender.store.prune(cutoff)
                    self.deps.seen_events.prune(cutoff)
            except Exception:
                log.error("maintenance.failed", exc_info=True)
            await asyncio.sleep(MAINTENANCE_INTERVAL)
