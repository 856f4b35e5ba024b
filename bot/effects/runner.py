"""Performs recorded effects: in lane order, concurrently across lanes, with retries and backoff.

The database says what must happen; this loop only makes it so. It can be killed at any moment:
an effect is claimed (a lease, committed, counted as an attempt) before its handler touches the
outside world, and a handler that sees ``effect.maybe_performed`` checks before repeating a
non-idempotent call. A claim is renewed while its handler runs; one whose holder died runs out and
another sender takes the effect over. Finishing checks the claim is still this runner's, so a frozen
replica that wakes up cannot complete work that was taken over.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, Awaitable, Callable, Mapping

from bot.clock import Clock
from bot.effects.errors import Busy, Finished, NotReady, Permanent, RetryLater
from bot.logs import get_logger
from kernel.outbox import Effect
from storage.errors import StorageUnavailable
from storage.outbox import OutboxStore

Handler = Callable[[Effect], Awaitable[dict | None]]
FailureHook = Callable[[Effect, str], Awaitable[None]]
# told how each attempt ended (done | retry | failed) with the handler's result: for counting, never for acting
FinishedHook = Callable[[Effect, str, "dict | None"], None]

log = get_logger("warroom.effects")

MAX_BACKOFF = 300.0
MAX_UNEXPECTED_ATTEMPTS = 6   # a bug in a handler must not retry forever
MAX_HOLD = 0.25              # acks go first, but effects are never held longer than this
MAX_NOT_READY_AGE = 1800.0    # what an effect waits for (a channel...) has surely failed by now
LEASE = 10.0                  # seconds a claimed effect is ours; renewed every third of it while it runs
BUSY_WAIT_AT_MOST = 15.0      # a kind told Busy is claimed again once one of it finishes here, or after this
DATABASE_RETRY = 1.0          # seconds before looking again when the database could not answer


class EffectRunner:
    def __init__(
        self,
        store: OutboxStore,
        handlers: Mapping[str, Handler],
        clock: Clock,
        *,
        concurrency: int = 16,
        on_failure: FailureHook | None = None,
        hold: Callable[[float], Awaitable[None]] | None = None,
        owner: str = "warroom",
        on_finished: FinishedHook | None = None,
    ) -> None:
        self.store = store
        self.on_finished = on_finished
        self.owner = owner
        self.handlers = dict(handlers)
        self.clock = clock
        self.concurrency = concurrency
        self.on_failure = on_failure
        # returns once no person waits for an answer (requests not yet acked), or after the seconds it is
        # given: new work waits so acks are never queued behind it, but never for longer than MAX_HOLD.
        self.hold = hold
        self._running: dict[int, asyncio.Task] = {}
        self._wake: asyncio.Event | None = None
        self._loop_task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._idle: asyncio.Event | None = None
        # kinds whose handler said Busy (its own limit of work at once is reached), and until when at most:
        # their rows are not claimed until one of that kind finishes here, instead of each being claimed and
        # put off again every moment (thousands of webhook deliveries while a receiver hangs)
        self._kinds_waiting: dict[str, float] = {}
        self._kind_of: dict[int, str] = {}    # the kind of each effect running here

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._loop_task = asyncio.create_task(self._main(), name="effect-runner")
        self._renew_task = asyncio.create_task(self._renew_claims(), name="effect-leases")

    def kick(self) -> None:
        """Something new was recorded; look now rather than at the next due time."""
        if self._loop is None or self._wake is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    @property
    def running(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    async def stop(self, grace: float = 5.0) -> None:
        self._stopping = True
        if self._wake:
            self._wake.set()
        for task in (self._loop_task, getattr(self, "_renew_task", None)):
            if task:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        tasks = list(self._running.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _main(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            await self._yield_to_people()
            self._wake.clear()
            # nothing here may end the loop: a runner that died while PostgreSQL restarted left its
            # replica holding the send lease with nobody sending, until a process restart
            try:
                self._dispatch_ready()
                timeout = self._sleep_for()
            except StorageUnavailable as exc:
                log.warning("effects.database_unavailable", error=str(exc))
                timeout = DATABASE_RETRY
            except Exception:
                log.error("effects.dispatch_failed", exc_info=True)
                timeout = DATABASE_RETRY
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    async def _yield_to_people(self) -> None:
        if self.hold is not None and not self._stopping:
            await self.hold(MAX_HOLD)

    def _waiting_kinds(self) -> tuple[str, ...]:
        now = self.clock.monotonic()
        for kind in [k for k, until in self._kinds_waiting.items() if until <= now]:
            del self._kinds_waiting[kind]
        return tuple(self._kinds_waiting)

    def _sleep_for(self) -> float:
        waiting = self._waiting_kinds()
        next_due = self.store.next_due_at(frozenset(self._running), waiting)
        if waiting:   # the fallback: look again when the first of them may be claimed anyway
            ends = min(self._kinds_waiting.values()) - self.clock.monotonic()
            next_due = min(next_due, self.clock.time() + ends) if next_due is not None else self.clock.time() + ends
        if next_due is None:
            return 5.0
        return min(5.0, max(0.0, next_due - self.clock.time()))

    def _dispatch_ready(self) -> None:
        free = self.concurrency - len(self._running)
        if free <= 0:
            return
        now = self.clock.time()
        for effect in self.store.claim(now, self.owner, now + LEASE, free, self._waiting_kinds()):
            self._kind_of[effect.id] = effect.kind
            task = asyncio.create_task(self._perform(effect), name=f"effect-{effect.id}-{effect.kind}")
            self._running[effect.id] = task

    async def _renew_claims(self) -> None:
        """Keep the effects still running ours: a handler waiting on Slack may outlast one lease."""
        while not self._stopping:
            await asyncio.sleep(LEASE / 3)
            try:
                self.store.renew(list(self._running), self.owner, self.clock.time() + LEASE)
            except Exception:  # the database is away: the claims may run out, and another takes over
                log.warning("effects.renew_failed", exc_info=True)

    async def _perform(self, effect: Effect) -> None:
        handler = self.handlers.get(effect.kind)
        busy = False
        try:
            # claimed together, started one by one: a burst of requests that came in since the claim
            # is acked first (a handler runs on the loop that acks until its first wait)
            await self._yield_to_people()
            if handler is None:
                raise Permanent(f"no handler for effect kind {effect.kind!r}")
            result = await handler(effect)
            self._completed(effect, self.store.complete(effect, self.owner, self.clock.time(), result), result)
        except Finished as exc:   # the handler completed the effect in the transaction of its work
            self._completed(effect, not exc.claim_lost, None, secrets_forgotten=True)
        except NotReady as exc:
            if self.clock.time() - effect.created_at > MAX_NOT_READY_AGE:
                await self._give_up(effect, f"gave up waiting: {exc}")
            else:
                self.store.retry_later(effect, self.owner, self.clock.time() + exc.delay, str(exc),
                                       counts_as_attempt=False)
        except Busy as exc:
            self.store.retry_later(effect, self.owner, self.clock.time() + exc.delay, str(exc), counts_as_attempt=False)
            busy = True
            if exc.whole_kind and any(kind == effect.kind for other, kind in self._kind_of.items() if other != effect.id):
                self._kinds_waiting[effect.kind] = self.clock.monotonic() + BUSY_WAIT_AT_MOST
        except RetryLater as exc:
            delay = exc.delay if exc.delay is not None else _backoff(effect.attempts)
            log.warning("effect.retry", id=effect.id, kind=effect.kind, reason=exc.reason, retry_in=round(delay, 2),
                        attempt=effect.attempts + 1)
            self.store.retry_later(effect, self.owner, self.clock.time() + delay, exc.reason)
            self._finished(effect, "retry", None)
        except Permanent as exc:
            await self._give_up(effect, exc.reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or a database gone away: retry a few times, then give up loudly
            log.error("effect.crashed", exc_info=True, id=effect.id, kind=effect.kind, attempt=effect.attempts + 1)
            try:
                if effect.attempts + 1 >= MAX_UNEXPECTED_ATTEMPTS:
                    await self._give_up(effect, f"{type(exc).__name__}: {exc}")
                else:
                    self.store.retry_later(effect, self.owner, self.clock.time() + _backoff(effect.attempts), repr(exc))
            except Exception:  # the claim runs out and the effect is tried again then
                log.warning("effect.release_failed", id=effect.id)
        finally:
            self._running.pop(effect.id, None)
            self._kind_of.pop(effect.id, None)
            if not busy and effect.kind in self._kinds_waiting:
                del self._kinds_waiting[effect.kind]   # one of its kind is done: a slot is free
            if self._wake:
                self._wake.set()

    def _completed(self, effect: Effect, ours: bool, result: dict | None, *, secrets_forgotten: bool = False) -> None:
        """``ours``: the completion was this claim's; False when the lease ran out and another sender
        took the effect over (then this attempt's end changes nothing)."""
        if not ours:
            log.warning("effect.claim_lost", id=effect.id, kind=effect.kind, attempt=effect.attempts + 1)
            return
        if not secrets_forgotten:
            self._forget_secrets(effect)
        log.debug("effect.done", id=effect.id, kind=effect.kind, attempts=effect.attempts + 1)
        self._finished(effect, "done", result)

    def _forget_secrets(self, effect: Effect) -> None:
        """A response_url lets whoever holds it post as the app for half an hour: once the effect is
        finished the outbox (kept a week as history) no longer needs it."""
        kept = without_secrets(effect.payload)
        if kept != effect.payload:
            self.store.replace_payload(effect.id, kept)

    async def _give_up(self, effect: Effect, reason: str) -> None:
        failed = self.store.fail(effect, self.owner, self.clock.time(), reason)
        if not failed:
            log.warning("effect.claim_lost", id=effect.id, kind=effect.kind, attempt=effect.attempts + 1)
            return
        for effect_id in failed:  # what depended on it is failed too, and forgets its secrets as well
            gone = effect if effect_id == effect.id else self.store.get(effect_id)
            if gone is not None:
                self._forget_secrets(gone)
        log.error("effect.failed", id=effect.id, kind=effect.kind, reason=reason, also_failed=len(failed) - 1)
        self._finished(effect, "failed", None)
        if self.on_failure:
            try:
                await self.on_failure(effect, reason)
            except Exception:
                log.error("effect.failure_hook_failed", exc_info=True, id=effect.id)

    def _finished(self, effect: Effect, outcome: str, result: dict | None) -> None:
        if self.on_finished is not None:
            try:
                self.on_finished(effect, outcome, result)
            except Exception:
                log.warning("effect.finished_hook_failed", exc_info=True, id=effect.id)

    async def drain(self, timeout: float = 10.0, horizon: float = 2.0) -> bool:
        """Wait until nothing runs and nothing is due within ``horizon`` seconds (tests, benchmarks)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if not self._running and not self.store.ready(self.clock.time() + horizon, limit=1):
                return True
            await asyncio.sleep(0.02)   # each look is a query on the loop that answers Slack
        return False


SECRET_KEYS = frozenset({"response_url"})


def without_secrets(payload: dict[str, Any]) -> dict[str, Any]:
    """What a finished effect keeps of its payload (for a handler that completes it itself: ``Finished``)."""
    return _without(payload, SECRET_KEYS)


def _without(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_without(v, keys) for v in value]
    return value


def _backoff(attempts: int) -> float:
    base = min(MAX_BACKOFF, 0.5 * (2 ** min(attempts, 10)))
    return base * (0.8 + random.random() * 0.4)
