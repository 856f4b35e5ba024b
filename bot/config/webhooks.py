"""The ``webhooks:`` section of warroom.yml: the team's own systems told about incidents and alerts.

    webhooks:
      - name: ops-bus
        url: https://hooks.example.com/warroom
        events: [incident.declared, incident.resolved, alert.created]   # or "*" for every event
        secret_env: WARROOM_WEBHOOK_OPS_BUS     # its signing secret, whsec_<base64> (Standard Webhooks)
        include_private: false                  # private incidents' events too (default: no)
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Mapping
from urllib.parse import urlsplit

from bot.config.oncall import secret_env
from bot.config.reader import Node
from kernel.webhooks import EVENTS, OutboundWebhook

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MIN_KEY_BYTES = 24          # Standard Webhooks: a secret of 24 to 64 random bytes
MAX_KEY_BYTES = 64


def parse_webhooks(node: Node, environ: Mapping[str, str]) -> tuple[OutboundWebhook, ...]:
    hooks: list[OutboundWebhook] = []
    for item in node.items():
        keys = item.mapping({"name", "url", "events", "secret_env", "include_private"},
                            required={"name", "url", "events", "secret_env"})
        name = keys["name"].required_string()
        if not _NAME.match(name):
            raise keys["name"].error(f"{name!r} must be lowercase letters, digits, - or _ (like ops-bus)")
        if any(h.name == name for h in hooks):
            raise keys["name"].error(f"{name!r} is listed twice")
        env_name = secret_env(keys["secret_env"], environ, needed_by="a webhook", key="secret_env",
                              secret="the webhook's signing secret (whsec_ and base64 of 24 to 64 random bytes)")
        _check_secret(keys["secret_env"], env_name, environ[env_name])
        hooks.append(OutboundWebhook(name, _url(keys["url"]), _events(keys["events"]), env_name,
                                     keys["include_private"].boolean(False)))
    return tuple(hooks)


def _url(node: Node) -> str:
    url = node.required_string(max_len=2000)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise node.error(f"{url!r} is not an http(s) URL, like https://hooks.example.com/warroom")
    if parts.username or parts.password:
        # warroom.yml gets committed; a receiver's credentials belong in its secret, not in its URL
        raise node.error("must not carry a user name or password; receivers verify the signature instead")
    return url


def _events(node: Node) -> frozenset[str]:
    given = node.string_list()
    if not given:
        raise node.error(f"must name at least one event, or \"*\" for all: {', '.join(EVENTS)}")
    if "*" in given:
        return frozenset(EVENTS)
    for index, event in enumerate(given):
        if event not in EVENTS:
            where = node if isinstance(node.value, str) else node.child(index, event)
            raise where.error(f"{event!r} is not an event; known events: {', '.join(EVENTS)}, or \"*\" for all")
    return frozenset(given)


def _check_secret(node: Node, env_name: str, secret: str) -> None:
    if secret.startswith("whsec_"):
        try:
            key = base64.b64decode(secret[len("whsec_"):], validate=True)
        except (binascii.Error, ValueError):
            raise node.error(f"environment variable {env_name} starts with whsec_ but the rest is not base64") from None
    else:
        key = secret.encode()
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise node.error(
            f"environment variable {env_name} holds a key of {len(key)} bytes; a signing secret needs "
            f"{MIN_KEY_BYTES} to {MAX_KEY_BYTES}. Make one with: python3 -c 'import base64, secrets; "
            "print(\"whsec_\" + base64.b64encode(secrets.token_bytes(32)).decode())'")
