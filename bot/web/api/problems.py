"""What the API answers when a request cannot be done: a status and a sentence from templates/api/errors.j2.

The domain refuses with :class:`bot.errors.UserError` codes, as it does for Slack; this module says
which HTTP status each code is, so the statuses mean the same on every endpoint:

- 400: the request is wrong (its shape, a type, a value no rule accepts: a severity that does not exist)
- 401: no API key, or a wrong one
- 403: the key's person may not do this (not the commander, not in the incident, not paged for the alert)
- 404: no such thing, or a private incident the key's person is not in (its existence is private too)
- 409: it conflicts with the current state (resolving a resolved incident, a role someone already holds)
- 413, 415: a body too large, or not JSON
- 429: too many declarations in a minute
- 503: the database did not take it; nothing was recorded, send it again
"""

from __future__ import annotations

from typing import Any, Callable

import jinja2

from bot.errors import UserError
from bot.text import Texts

TEMPLATE = "api/errors"
SLACK_TEMPLATE = "errors"      # a domain code the API has no words of its own for is said as Slack says it

STATUS_OF_CODE: dict[str, int] = {
    **dict.fromkeys(("no_such_incident", "no_such_alert", "no_such_schedule", "no_such_page",
                     "no_such_followup", "private_incident"), 404),
    **dict.fromkeys(("commander_only", "not_in_channel", "alert_not_yours", "followup_not_yours",
                     "override_others", "override_not_listed", "confirm_not_yours", "ticket_not_yours"), 403),
    **dict.fromkeys(("incident_resolved", "same_severity", "same_role", "declared_already", "alert_not_pending",
                     "incident_open", "already_updated", "alert_already_declared", "followup_done_already",
                     "already_escalated", "page_not_active", "ticket_exists"), 409),
    "declaring_too_fast": 429,
}
BAD_INPUT = 400                # every other domain refusal is about what was asked: a value no rule takes

REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


class ApiError(Exception):
    """A refusal of the API's own (the key, the body, a parameter): ``code`` is a block of api/errors.j2."""

    def __init__(self, status: int, code: str, *, headers: dict[str, str] | None = None, close: bool = False,
                 reason: str = "-", **params: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.params = params
        self.headers = headers or {}
        self.close = close          # the connection is closed after the answer: the rest of the body is not read
        self.reason = reason        # for the log line only


def status_of(error: UserError) -> int:
    return STATUS_OF_CODE.get(error.code, BAD_INPUT)


class Problems:
    """Renders refusals: the API's block for a code when it has one, else the Slack text without its emoji."""

    def __init__(self, texts: Texts, name_of: Callable[[str], str]) -> None:
        self.texts = texts
        self.name_of = name_of
        self._blocks = texts.blocks(TEMPLATE)

    def has_words_for(self, code: str) -> bool:
        return code in self._blocks

    def text(self, code: str, params: dict[str, Any], caller: str | None) -> str:
        context = {"name": self._name, "caller": caller, **params}
        if code in self._blocks:
            return self.texts.plain(TEMPLATE, code, **context)
        try:
            said = self.texts.plain(SLACK_TEMPLATE, code, **context)
        except (KeyError, jinja2.TemplateError):
            return f"The request was refused ({code})."
        return said.split(": ", 1)[1] if said.startswith(":") and ": " in said else said

    def _name(self, user: str | None) -> str:
        return self.name_of(user).lstrip("@") if user else "nobody"
