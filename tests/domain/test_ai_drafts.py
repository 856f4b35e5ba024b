"""AI drafts against a local fake endpoint (tests/fakes/openai.py): what a prompt holds and how it is
bounded, what of a private incident may go out, the postmortem's narrative (text, or None quickly), and
the ai.summarize effect's retries, refusals and once-only posts. Both engines, no Slack."""

from __future__ import annotations

import time

import pytest

from bot.actor import Actor
from bot.ai.drafts import AiDrafts
from bot.ai.prompt import Readable
from bot.effects.errors import RetryLater
from bot.effects.replies import ReplyTo
from bot.incidents.model import IncidentError
from bot.text import Texts
from kernel.incidents import Status
from tests.domain import conftest
from tests.domain.conftest import ALICE, BOB, CAROL, CONFIG, START
from tests.fakes.openai import FakeChatCompletions

KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(conftest.ENVIRON, "WARROOM_AI_KEY", KEY)
    server = FakeChatCompletions(KEY).start()
    yield server
    server.stop()


def ai_config(fake, **extra) -> str:
    keys = ", ".join(f"{k}: {v}" for k, v in {"base_url": f"'{fake.url}/v1'", "model": "warroom-test",
                                              "api_key_env": "WARROOM_AI_KEY", "timeout": "5s", **extra}.items())
    return CONFIG + f"ai: {{{keys}}}\n"


def drafts_for(rig) -> AiDrafts:
    names = {p.slack_id: p.name for p in rig.config.users}
    readable = Readable(name_of=lambda user: "@" + names.get(user, user), plain=lambda text: text)
    return AiDrafts(rig.config, rig.incident_store, rig.outbox, rig.domain.effects, rig.work, rig.clock,
                    Texts(None, rig.config.timezone), readable, conftest.ENVIRON)


def busy_incident(rig, *, private: bool = False):
    """Declared by alice, bob as scribe, an update, a note and what people said in the channel."""
    incident = rig.declare("Checkout errors", "sev2", by=ALICE, is_private=private)
    rig.incidents.assign_role(incident, Actor(ALICE), "scribe", BOB)
    rig.incidents.post_update(rig.incident(incident.id), Actor(ALICE), message="Rolling back deploy 4411",
                              status=Status.IDENTIFIED)
    rig.record.add_note(rig.incident(incident.id), Actor(BOB), "Error rate peaked at 12%")
    rig.timeline.add(rig.incident(incident.id), Actor(BOB), "08:55", "Customer reported 502s", zone="UTC")
    wrong = rig.timeline.add(rig.incident(incident.id), Actor(BOB), "08:56", "Blamed the CDN", zone="UTC")
    rig.timeline.delete(rig.incident(incident.id), Actor(BOB), f"e{wrong.id}")
    for n, (who, text) in enumerate([(BOB, "payments pods crash-looping since 09:02"),
                                     (CAROL, "customers in EU see 502 at checkout")]):
        rig.incident_store.add_event(incident.id, at=START.timestamp() + 60 * (n + 1), actor=who, kind="message",
                                     text=text, message_ts=f"{START.timestamp() + n:.6f}")
    return rig.incident(incident.id)


async def test_the_narrative_is_drafted_from_the_record_and_the_channel(make_rig, fake):
    rig = make_rig(ai_config(fake))
    incident = busy_incident(rig)
    fake.answer("At 09:00 checkout began failing. The team rolled back deploy 4411.")
    drafts = drafts_for(rig)
    try:
        assert await drafts.narrative(incident.id) == "At 09:00 checkout began failing. The team rolled back deploy 4411."
    finally:
        await drafts.close()
    [sent] = fake.received
    assert sent["model"] == "warroom-test" and sent["stream"] is False and sent["max_tokens"] > 0
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert "postmortem" in sent["messages"][0]["content"]
    prompt = sent["messages"][1]["content"]
    for expected in ("Incident #1: Checkout errors", "Severity: SEV2", "Status: Identified", "Commander: @alice",
                     "Scribe: @bob", "Rolling back deploy 4411", "Note by @bob: Error rate peaked at 12%",
                     "@bob: payments pods crash-looping since 09:02", "@carol: customers in EU see 502 at checkout",
                     "[08:55 UTC] Customer reported 502s (recorded by @bob)"):
        assert expected in prompt, f"{expected!r} not in the prompt:\n{prompt}"
    assert "Blamed the CDN" not in prompt, "an event deleted from the timeline is not in the record sent"
    assert ALICE not in prompt and BOB not in prompt, "people are named, not given by ID"
    assert KEY not in prompt


