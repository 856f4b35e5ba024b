"""ai: in warroom.yml: off unless given, what loads, and every wrong shape refused at start naming the key."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from bot.config import parse_config
from bot.config.reader import ConfigError

ENV = {"WARROOM_AI_KEY": "sk-test-0123456789"}


def load(text: str, environ: dict[str, str] | None = None):
    return parse_config(yaml.safe_load(text), "warroom.yml", ENV if environ is None else environ)


def test_off_by_default_and_nothing_of_a_private_incident_goes_out():
    ai = load("timezone: UTC").ai
    assert not ai.enabled and ai.may_send(False) is None and ai.may_send(True) is None
    on = load("ai: {base_url: 'https://api.openai.com/v1/', model: gpt-4o-mini, api_key_env: WARROOM_AI_KEY}").ai
    assert on.enabled and on.base_url == "https://api.openai.com/v1" and on.model == "gpt-4o-mini"
    assert on.api_key_env == "WARROOM_AI_KEY" and on.timeout == timedelta(seconds=30) and on.attempts == 3
    assert on.may_send(False) == "all" and on.may_send(True) is None, "private: an explicit opt-in"


def test_every_key_loads_and_private_incidents_are_opted_in_explicitly():
    ai = load("ai: {base_url: 'http://localhost:11434/v1', model: 'llama3.1:8b', timeout: 2m, attempts: 2,"
              " private_incidents: record, max_prompt_chars: 8000}", {}).ai
    assert ai.api_key_env is None, "a local model needs no key"
    assert (ai.timeout, ai.attempts, ai.max_prompt_chars) == (timedelta(minutes=2), 2, 8000)
    assert ai.may_send(True) == "record" and ai.may_send(False) == "all"
    assert load("ai: {base_url: 'http://x/v1', model: m, private_incidents: all}").ai.may_send(True) == "all"


@pytest.mark.parametrize("text, key, reason", [
    ("ai: on", "ai", "must be a mapping"),
    ("ai: {model: m}", "ai.base_url", "is required"),
    ("ai: {base_url: 'http://x/v1'}", "ai.model", "is required"),
    ("ai: {base_url: 'http://x/v1', model: m, key: sk-123}", "ai.key", "unknown key"),
    ("ai: {base_url: 'localhost:11434', model: m}", "ai.base_url", "is not an http(s) base URL"),
    ("ai: {base_url: 'https://api.openai.com/v1/chat/completions', model: m}", "ai.base_url",
     "already ends in /chat/completions"),
    ("ai: {base_url: 'http://x/v1', model: m, api_key_env: MISSING_AI_KEY}", "ai.api_key_env",
     "environment variable MISSING_AI_KEY is not set"),
    ("ai: {base_url: 'http://x/v1', model: m, api_key_env: 'sk-abc 123'}", "ai.api_key_env",
     "is not an environment variable name"),
    ("ai: {base_url: 'http://x/v1', model: m, timeout: fast}", "ai.timeout", "is not a duration"),
    ("ai: {base_url: 'http://x/v1', model: m, timeout: 10m}", "ai.timeout", "longer than 5 minutes"),
    ("ai: {base_url: 'http://x/v1', model: m, attempts: 0}", "ai.attempts", "between 1 and 5"),
    ("ai: {base_url: 'http://x/v1', model: m, private_incidents: yes}", "ai.private_incidents", "must be text"),
    ("ai: {base_url: 'http://x/v1', model: m, private_incidents: some}", "ai.private_incidents",
     "must be one of none, record, all"),
    ("ai: {base_url: 'http://x/v1', model: m, max_prompt_chars: 100}", "ai.max_prompt_chars", "between 2000"),
])
def test_wrong_ai_config_fails_at_start_naming_the_key(text, key, reason):
    with pytest.raises(ConfigError) as caught:
        load(text)
    assert caught.value.key == key and reason in caught.value.reason, str(caught.value)


def test_the_key_itself_is_never_in_the_config_or_its_errors():
    secret = ENV["WARROOM_AI_KEY"]
    config = load("ai: {base_url: 'http://x/v1', model: m, api_key_env: WARROOM_AI_KEY}")
    assert secret not in repr(config)
    with pytest.raises(ConfigError) as caught:
        load("ai: {base_url: 'http://x/v1', model: m, api_key_env: WARROOM_AI_KEY, attempts: 9}")
    assert secret not in str(caught.value)
