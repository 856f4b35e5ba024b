"""Checking what people write for an incident: trimmed, within limits, refused with how to fix it."""

from __future__ import annotations

from bot.incidents.model import IncidentError
from kernel.text import strip_invisible, unescape_mrkdwn

# the form field each kind of text comes from, so a modal shows the refusal under the right input
FIELDS = {"title": "title", "description": "description", "update": "message", "note": "note",
          "follow-up": "followup", "summary": "summary", "root cause": "root_cause", "mitigation": "mitigation",
          "reason": "reason"}


def clean_text(text: str | None, what: str, max_len: int, *, required: bool = True) -> str:
    """Trim and check user text; the error says what was wrong and how to write it right."""
    value = strip_invisible(text or "")
    value = " ".join(value.split()) if what in ("title", "link title") else value.strip()
    field = FIELDS.get(what)
    if required and not value:
        raise IncidentError("empty_text", field=field, what=what)
    if len(value) > max_len:
        # free text is kept as Slack writes it (& < > as &amp; &lt; &gt;): say so when that is what made it long
        typed = len(value) if what in ("title", "link title") else len(unescape_mrkdwn(value))
        raise IncidentError("text_too_long", field=field, what=what, length=len(value), limit=max_len, typed=typed)
    return value


def unique(users: list[str]) -> list[str]:
    seen: list[str] = []
    for user in users:
        if user and user not in seen:
            seen.append(user)
    return seen
