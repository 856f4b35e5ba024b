"""Secrets and paths come from the environment, never from the YAML file (it gets committed)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

SLACK_API_DEFAULT = "https://slack.com/api/"
_WHERE_BOT = (
    "create the app from manifest.yml at https://api.slack.com/apps, install it to your workspace, "
    "then copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions"
)
_WHERE_APP = (
    "in your app's settings open Basic Information > App-Level Tokens, generate a token with the "
    "connections:write scope and copy it (xapp-...)"
)


class EnvironmentError_(Exception):
    """A missing or malformed environment variable; the message names it and says where to get it."""


@dataclass(frozen=True)
class Environment:
    bot_token: str | None
    app_token: str | None
    api_url: str
    db_path: str
    config_path: str | None

    def __repr__(self) -> str:  # tokens must never reach a log line, even through a repr
        return (
            f"Environment(api_url={self.api_url!r}, db_path={self.db_path!r}, "
            f"config_path={self.config_path!r}, bot_token={'set' if self.bot_token else 'unset'}, "
            f"app_token={'set' if self.app_token else 'unset'})"
        )

    def require_tokens(self) -> tuple[str, str]:
        """Both tokens, checked for shape, or an error naming the variable and where to get it."""
        bot = _check_token("SLACK_BOT_TOKEN", self.bot_token, "xoxb-", _WHERE_BOT)
        app = _check_token("SLACK_APP_TOKEN", self.app_token, "xapp-", _WHERE_APP)
        return bot, app


def _check_token(name: str, value: str | None, prefix: str, where: str) -> str:
    if not value:
        raise EnvironmentError_(f"{name} is not set: {where}.")
    if not value.startswith(prefix) or len(value) < len(prefix) + 8 or any(c.isspace() for c in value):
        shown = value[:5] + "..." if len(value) > 5 else value
        raise EnvironmentError_(
            f"{name} does not look like a token (expected it to start with {prefix}, got {shown!r}): {where}."
        )
    return value


def load_environment(environ: Mapping[str, str] | None = None) -> Environment:
    env = os.environ if environ is None else environ
    api_url = env.get("SLACK_API_URL") or SLACK_API_DEFAULT
    if not api_url.startswith(("http://", "https://")):
        raise EnvironmentError_(
            f"SLACK_API_URL must be an http(s) URL like {SLACK_API_DEFAULT}, got {api_url!r}."
        )
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins base_url and method by plain concatenation
    return Environment(
        bot_token=env.get("SLACK_BOT_TOKEN") or None,
        app_token=env.get("SLACK_APP_TOKEN") or None,
        api_url=api_url,
        db_path=env.get("WARROOM_DB") or "./warroom.db",
        config_path=env.get("WARROOM_CONFIG") or None,
    )
