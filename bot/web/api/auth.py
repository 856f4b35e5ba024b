"""Who is calling the API: an ``Authorization: Bearer <secret>`` header matched against the keys of
``api_keys:``, each acting as one Slack person with exactly that person's permissions."""

from __future__ import annotations

import hashlib
import hmac
from typing import Mapping

from bot.config.api_keys import ApiKey
from bot.logs import get_logger
from bot.web.api.problems import ApiError

log = get_logger("warroom.api")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="warroom"'}


def _digest(secret: str | bytes) -> bytes:
    # compared as digests: equal lengths, so the comparison's time tells nothing about the secret's length
    return hashlib.sha256(secret if isinstance(secret, bytes) else secret.encode("utf-8", "replace")).digest()


class Keyring:
    """The configured keys' secrets, read from the environment once when the API is mounted."""

    def __init__(self, keys: tuple[ApiKey, ...], environ: Mapping[str, str]) -> None:
        self._keys: list[tuple[ApiKey, bytes]] = []
        for key in keys:
            secret = environ.get(key.key_env)
            if not secret:   # checked at start; a variable unset since cannot be guessed either
                log.error("api.key_not_set", key=key.name, key_env=key.key_env)
                continue
            self._keys.append((key, _digest(secret)))
        self.configured = bool(keys)

    def __repr__(self) -> str:   # secrets never reach a log line, even through a repr
        return f"Keyring({', '.join(key.name for key, _ in self._keys)})"

    def identify(self, header: str | None) -> ApiKey:
        """The key the header carries, or the 401 that says what was wrong (never which keys exist); the
        connection is closed after it, so each guess costs a new one, as for webhook keys."""
        if not self.configured:
            raise ApiError(401, "no_keys_configured", headers=CHALLENGE, reason="no_keys", close=True)
        scheme, _, given = (header or "").strip().partition(" ")
        given = given.strip()
        if scheme.lower() != "bearer" or not given:
            raise ApiError(401, "no_key", headers=CHALLENGE, reason="missing", close=True)
        digest = _digest(given)
        found = None
        for key, expected in self._keys:    # every key is compared, so the time does not say which matched
            if hmac.compare_digest(digest, expected):
                found = key
        if found is None:
            raise ApiError(401, "wrong_key", headers=CHALLENGE, reason="wrong", close=True)
        return found
