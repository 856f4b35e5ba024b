"""AI drafts, performed: the ``ai.summarize`` effect (a catch-up summary posted in the incident's channel)
and :meth:`AiDrafts.narrative` (the postmortem's narrative, for the postmortem's own effect to call).

A summary is drafted in one of the AI lanes (bot.incidents.summaries.ai_lane), so a slow or failing
endpoint holds only other summaries. A passing failure (timeout, 429, 5xx, network) is retried by the
effect runner with backoff, honouring Retry-After, up to ``ai.attempts`` tries; then, or at once for a
refusal (401, 404, a bad answer), the asker is told privately that it could not be drafted. What is
posted or said is recorded in a lane named after the effect, so a retry after a crash never says it twice.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Mapping

from bot.ai.client import ChatCompletions, ChatFailure
from bot.ai.prompt import PromptMaker, Readable
from bot.clock import Clock
from bot.config import Config
from bot.effects.errors import RetryLater
from bot.effects.outbox import Effects
from bot.effects.replies import ReplyTo
from bot.incidents.summaries import SUMMARIZE
from bot.logs import get_logger
from bot.text import Texts
from bot.work import Work
from kernel.outbox import Effect
from storage.incidents import IncidentStore
from storage.outbox import OutboxStore

log = get_logger("warroom.ai")

SUMMARY_TOKENS = 700         # about 8 bullet lines; the post stays within a few Slack sections
NARRATIVE_TOKENS = 1_500
MAX_NARRATIVE = 12_000       # characters kept of a narrative

# what the postmortem's effect is handed (``AiDrafts.narrative``): incident id -> the narrative, or None
DraftNarrative = Callable[[int], Awaitable["str | None"]]


class AiDrafts:
    def __init__(self, config: Config, store: IncidentStore, outbox: OutboxStore, effects: Effects, work: Work,
                 clock: Clock, texts: Texts, readable: Readable, environ: Mapping[str, str]) -> None:
        self.config = config
        self.settings = config.ai
        self.store = store
        self.outbox = outbox
        self.effects = effects
        self.work = work
        self.client = ChatCompletions(config.ai, environ)
        self.prompts = PromptMaker(store, texts, config, clock, readable)

    @property
    def handlers(self) -> dict[str, Callable[[Effect], Any]]:
        return {SUMMARIZE: self.summarize}

    @property
    def failure_hooks(self) -> dict[str, Callable[[Effect, str], None]]:
        """The runner gave up on an effect (a bug crashed it again and again): the asker still hears."""
        return {SUMMARIZE: lambda effect, reason: self._tell_failed(effect, "crashed")}

    async def close(self) -> None:
        await self.client.close()

    # ai.summarize ------------------------------------------------------------------------------
    async def summarize(self, effect: Effect) -> dict:
        incident = self.store.get(int(effect.payload["incident"]))
        if incident is None:
            return {"drafted": False, "reason": "no such incident"}
        scope = self.settings.may_send(incident.is_private)
        if scope is None:   # warroom.yml changed since it was asked (a restart with AI off, say)
            self._tell_failed(effect, "not allowed by warroom.yml now")
            return {"drafted": False, "reason": "not allowed"}
        prompt = self.prompts.summary(incident, scope)
        try:
            completion = await self.client.complete(prompt.messages, max_tokens=SUMMARY_TOKENS)
        except ChatFailure as exc:
            tries = effect.attempts + 1
            if exc.retryable and tries < self.settings.attempts:
                raise RetryLater(f"ai: {exc.reason}", exc.retry_after) from None
            self._tell_failed(effect, exc.reason, tries=tries)
            return {"drafted": False, "reason": exc.reason}
        context = {"incident": incident.id, "text": completion.text, "requested_by": effect.payload["requested_by"],
                   "model": self.settings.model, "scope": scope, "messages": prompt.channel_messages,
                   "left_out": prompt.left_out, "cut": completion.finish_reason == "length"}
        lane = f"ai:summary:{effect.id}"
        self._once(lane, lambda: self.effects.post(f"incident:{incident.id}", "incident.ai_summary", context,
                                                   lane=lane))
        return {"drafted": True, "characters": len(completion.text)}

    def _tell_failed(self, effect: Effect, reason: str, *, tries: int = 0) -> None:
        lane = f"ai:failed:{effect.id}"
        to = ReplyTo.from_dict(effect.payload["reply_to"])
        self._once(lane, lambda: self.effects.reply(
            to, "incident.ai_summary_failed", {"incident": int(effect.payload["incident"]), "reason": reason,
                                               "tries": tries}, lane=lane))

    def _once(self, lane: str, record: Callable[[], object]) -> None:
        """Record in ``lane`` unless something already was: an effect retried after a crash between
        recording and finishing must not post twice."""
        with self.work(serialize=lane):
            if not self.outbox.lane_used(lane):
                record()

    # the postmortem's narrative ------------------------------------------------------------------
    async def narrative(self, incident_id: int, *, timeout: float | None = None) -> str | None:
        """A drafted narrative of what happened in incident ``incident_id`` (Markdown paragraphs), or None
        when AI drafts are off, when the incident is private and warroom.yml does not let it out, or when
        the endpoint fails or takes longer than ``timeout`` seconds (default ``ai.timeout``). Tried once,
        never retried and never raising: a postmortem without its narrative is still a postmortem."""
        incident = self.store.get(incident_id)
        if incident is None:
            return None
        scope = self.settings.may_send(incident.is_private)
        if scope is None:
            return None
        try:
            prompt = self.prompts.narrative(incident, scope)
            completion = await self.client.complete(prompt.messages, max_tokens=NARRATIVE_TOKENS, timeout=timeout)
        except ChatFailure:
            return None     # the client logged why
        except Exception:
            log.error("ai.narrative_failed", exc_info=True, incident=incident_id)
            return None
        text = completion.text
        return text if len(text) <= MAX_NARRATIVE else text[: MAX_NARRATIVE - 1].rstrip() + "…"
