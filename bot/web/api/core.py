"""What every endpoint handler reaches: the domain, the keys, how people and times are written."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any, Mapping

from bot.actor import Actor
from bot.config.api_keys import ApiKey
from bot.text import Texts
from bot.web.api.auth import Keyring
from bot.web.api.endpoint import Refusals
from bot.web.api.problems import ApiError, Problems
from bot.web.context import WebContext

# shapes every part of the document uses (the endpoints' own are next to them)
PERSON = {"type": "object", "description": "A Slack user.", "additionalProperties": False,
          "required": ["id", "name"],
          "properties": {"id": {"type": "string", "description": "The Slack user ID, like U012ABCDEF."},
                         "name": {"type": "string", "description": "Their Slack name (the ID when warroom "
                                                                   "has not looked them up yet)."}}}
TIME = {"type": "string", "format": "date-time", "description": "An instant, in UTC (RFC 3339)."}


def nullable(schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    """``schema`` or null (OpenAPI 3.1 writes it as a JSON Schema ``anyOf``)."""
    found: dict[str, Any] = {"anyOf": [schema, {"type": "null"}]}
    if description:
        found["description"] = description
    return found


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


class Api:
    def __init__(self, ctx: WebContext, environ: Mapping[str, str] = os.environ) -> None:
        self.ctx = ctx
        self.config = ctx.config
        self.domain = ctx.domain
        self.keyring = Keyring(ctx.config.api_keys, environ)
        self.problems = Problems(Texts(ctx.config.templates, ctx.config.timezone), ctx.name_of)
        self.refusals = Refusals()

    def actor(self, user: str) -> Actor:
        return self.ctx.actor(user)

    def refusal(self, code: str, params: dict[str, Any], key: ApiKey | None) -> dict[str, Any]:
        return {"ok": False, "error": self.problems.text(code, params, key.user if key else None), "code": code}

    def person(self, user: str | None) -> dict[str, str] | None:
        if not user:
            return None
        return {"id": user, "name": self.ctx.name_of(user).lstrip("@")}

    def user_ref(self, given: str) -> str:
        """A person as a request names them: a Slack user ID, or a name listed under users."""
        user = self.config.user_ref(given)
        if user is None:
            raise ApiError(400, "not_a_user", given=given)
        return user


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()