async def test_a_private_incident_goes_nowhere_unless_warroom_yml_lets_it(make_rig, fake):
    rig = make_rig(ai_config(fake))
    incident = busy_incident(rig, private=True)
    drafts = drafts_for(rig)
    try:
        assert await drafts.narrative(incident.id) is None
        with pytest.raises(IncidentError) as refused:
            rig.domain.summaries.request(incident, Actor(ALICE), ReplyTo(ALICE, "C1"))
        assert refused.value.code == "ai_private"
        assert fake.received == [], "nothing of a private incident was sent"
        assert rig.effects("ai.summarize") == []

        rig.restart(ai_config(fake, private_incidents="record"))
        drafts = drafts_for(rig)
        assert await drafts.narrative(incident.id) is not None
        [prompt] = fake.prompts()
        assert "Rolling back deploy 4411" in prompt and "Error rate peaked" in prompt, "the record is sent"
        assert "crash-looping" not in prompt and "502 at checkout" not in prompt, "what people said is not"
        assert "only its record is given" in prompt
    finally:
        await drafts.close()


async def test_a_failing_or_slow_endpoint_gives_no_narrative_quickly(make_rig, fake):
    rig = make_rig(ai_config(fake))
    incident = busy_incident(rig)
    drafts = drafts_for(rig)
    try:
        fake.refuse(500)
        assert await drafts.narrative(incident.id) is None
        fake.refuse(429, retry_after=30)
        assert await drafts.narrative(incident.id) is None, "the narrative is tried once, never waited for"
        fake.slow(3)
        started = time.monotonic()
        assert await drafts.narrative(incident.id, timeout=0.3) is None
        assert time.monotonic() - started < 1.5
    finally:
        await drafts.close()
    rig.restart(CONFIG)   # AI off
    assert await drafts_for(rig).narrative(incident.id) is None
    assert len(fake.received) == 3


async def test_a_long_channel_is_cut_to_the_newest_within_the_bound(make_rig, fake):
    rig = make_rig(ai_config(fake, max_prompt_chars=4000))
    incident = busy_incident(rig)
    with rig.work():
        for n in range(600):
            rig.incident_store.add_event(incident.id, at=START.timestamp() + 600 + n, actor=BOB, kind="message",
                                         text=f"message number {n} " + "x" * 40, message_ts=f"{2e9 + n:.6f}")
    prompt = drafts_for(rig).prompts.summary(rig.incident(incident.id), "all")
    text = "\n".join(m["content"] for m in prompt.messages)
    assert len(text) <= 4000
    assert "message number 599 " in text and "message number 0 " not in text
    assert 0 < prompt.channel_messages < 600 and prompt.left_out >= 602 - prompt.channel_messages
    assert f"({602 - prompt.channel_messages} earlier messages left out for length)" in text
    assert "Rolling back deploy 4411" in text, "the record's events keep their share"


async def test_a_summary_is_drafted_in_an_ai_lane_posted_once_and_retried_only_when_it_may_help(make_rig, fake):
    rig = make_rig(ai_config(fake, attempts=2))
    incident = busy_incident(rig)
    drafts = drafts_for(rig)
    asker = ReplyTo(BOB, "C1", "http://127.0.0.1:9/response")
    try:
        assert rig.domain.summaries.request(incident, Actor(BOB), asker) == "all"
        [effect] = rig.effects("ai.summarize")
        assert effect.lane.startswith("ai:") and effect.payload["requested_by"] == BOB
        mark = rig.mark()
        assert (await drafts.summarize(effect))["drafted"] is True
        assert await drafts.summarize(effect) == {"drafted": True, "characters": len(fake.reply)}
        [post] = rig.posts("incident.ai_summary", after=mark)
        assert post.payload["target"] == f"incident:{incident.id}", "a retry after a crash posts nothing twice"
        context = post.payload["context"]
        assert (context["text"], context["requested_by"], context["model"], context["scope"], context["messages"]) == \
            (fake.reply, BOB, "warroom-test", "all", 2)

        fake.refuse(429, times=2, retry_after=7)
        with pytest.raises(RetryLater) as retry:
            await drafts.summarize(effect)
        assert retry.value.delay == 7, "Retry-After is honoured"
        last_try = type(effect)(**{**effect.__dict__, "id": effect.id + 1000, "attempts": 1})
        mark = rig.mark()
        assert (await drafts.summarize(last_try))["drafted"] is False
        [told] = rig.replies("incident.ai_summary_failed", after=mark)
        assert told.payload["reply_to"] == asker.as_dict()
        assert told.payload["context"]["tries"] == 2 and "HTTP 429" in told.payload["context"]["reason"]

        fake.refuse(401)
        refused = type(effect)(**{**effect.__dict__, "id": effect.id + 2000})
        assert (await drafts.summarize(refused))["drafted"] is False, "a refusal is not retried"
        assert "HTTP 401" in rig.replies("incident.ai_summary_failed")[-1].payload["context"]["reason"]
    finally:
        await drafts.close()
