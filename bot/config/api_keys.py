"""The ``api_keys:`` section of warroom.yml: who may call the JSON API (/api/v1/) and as whom.

    api_keys:
      - {name: ci, key_env: WARROOM_API_KEY_CI, user: alice}

A key acts as one Slack person (a name under ``users:`` or a Slack user ID) with exactly that person's
permissions. Its secret is read from the environment variable ``key_env`` names, as a webhook source's.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping

from bot.config.oncall import People, secret_env
from bot.config.reader import Node

_KEY_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MIN_SECRET = 20     # characters: anything shorter can be guessed over the network


@dataclass(frozen=True)
class ApiKey:
    name: str        # how logs and the timeline name the key (never its secret)
    key_env: str     # the environment variable holding the secret
    user: str        # the Slack user ID it acts as


def parse_api_keys(node: Node, people: People, environ: Mapping[str, str] | None = None) -> tuple[ApiKey, ...]:
    env = os.environ if environ is None else environ
    keys: list[ApiKey] = []
    for item in node.items():
        fields = item.mapping({"name", "key_env", "user"}, required={"name", "key_env", "user"})
        name = fields["name"].required_string()
        if not _KEY_NAME.match(name):
            raise fields["name"].error(f"{name!r} must be lowercase letters, digits, - or _ (like ci or deploy-bot)")
        if any(k.name == name for k in keys):
            raise fields["name"].error(f"{name!r} is listed twice")
        key_env = secret_env(fields["key_env"], env, needed_by="an API key", secret="the key's secret")
        secret = env[key_env]
        if len(secret) < MIN_SECRET:
            raise fields["key_env"].error(
                f"environment variable {key_env} holds {len(secret)} characters; an API key needs at least "
                f"{MIN_SECRET} so it cannot be guessed. Make one with: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'")
        for other in keys:
            if other.key_env == key_env or env[other.key_env] == secret:
                raise fields["key_env"].error(
                    f"key {name!r} has the same secret as key {other.name!r}; each key needs its own, so that "
                    "warroom knows who is calling")
        keys.append(ApiKey(name, key_env, people.resolve(fields["user"])))
    return tuple(keys)
