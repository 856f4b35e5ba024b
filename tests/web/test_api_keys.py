"""API keys in warroom.yml: refused at start with the file, key and reason when wrong; and every refusal
the API can say has its words in templates/api/errors.j2."""

from __future__ import annotations

import re

import pytest

from bot.config import parse_config
from bot.config.reader import ConfigError
from bot.text import Texts
from bot.web.api.problems import STATUS_OF_CODE
from harness import ROOT

ENV = {"KEY_A": "a" * 32, "KEY_B": "b" * 32, "SHORT": "abc"}
USERS = [{"slack_id": "U0AAAAAAA", "name": "alice"}]


def config(keys):
    return parse_config({"users": USERS, "api_keys": keys}, "warroom.yml", ENV)


def test_a_key_acts_as_a_listed_name_or_a_slack_id():
    keys = config([{"name": "ci", "key_env": "KEY_A", "user": "alice"},
                   {"name": "deploy-bot", "key_env": "KEY_B", "user": "U0BBBBBBB"}]).api_keys
    assert [(k.name, k.key_env, k.user) for k in keys] == [("ci", "KEY_A", "U0AAAAAAA"),
                                                          ("deploy-bot", "KEY_B", "U0BBBBBBB")]
    assert "a" * 32 not in repr(keys), "the config holds where the secret is, never the secret"


@pytest.mark.parametrize("keys, where, reason", [
    ([{"name": "ci", "user": "alice"}], "api_keys[0].key_env", "is required"),
    ([{"name": "ci", "key_env": "NOT_SET", "user": "alice"}], "api_keys[0].key_env",
     "environment variable NOT_SET is not set; set it to the key's secret"),
    ([{"name": "ci", "key_env": "not a name", "user": "alice"}], "api_keys[0].key_env",
     "is not an environment variable name"),
    ([{"name": "ci", "key_env": "SHORT", "user": "alice"}], "api_keys[0].key_env",
     "holds 3 characters; an API key needs at least 20"),
    ([{"name": "ci", "key_env": "KEY_A", "user": "zed"}], "api_keys[0].user", "'zed' is not one of the users"),
    ([{"name": "CI!", "key_env": "KEY_A", "user": "alice"}], "api_keys[0].name", "must be lowercase letters"),
    ([{"name": "ci", "key_env": "KEY_A", "user": "alice"}, {"name": "ci", "key_env": "KEY_B", "user": "alice"}],
     "api_keys[1].name", "'ci' is listed twice"),
    ([{"name": "ci", "key_env": "KEY_A", "user": "alice"}, {"name": "cd", "key_env": "KEY_A", "user": "alice"}],
     "api_keys[1].key_env", "has the same secret as key 'ci'"),
    ([{"name": "ci", "key_env": "KEY_A", "user": "alice", "scopes": ["read"]}], "api_keys[0].scopes",
     "unknown key"),
    ({"name": "ci"}, "api_keys", "must be a list"),
])
def test_a_wrong_key_is_refused_at_start_naming_it(keys, where, reason):
    with pytest.raises(ConfigError) as refused:
        config(keys)
    assert refused.value.key == where and reason in refused.value.reason, refused.value


def test_webhook_sources_keep_their_key_env_refusals():
    with pytest.raises(ConfigError) as refused:
        parse_config({"escalation_policies": [{"name": "p", "levels": [{"notify": ["user:U0AAAAAAA"]}]}],
                      "alert_sources": [{"name": "hook", "type": "webhook", "escalation_policy": "p"}]}, "f", {})
    assert refused.value.key == "alert_sources[0].key_env" and "a webhook source needs key_env" in str(refused.value)


def test_every_refusal_the_api_raises_has_its_words_and_no_words_are_left_over():
    source = "\n".join(p.read_text() for p in (ROOT / "bot" / "web" / "api").glob("*.py"))
    raised = set(re.findall(r'ApiError\(\s*(?:\d+|BAD),\s*"(\w+)"', source))
    raised |= set(re.findall(r'refusal\(\s*"(\w+)"', source))
    blocks = Texts().blocks("api/errors")
    assert raised and raised <= blocks, raised - blocks
    slack = Texts().blocks("errors")
    assert blocks - raised <= slack, f"blocks nobody raises: {blocks - raised - slack}"
    assert set(STATUS_OF_CODE) <= slack, "every mapped domain code is one the domain has words for"
