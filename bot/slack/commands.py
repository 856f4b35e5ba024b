"""Slash commands: handled on the spot and answered on the ack, or, in a crowd, recorded, acked at once
and handled moments later.

Slack waits 3 s for a command's ack and never sends it again, so a command is on disk before its ack
either way. One at a time (the usual case) it is handled at once and its answer rides on the ack. When
many commands wait for their acks (everyone typing at the start of an outage, a script), handling each
in turn holds the last ack for the work of all those before it: on PostgreSQL fifty declares took about
200 ms. Then a command only records itself (one ``slack.command`` row in the outbox), is acked, and the
replica that acked it handles it just after: one command a turn of the loop and never ahead of an ack,
its work and the row's completion in one transaction, its answer recorded with them and sent through the
command's response_url (valid half an hour) as soon as it committed. Should that replica die first, the
effect runner of whichever replica sends does it, once. A channel's commands put off keep their order.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from slack_sdk.models.views import View

from bot.clock import Clock
from bot.effects.errors import Finished, Permanent, RetryLater
from bot.effects.runner import MAX_HOLD, without_secrets
from bot.effects.replies import ReplyTo
from bot.logs import get_logger
from bot.slack.answers import Answer, answer_later, error_reply, open_form, reply_to_of
from bot.slack.deps import Deps
from bot.slack.messaging import send_to_response_url
from bot.slack.pressure import AckPressure
from kernel.outbox import Effect
from storage.errors import StorageUnavailable
from storage.outbox import OutboxStore

log = get_logger("warroom.commands")

KIND = "slack.command"
# Other slash commands waiting for their acks at which a command is recorded and handled after its own
# ack: a few people typing at once are still answered on the ack. Where recording is cheap (SQLite:
# 0.3-0.6 ms a command) fifty are acked within 100 ms one after another, and none is put off.
CROWD = 4
# The replica that recorded a command handles it; the effect runner (any replica's) takes it only if it is
# still waiting this long after (that replica died): a lease's length.
HANDLED_HERE_WITHIN = 10.0
# A handled command's answer is recorded with its work and sent at once; the recorded copy goes through the
# outbox only if that one was not sent by then (Slack refused it, or the process died before).
ANSWER_STANDS_IN_AFTER = 10.0


@dataclass
class OpenModal:
    view: View


CommandResult = Answer | OpenModal | None
# What a command does: reads the body, calls the domain, returns what to tell the person (or a form).
CommandHandler = Callable[[Deps, dict[str, Any]], CommandResult]


def where_of(name: str, body: dict[str, Any]) -> str:
    """The command and its subcommand, for logs: ``/incident declare``."""
    words = (body.get("text") or "").split(None, 1)
    return f"{name} {words[0].lower()}" if words else name


class CommandInbox:
    def __init__(self, handlers: Mapping[str, CommandHandler], pressure: AckPressure, outbox: OutboxStore,
                 clock: Clock, *, owner: str, crowd: int | None = CROWD) -> None:
        """``crowd`` None: every command is handled on the spot."""
        self.handlers = dict(handlers)
        self.pressure = pressure
        self.outbox = outbox
        self.clock = clock
        self.owner = owner          # this replica: the effect runner's claims are in its name
        self.crowd = crowd
        self.deps: Deps | None = None   # set by the composition root once the listeners' deps exist
        # per channel, its commands put off here and not handled yet: while there are any, the channel's
        # next commands are put off too, so they are handled in the order they came
        self._put_off: Counter[str] = Counter()
        self._background: set[asyncio.Task] = set()   # answers on their way, forms opening
        self._one_at_a_time = asyncio.Lock()
        self._here: deque[tuple[int, str, dict[str, Any]]] = deque()   # recorded here, not handled yet
        self._worker: asyncio.Task | None = None

    def should_put_off(self, body: dict[str, Any]) -> bool:
        if self._put_off[_lane_of(body)]:
            return True
        return self.crowd is not None and self.pressure.other_commands_waiting() >= self.crowd

    def record(self, deps: Deps, name: str, body: dict[str, Any]) -> None:
        """Put the command in the outbox, to be handled after the ack: here, as soon as the acks allow, or by
        the effect runner of whichever replica sends if it is still waiting after ``HANDLED_HERE_WITHIN``
        (this process died)."""
        lane = _lane_of(body)
        stored = {key: value for key, value in body.items() if key != "token"}   # Slack's deprecated secret
        with deps.work():
            effect_id = deps.effects.do(KIND, {"command": name, "body": stored}, lane=f"command:{lane}",
                                        delay=HANDLED_HERE_WITHIN)
        self._put_off[lane] += 1
        self._here.append((int(effect_id), name, stored))
        self.pressure.owe()   # the effect runner goes after the answers owed, as after the acks
        if self._worker is None:
            self._worker = asyncio.create_task(self._handle_here(), name="commands-after-ack")

    async def _handle_here(self) -> None:
        """The commands this replica recorded, in the order they came."""
        try:
            while self._here:
                effect_id, name, body = self._here.popleft()
                payload = without_secrets({"command": name, "body": body})
                try:
                    await self._run(name, body, lambda effect_id=effect_id, payload=payload: self._take(effect_id,
                                                                                                         payload))
                except Finished:   # the runner got to it first (it waited too long here): it is done there
                    pass
                except Exception:   # the database is away: the effect runner takes it when it falls due
                    log.warning("command.left_to_runner", id=effect_id, exc_info=True)
                finally:
                    self._handled(body)
                    self.pressure.answered()
        finally:
            self._worker = None

    async def perform(self, effect: Effect) -> None:
        """The effect runner's handler: a command still waiting after ``HANDLED_HERE_WITHIN`` (the replica
        that recorded it died) is handled by whichever replica sends."""
        await self._run(effect.payload["command"], effect.payload["body"], lambda: self._complete(effect))
        raise Finished()

    async def _run(self, name: str, body: dict[str, Any], take: Callable[[], None]) -> None:
        """Handle a recorded command once: ``take`` marks its row done (or raises ``Finished``, claim lost)
        in the transaction of its work; then the person is answered at once, as the ack would have."""
        deps = self.deps
        assert deps is not None, "CommandInbox.deps is set before a command is recorded or performed"
        handler = self.handlers.get(name)
        if handler is None:
            raise Permanent(f"no handler for the slash command {name}")
        where = where_of(name, body)
        # One command's work a turn of the loop, and only once the requests read meanwhile were acked:
        # commands handled back to back would hold new ones' acks for all their work.
        async with self._one_at_a_time:
            await asyncio.sleep(0)   # behind what the socket brought in this turn
            await self.pressure.settled(MAX_HOLD)
            result, recorded = self._handle(deps, take, handler, body, where)
        # neither is waited for: the next command goes meanwhile
        if isinstance(result, OpenModal):
            self._in_background(open_form(deps, body, result.view, where=where), "command-form")
        elif result and recorded is not None:
            self._in_background(self._tell(deps, reply_to_of(body), result, int(recorded)), "command-answer")

    def _in_background(self, work: Any, name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _handle(self, deps: Deps, take: Callable[[], None], handler: CommandHandler, body: dict[str, Any],
                where: str) -> tuple[CommandResult, Any]:
        """The command's result, and the id of its answer recorded in the same transaction (sent at once
        by ``_tell``; the outbox sends it instead if this process dies before)."""
        try:
            with deps.work():
                take()    # first: another replica may have taken it over (then nothing changes)
                result = handler(deps, body)
                return result, self._recorded_answer(deps, body, result)
        except (Finished, RetryLater, Permanent):
            raise
        except StorageUnavailable as exc:   # nothing was recorded: try again in a moment
            raise RetryLater(f"the database could not take the command: {exc}", delay=1.0) from None
        except Exception as exc:            # a refusal or a bug: the person hears why, once
            answer = error_reply(deps, exc, where)
            with deps.work():
                take()
                return answer, self._recorded_answer(deps, body, answer)

    @staticmethod
    def _recorded_answer(deps: Deps, body: dict[str, Any], result: CommandResult) -> Any:
        if not isinstance(result, dict) or not result:
            return None
        return answer_later(deps, reply_to_of(body), result, delay=ANSWER_STANDS_IN_AFTER)

    async def _tell(self, deps: Deps, to: ReplyTo, answer: Answer, recorded: int) -> None:
        """Straight to the response_url, as an ack's answer goes; then its copy, recorded with the command's
        work, is marked done. Until then the copy stands in: when Slack does not take this one, or the
        process dies before the copy is marked, the outbox sends the copy once it falls due (after a kill
        the person may read the answer twice; never not at all)."""
        try:
            if not (to.response_url and await send_to_response_url(deps.api, to.response_url, answer) == 200):
                return
        except Exception as exc:
            log.info("command.answer_left_to_outbox", reason=f"{type(exc).__name__}: {exc}")
            return
        try:
            copy = self.outbox.get(recorded)
            if copy is not None:
                with deps.work():
                    self.outbox.take(recorded, self.clock.time(), payload=without_secrets(copy.payload),
                                     in_lane_order=False)   # sent already: whatever waits in its lane
        except Exception as exc:   # the database is away: the copy goes as well, when it falls due
            log.warning("command.answer_copy_kept", reason=f"{type(exc).__name__}: {exc}")

    async def close(self) -> None:
        """Let the commands queued here and the answers on their way finish, for a few seconds at most;
        what is left is recorded, and the effect runner does it when it falls due."""
        for tasks in ({self._worker} if self._worker is not None else set(), set(self._background)):
            if not tasks:
                continue
            _, late = await asyncio.wait(tasks, timeout=5.0)
            for task in late:   # what is left is recorded: the outbox does it when it falls due
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def _take(self, effect_id: int, payload: dict[str, Any]) -> None:
        if not self.outbox.take(effect_id, self.clock.time(), payload=payload):
            raise Finished(claim_lost=True)

    def _complete(self, effect: Effect) -> None:
        if not self.outbox.complete(effect, self.owner, self.clock.time(), payload=without_secrets(effect.payload)):
            raise Finished(claim_lost=True)

    def _handled(self, body: dict[str, Any]) -> None:
        lane = _lane_of(body)
        self._put_off[lane] -= 1
        if not self._put_off[lane]:
            del self._put_off[lane]


def _lane_of(body: dict[str, Any]) -> str:
    return body.get("channel_id") or body.get("user_id") or ""


def listen(app, deps: Deps, name: str, handler: CommandHandler) -> None:
    """The Bolt listener of one slash command. Registration touches nothing of ``deps``."""
    @app.command(name)
    async def slash_command(ack, body) -> None:
        where = where_of(name, body)
        try:
            inbox = deps.commands
            if inbox is not None and inbox.should_put_off(body):
                inbox.record(deps, name, body)
                await ack()
                return
            result = handler(deps, body)
        except Exception as exc:  # every failure becomes an answer, never a silent timeout
            await ack(**error_reply(deps, exc, where))
            return
        if isinstance(result, OpenModal):
            await ack()
            await open_form(deps, body, result.view, where=where)
        else:
            await ack(**(result or {}))
