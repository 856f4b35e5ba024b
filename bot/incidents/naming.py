"""Incident channel names: readable, Slack-valid, unique."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

MAX_CHANNEL_NAME = 80
_INVALID = re.compile(r"[^a-z0-9_-]+")
_DASHES = re.compile(r"-{2,}")


def slugify(text: str, max_len: int = MAX_CHANNEL_NAME) -> str:
    """Lowercase ASCII words joined by dashes: "API latency > 5s!" -> "api-latency-5s"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _DASHES.sub("-", _INVALID.sub("-", folded.replace("_", "-"))).strip("-")
    if len(slug) > max_len:
        cut = slug[:max_len]
        # prefer cutting at a word boundary when one is reasonably close
        if "-" in cut[max_len // 2:]:
            cut = cut[: cut.rindex("-")]
        slug = cut.strip("-")
    return slug


def channel_name(template: str, *, title: str, number: int, severity: str, when: datetime) -> str:
    """Fill the configured template; the result always satisfies Slack's channel-name rules."""
    fixed = template.format(date=when.strftime("%Y-%m-%d"), number=number, severity=severity.lower(), slug="\x00")
    room = MAX_CHANNEL_NAME - len(fixed.replace("\x00", ""))
    slug = slugify(title, max(room, 1)) or str(number)
    name = fixed.replace("\x00", slug)
    name = _DASHES.sub("-", _INVALID.sub("-", name.lower())).strip("-_")
    return name[:MAX_CHANNEL_NAME].rstrip("-_") or f"incident-{number}"


def with_suffix(name: str, attempt: int) -> str:
    """The name to try after ``attempt`` collisions: name, name-2, name-3…, always within 80 chars."""
    if attempt <= 1:
        return name
    suffix = f"-{attempt}"
    return name[: MAX_CHANNEL_NAME - len(suffix)].rstrip("-_") + suffix


def is_valid_channel_name(name: str) -> bool:
    return 0 < len(name) <= MAX_CHANNEL_NAME and re.fullmatch(r"[a-z0-9_-]+", name) is not None and bool(
        re.search(r"[a-z0-9]", name)
    )



def name_prefix(base: str) -> str:
    """What every suffixed form of ``base`` starts with, even when cut to fit 80 characters."""
    return base[: MAX_CHANNEL_NAME - 5]
