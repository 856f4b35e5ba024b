"""The AI prompt's bound (bot/ai/prompt.py), over records and channels of any size: never longer than
ai.max_prompt_chars, the newest messages kept in time order, and what was left out counted."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ai.prompt import MAX_MESSAGES, PromptMaker, Readable
from bot.clock import Clock
from bot.config import Config
from bot.config.ai import AiSettings
from bot.text import Texts
from kernel.incidents import Incident, Status, TimelineEvent

T0 = 1_772_442_000.0


class RecordOnly:
    """The reads PromptMaker makes of IncidentStore, over lists (newest last)."""

    def __init__(self, events: list[TimelineEvent], messages: list[TimelineEvent]) -> None:
        self.events, self.messages = events, messages

    def latest_events(self, incident_id, *, messages, limit, leaving_out=frozenset()):
        chosen = self.messages if messages else [e for e in self.events if e.kind not in leaving_out]
        return chosen[::-1][:limit]

    def count_events(self, incident_id, *, messages, leaving_out=frozenset()):
        return len(self.latest_events(incident_id, messages=messages, limit=10**9, leaving_out=leaving_out))

    def roles(self, incident_id):
        return {"commander": "U1", "scribe": "U2"}

    def followups(self, incident_id, *, open_only=False):
        return []


def event(n: int, kind: str, text: str) -> TimelineEvent:
    return TimelineEvent(n, 1, T0 + n, "U1", kind, text, {"status": "identified"} if kind == "update" else {}, False)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 600), st.integers(0, 1500), st.integers(0, 500), st.integers(0, 3000),
       st.integers(2_000, 40_000), st.sampled_from(["all", "record"]), st.integers(0, 3000))
def test_a_prompt_stays_within_its_bound_and_keeps_the_newest(messages, message_length, events, event_length,
                                                              limit, scope, description):
    said = [event(10_000 + n, "message", f"m{n}|" + "x" * message_length) for n in range(messages)]
    record = [event(n, "update" if n % 2 else "joined", f"e{n}|" + "y" * event_length) for n in range(events)]
    config = replace(Config(), ai=AiSettings(base_url="http://x/v1", model="m", max_prompt_chars=limit))
    incident = Incident(1, "Checkout errors " + "t" * 130, "d" * description, "SEV2", Status.IDENTIFIED, "U1", "U1",
                        T0, None, scope == "record", "incident-1", "C1", None, None, None, None, T0, None, {}, T0)
    maker = PromptMaker(RecordOnly(record, said), Texts(), config, Clock(),  # type: ignore[arg-type]
                        Readable(name_of=lambda user: "@" + user.lower(), plain=lambda text: text))
    prompt = maker.summary(incident, scope)
    text = "".join(m["content"] for m in prompt.messages)
    assert len(text) <= limit
    kept = [n for n in range(messages) if f"] @u1: m{n}|" in text]
    if scope == "record":
        assert kept == [] and prompt.channel_messages == 0
    else:
        assert kept == list(range(messages - len(kept), messages)), "the newest, none skipped"
        assert prompt.channel_messages == len(kept)
        if len(kept) < messages:
            assert f"({messages - len(kept)} earlier messages left out for length)" in text
    assert "e0|" not in text and "e2|" not in text, "quiet events (who joined) are never sent"
    assert len(kept) <= MAX_MESSAGES
