"""The ``ai:`` section of warroom.yml: optional AI drafts (``/incident summary``, the postmortem's
narrative) from an OpenAI-compatible chat-completions endpoint. Off unless the section is there.

    ai:
      base_url: https://api.openai.com/v1     # or http://localhost:11434/v1 (Ollama), a vLLM server...
      model: gpt-4o-mini
      api_key_env: WARROOM_AI_KEY             # the NAME of the variable holding the key
      timeout: 30s                            # one request, start to end
      attempts: 3                             # tries of one summary before the asker is told it failed
      private_incidents: none                 # none | record | all: what of a private incident may be sent
      max_prompt_chars: 24000                 # the most of the record and channel sent in one prompt

Only the name of the key's environment variable is here; its value is read when a request is made
and never logged. A local model (Ollama) needs no key: leave ``api_key_env`` out and no
Authorization header is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping
from urllib.parse import urlsplit

from bot.config.oncall import secret_env
from bot.config.reader import Node

# what of a private incident may leave warroom for the endpoint
PRIVATE_NOTHING = "none"      # nothing at all: /incident summary says so, the narrative is not drafted
PRIVATE_RECORD = "record"     # the record (title, status, roles, updates, key events), not what people said
PRIVATE_ALL = "all"           # the record and the channel's messages, as for a public incident
PRIVATE_CHOICES = (PRIVATE_NOTHING, PRIVATE_RECORD, PRIVATE_ALL)

DEFAULT_TIMEOUT = timedelta(seconds=30)
MAX_TIMEOUT = timedelta(minutes=5)


@dataclass(frozen=True)
class AiSettings:
    base_url: str = ""                  # empty: AI drafts are off
    model: str = ""
    api_key_env: str | None = None
    timeout: timedelta = DEFAULT_TIMEOUT
    attempts: int = 3
    private_incidents: str = PRIVATE_NOTHING
    max_prompt_chars: int = 24_000

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)

    def may_send(self, is_private: bool) -> str | None:
        """What of an incident may be sent: ``all`` (record and messages), ``record``, or None (nothing)."""
        if not self.enabled:
            return None
        if not is_private:
            return PRIVATE_ALL
        return None if self.private_incidents == PRIVATE_NOTHING else self.private_incidents


def parse_ai(node: Node, environ: Mapping[str, str]) -> AiSettings:
    if node.is_missing:
        return AiSettings()
    keys = node.mapping({"base_url", "model", "api_key_env", "timeout", "attempts", "private_incidents",
                         "max_prompt_chars"}, required={"base_url", "model"})
    key_env = None
    if not keys["api_key_env"].is_missing:
        key_env = secret_env(keys["api_key_env"], environ, needed_by="ai", secret="the endpoint's API key")
    timeout = keys["timeout"].duration(DEFAULT_TIMEOUT)
    assert timeout is not None
    if timeout > MAX_TIMEOUT:
        raise keys["timeout"].error(f"is longer than {int(MAX_TIMEOUT.total_seconds() // 60)} minutes; a summary "
                                    "people wait for longer than that is no catch-up")
    return AiSettings(
        base_url=_base_url(keys["base_url"]),
        model=keys["model"].required_string(max_len=200),
        api_key_env=key_env,
        timeout=timeout,
        attempts=keys["attempts"].integer(3, minimum=1, maximum=5),
        private_incidents=keys["private_incidents"].choice(PRIVATE_CHOICES, PRIVATE_NOTHING) or PRIVATE_NOTHING,
        max_prompt_chars=keys["max_prompt_chars"].integer(24_000, minimum=2_000, maximum=1_000_000),
    )


def _base_url(node: Node) -> str:
    url = node.required_string()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise node.error(f"{url!r} is not an http(s) base URL; give the part before /chat/completions, "
                         "like https://api.openai.com/v1 or http://localhost:11434/v1")
    if parts.path.rstrip("/").endswith("/chat/completions"):
        raise node.error(f"{url!r} already ends in /chat/completions; give the base URL without it "
                         "(warroom adds it), like https://api.openai.com/v1")
    return url.rstrip("/")
