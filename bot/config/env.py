"""Secrets and paths come from the environment, never from the YAML file (it gets committed)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

SLACK_API_DEFAULT = "https://slack.com/api/"
_WHERE_BOT = (
    "create the app from manifest.yml at https://api.slack.com/apps, install it to your workspace, "
    "then copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions"
)
_WHERE_APP = (
    "in your app's settings open Basic Information > App-Level Tokens, generate a token with the "
    "connections:write scope and copy it (xapp-...)"
)


SLACK_ISSUER = "https://slack.com"


@dataclass(frozen=True)
class SlackSignInSettings:
    client_id: str
    client_secret: str
    issuer: str = SLACK_ISSUER

    def __repr__(self) -> str:   # the secret never reaches a log line
        return f"SlackSignInSettings(client_id={self.client_id!r}, issuer={self.issuer!r})"


def issuer_for(api_url: str) -> str:
    """Slack's issuer, or the one at SLACK_API_URL's origin when it is not Slack's (the sandbox)."""
    parts = urlsplit(api_url)
    if parts.netloc in ("slack.com", "www.slack.com"):
        return SLACK_ISSUER
    return f"{parts.scheme}://{parts.netloc}"


class EnvironmentError_(Exception):
    """A missing or malformed environment variable; the message names it and says where to get it."""


@dataclass(frozen=True)
class Environment:
    bot_token: str | None
    app_token: str | None
    api_url: str
    db_path: str
    config_path: str | None
    # Sign in with Slack for the web side (both or neither); Bolt must never see them (bot.app)
    slack_client_id: str | None = None
    slack_client_secret: str | None = None

    def __repr__(self) -> str:  # tokens must never reach a log line, even through a repr
        return (
            f"Environment(api_url={self.api_url!r}, db_path={self.db_path!r}, "
            f"config_path={self.config_path!r}, bot_token={'set' if self.bot_token else 'unset'}, "
            f"app_token={'set' if self.app_token else 'unset'})"
        )

    def slack_sign_in(self) -> SlackSignInSettings | None:
        """Sign in with Slack's app credentials, when both are set; the issuer follows SLACK_API_URL."""
        if not self.slack_client_id and not self.slack_client_secret:
            return None
        if not self.slack_client_id or not self.slack_client_secret:
            missing = "SLACK_CLIENT_SECRET" if self.slack_client_id else "SLACK_CLIENT_ID"
            raise EnvironmentError_(
                f"{missing} is not set, but its partner is: Sign in with Slack needs both, from your app's Basic "
                "Information page (App Credentials); unset both to sign in by warroom login-link only.")
        return SlackSignInSettings(self.slack_client_id, self.slack_client_secret, issuer_for(self.api_url))

    def require_tokens(self) -> tuple[str, str]:
        """Both tokens, checked for shape, or one error naming every problem and where to get it right."""
        problems = [problem for problem in (
            _token_problem("SLACK_BOT_TOKEN", self.bot_token, BOT_TOKEN),
            _token_problem("SLACK_APP_TOKEN", self.app_token, APP_TOKEN),
        ) if problem]
        if problems:
            raise EnvironmentError_(" ".join(problems))
        assert self.bot_token and self.app_token
        return self.bot_token, self.app_token


@dataclass(frozen=True)
class TokenKind:
    prefix: str
    shape: re.Pattern[str]
    typical_length: int     # real tokens are at least this long; a shorter one of another shape is cut
    what: str
    where: str


BOT_TOKEN = TokenKind("xoxb-", re.compile(r"^xoxb-\d+-\d+-[A-Za-z0-9]{16,}$"), 50, "the Bot User OAuth Token", _WHERE_BOT)
APP_TOKEN = TokenKind("xapp-", re.compile(r"^xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{16,}$"), 80, "an app-level token", _WHERE_APP)


def _token_problem(name: str, value: str | None, kind: TokenKind) -> str | None:
    """What is wrong with a token, said without showing it (it may be a real secret)."""
    if not value:
        return f"{name} is not set: {kind.where}."
    if value != value.strip():
        return f"{name} has a space or line break before or after it; set it again without one."
    other = APP_TOKEN if kind is BOT_TOKEN else BOT_TOKEN
    if value.startswith(other.prefix):
        return (f"{name} holds {other.what} ({other.prefix}...), but it needs {kind.what} ({kind.prefix}...): "
                "the two tokens look swapped.")
    if not value.startswith(kind.prefix):
        return f"{name} does not look like a token: it should start with {kind.prefix}; {kind.where}."
    if any(c.isspace() for c in value):
        return f"{name} has a space or line break inside it; copy the token again in one piece."
    if not kind.shape.match(value) and len(value) < kind.typical_length:  # a new format is Slack's to judge
        return (f"{name} starts like {kind.what} but is cut short or altered ({len(value)} characters); "
                f"copy the whole token again: {kind.where}.")
    return None


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
        slack_client_id=env.get("SLACK_CLIENT_ID") or None,
        slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
    )
