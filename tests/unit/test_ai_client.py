"""What an OpenAI-compatible endpoint's answer means (bot/ai/client.py): each error shape OpenAI, vLLM and
Ollama send, which failures are worth another try and after how long, and what a usable answer is."""

from __future__ import annotations

import json

import pytest

from bot.ai.client import ChatFailure, parse_completion, refusal

KEY = "sk-secret-0123456789"


def error(message: str, code: str | None = None) -> str:
    return json.dumps({"error": {"message": message, "type": "x", "param": None, "code": code}})


@pytest.mark.parametrize("status, body, headers, reason, retryable, after", [
    (500, error("The server had an error"), {}, "HTTP 500: The server had an error", True, None),
    (503, "<html>Bad gateway</html>", {}, "HTTP 503: <html>Bad gateway</html>", True, None),
    (429, error("Rate limit reached", "rate_limit_exceeded"), {"Retry-After": "7"}, "HTTP 429: Rate limit reached", True, 7.0),
    (429, error("slow down"), {"retry-after-ms": "1500"}, "HTTP 429: slow down", True, 1.5),
    (429, error("slow down"), {"Retry-After": "3600"}, "HTTP 429: slow down", True, None),   # not waited for
    (429, error("You exceeded your current quota", "insufficient_quota"), {"Retry-After": "1"},
     "HTTP 429: You exceeded your current quota", False, None),
    (408, "", {}, "HTTP 408", True, None),
    (401, json.dumps({"error": "Unauthorized"}), {}, "HTTP 401: Unauthorized", False, None),          # vLLM
    (404, json.dumps({"object": "error", "message": "model not found", "code": 404}), {},              # old vLLM
     "HTTP 404: model not found", False, None),
    (400, error(f"Incorrect API key provided: {KEY}"), {}, "HTTP 400: Incorrect API key provided: [key]", False, None),
    (500, error("busy"), {"x-should-retry": "false"}, "HTTP 500: busy", False, None),
    (400, error("odd"), {"x-should-retry": "true"}, "HTTP 400: odd", True, None),
])
def test_refusals_say_why_and_whether_to_try_again(status, body, headers, reason, retryable, after):
    failure = refusal(status, body, headers, KEY)
    assert (failure.reason, failure.retryable, failure.retry_after) == (reason, retryable, after)


def completion(content, finish: str = "stop") -> str:
    return json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "m",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                    "finish_reason": finish}]})


def test_an_answer_is_its_first_choice_trimmed_and_never_carries_the_key():
    answer = parse_completion(completion(f"  • All fine, key {KEY}\n"), KEY)
    assert (answer.text, answer.finish_reason) == ("• All fine, key [key]", "stop")
    assert parse_completion(completion("cut here", "length"), KEY).finish_reason == "length"


@pytest.mark.parametrize("body, reason, retryable", [
    ("not json", "not a chat completion", False),
    (json.dumps({"choices": []}), "not a chat completion", False),
    (completion(None), "was empty", True),
    (completion("   "), "was empty", True),
    (completion("nope", "content_filter"), "content filter", False),
])
def test_an_unusable_answer_is_a_failure(body, reason, retryable):
    with pytest.raises(ChatFailure) as caught:
        parse_completion(body, KEY)
    assert reason in caught.value.reason and caught.value.retryable is retryable
