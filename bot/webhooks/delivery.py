"""The ``webhook.deliver`` handler: POST one event's body to one webhook, signed as Standard Webhooks says
(``webhook-id``, ``webhook-timestamp`` of this attempt, ``webhook-signature: v1,<base64 HMAC-SHA256 of
id.timestamp.body>``), log the attempt, and tell the effect runner when to try again (the outbox's due
time: no worker waits) or that it is over (see :mod:`bot.webhooks.retry`)."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Awaitable, Callable, Mapping

import aiohttp

from bot.clock import Clock
from bot.config import Config
from bot.effects.errors import Busy, Permanent, RetryLater
from bot.effects.outbox import Effects
from bot.logs import get_logger
from bot.notify.http import LazySession, retry_after
from bot.notify.webhook import sign
from bot.webhooks import retry
from bot.work import Work
from kernel.outbox import Effect
from storage.webhooks import WebhookLogStore

log = get_logger("warroom.webhooks")
TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)   # a slow receiver must not hold a worker for long
SHOWN = 200                                            # characters of a receiver's answer kept in the log
# deliveries at once in this process, all webhooks together: the effect runner's workers are shared with
# Slack, and a receiver that hangs must never hold them all while people are being paged
MAX_IN_FLIGHT = 4
# and at most this many of them to one webhook: a receiver that hangs holds two, the others keep theirs
PER_WEBHOOK = 2


GONE = 410                     # the receiver says it is gone for good: the webhook is disabled until enabled
TELL_EVERY = 3600.0            # seconds: Slack hears of deliveries given up at most this often per webhook


class WebhookSender:
    def __init__(self, config: Config, store: WebhookLogStore, work: Work, clock: Clock, *,
                 environ: Mapping[str, str], effects: Effects | None = None) -> None:
        self.webhooks = {w.name: w for w in config.webhooks}
        self.store = store
        self.work = work
        self.clock = clock
        self.effects = effects    # where a delivery given up is told (the alerts channel); None: only logged
        self.environ = environ
        self._sessions = LazySession(limit=MAX_IN_FLIGHT)
        self.in_flight = 0
        self.in_flight_to: dict[str, int] = {}

    @property
    def handlers(self) -> dict[str, Callable[[Effect], Awaitable[dict | None]]]:
        return {"webhook.deliver": self.deliver}

    @property
    def failure_hooks(self) -> dict[str, Callable[[Effect, str], None]]:
        return {"webhook.deliver": self.given_up}

    def given_up(self, effect: Effect, reason: str) -> None:
        """A delivery is over without its receiver taking it: the people who run warroom hear of it in the
        alerts channel, once an hour at most per webhook (a dead receiver fails every delivery)."""
        hook = self.webhooks.get(effect.payload.get("webhook", ""))
        if hook is None or self.effects is None:
            return
        with self.work():
            state = self.store.state(hook.name)
            if state is not None and state.disables(hook.url):
                return   # told when it was disabled; what was waiting for it fails quietly
            if self.store.tell_once(hook.name, hook.url, at=self.clock.time(), every=TELL_EVERY):
                self.effects.post("config:alerts", "webhooks.given_up",
                                  {"webhook": hook.name, "event": effect.payload.get("event"),
                                   "subject": effect.payload.get("subject"),
                                   "reason": reason.removeprefix(f"webhook {hook.name}: ")})

    async def close(self) -> None:
        await self._sessions.close()

    async def deliver(self, effect: Effect) -> dict | None:
        if self.in_flight >= MAX_IN_FLIGHT:   # nothing sent; the outbox row waits a moment, in its lane
            raise Busy("webhook deliveries at their limit", delay=0.2 + 0.3 * random.random())
        name = str(effect.payload.get("webhook", ""))
        if self.in_flight_to.get(name, 0) >= PER_WEBHOOK:   # its receiver is slow: its lanes wait, not the others'
            raise Busy(f"webhook {name}: {PER_WEBHOOK} deliveries under way", delay=2.0 + 3.0 * random.random(),
                       whole_kind=False)
        self.in_flight += 1
        self.in_flight_to[name] = self.in_flight_to.get(name, 0) + 1
        try:
            return await self._deliver(effect)
        finally:
            self.in_flight -= 1
            self.in_flight_to[name] -= 1

    async def _deliver(self, effect: Effect) -> dict | None:
        payload = effect.payload
        hook = self.webhooks.get(payload["webhook"])
        attempt = effect.attempts + 1
        started = self.clock.time()
        if hook is None:
            self._log(effect, attempt, started, 0.0, None, "no longer in warroom.yml", "failed", None)
            raise Permanent(f"webhook {payload['webhook']!r} is no longer configured")
        state = self.store.state(hook.name)
        if state is not None and state.disables(hook.url):   # nothing is sent to a receiver that said it is gone
            self._log(effect, attempt, started, 0.0, None, "disabled: the receiver answered 410 Gone", "failed", None)
            raise Permanent(f"webhook {hook.name} is disabled ({state.disabled_reason})")
        status, error, retry_after, elapsed = await self._post(hook.url, self.environ[hook.secret_env],
                                                              payload["message_id"], payload["body"].encode())
        if status is not None and 200 <= status < 300:
            self._log(effect, attempt, started, elapsed, status, None, "delivered", None)
            return {"status": status}
        if status is None:
            reason = error or "failed"
        else:
            reason = f"HTTP {status}: {error}" if error else f"HTTP {status}"
        if status == GONE:
            self._log(effect, attempt, started, elapsed, status, error, "failed", None)
            with self.work():
                self.store.disable(hook.name, hook.url, at=self.clock.time(), reason=reason)
                if self.effects is not None:
                    self.effects.post("config:alerts", "webhooks.disabled", {"webhook": hook.name, "reason": reason})
            log.warning("webhook.disabled", webhook=hook.name, about=payload["event"], reason=reason)
            raise Permanent(f"webhook {hook.name}: {reason}; disabled until an incident manager enables it")
        earlier = self.store.statuses(payload["webhook"], payload["message_id"]) if effect.attempts else []
        if retry.gives_up([*earlier, status], effect.first_attempt_at or started, self.clock.time()):
            self._log(effect, attempt, started, elapsed, status, error, "failed", None)
            log.warning("webhook.given_up", webhook=hook.name, about=payload["event"], attempts=attempt, reason=reason)
            raise Permanent(f"webhook {hook.name}: {reason}")
        delay = retry.delay_after(attempt, retry_after=retry_after)
        self._log(effect, attempt, started, elapsed, status, error, "retry", self.clock.time() + delay)
        raise RetryLater(f"webhook {hook.name}: {reason}", delay)

    async def _post(self, url: str, secret: str, message_id: str,
                    body: bytes) -> tuple[int | None, str | None, float | None, float]:
        """(status, error, Retry-After, seconds taken); status None when no answer came."""
        timestamp = int(self.clock.time())
        headers = {"content-type": "application/json", "user-agent": "warroom-webhooks/1",
                   "webhook-id": message_id, "webhook-timestamp": str(timestamp),
                   "webhook-signature": sign(secret, message_id, timestamp, body)}
        began = time.monotonic()
        try:
            async with self._sessions.get().post(url, data=body, headers=headers, timeout=TIMEOUT,
                                         allow_redirects=False) as response:
                text = " ".join((await response.text(errors="replace")).split())[:SHOWN]
                ok = 200 <= response.status < 300
                return (response.status, None if ok else text or None, retry_after(response.headers),
                        time.monotonic() - began)
        except asyncio.TimeoutError:
            return None, "timed out", None, time.monotonic() - began
        except (aiohttp.ClientError, ConnectionError, OSError) as exc:
            return None, f"unreachable ({type(exc).__name__})", None, time.monotonic() - began

    def _log(self, effect: Effect, attempt: int, at: float, elapsed: float, status: int | None, error: str | None,
             outcome: str, retry_at: float | None) -> None:
        payload = effect.payload
        with self.work():
            self.store.record(webhook=payload["webhook"], message_id=payload["message_id"], event=payload["event"],
                              subject=payload["subject"], attempt=attempt, at=at, duration_ms=int(elapsed * 1000),
                              status_code=status, error=error, outcome=outcome, retry_at=retry_at)
