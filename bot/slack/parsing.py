"""Reading what people type: slash-command text as Slack escapes it (``should_escape: true``).

Mentions arrive as ``<@U123|alice>``, groups as ``<!subteam^S123|@backend>``, channels as
``<#C123|name>``, links as ``<https://…>`` or ``<https://…|label>``, and ``& < >`` as entities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from kernel.text import escape_mrkdwn, strip_invisible, unescape_mrkdwn

_TOKEN = re.compile(r"<[^<>\s][^<>]*>|\S+")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_GROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|([^>]*))?>$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")
_LINK = re.compile(r"^<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>$")
_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_ANY_MARKUP = re.compile(r"<([@#!][^>|]*)(?:\|([^>]*))?>|<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")


def typed(text: str | None) -> str:
    """A command's text as its words will be matched: what a person cannot see is taken out first, so
    ``\u202edeclare`` is ``declare`` and a schedule name with a zero-width space in it is found."""
    return strip_invisible(text or "").strip()


unescape = unescape_mrkdwn
escape = escape_mrkdwn


@dataclass(frozen=True)
class Mention:
    kind: str          # "user" | "group"
    id: str


def user_id(token: str) -> str | None:
    match = _USER.match(token)
    return match.group(1) if match else None


def mention(token: str) -> Mention | None:
    if (uid := user_id(token)) is not None:
        return Mention("user", uid)
    match = _GROUP.match(token)
    return Mention("group", match.group(1)) if match else None


_BARE_URL = re.compile(r"^https?://[^\s<>|]+$")


def link(token: str) -> tuple[str, str | None] | None:
    """A URL as Slack linked it (``<https://…|label>``) or as typed when Slack did not (``https://…``)."""
    match = _LINK.match(token)
    if match:
        return unescape(match.group(1)), (unescape(match.group(2)) if match.group(2) else None)
    if _BARE_URL.match(token):
        return unescape(token), None
    return None


def tokens(text: str) -> list[str]:
    """Words, keeping each ``<…>`` markup together even when its label has spaces."""
    return _TOKEN.findall(text or "")


def split_subcommand(text: str) -> tuple[str, str]:
    stripped = (text or "").strip()
    if not stripped:
        return "", ""
    head, _, rest = stripped.partition(" ")
    return head.lower(), rest.strip()


def to_plain(text: str, *, keep_lines: bool = False, name_of: Callable[[str], str | None] | None = None) -> str:
    """Escaped Slack text -> what a person reads: ``<@U1|alice>`` -> ``@alice``. Titles are one line;
    ``keep_lines`` keeps line breaks (a description pre-filled from a message). Message text names
    people by ID only (``<@U1>``): ``name_of`` turns an ID into a name when it knows one."""

    def replace(match: re.Match[str]) -> str:
        inner, label, url, url_label = match.groups()
        if url:
            return url_label or url
        if label:
            return label if label.startswith(("@", "#")) else ("#" + label if inner.startswith("#") else "@" + label)
        if inner.startswith("!"):
            return "@" + inner[1:].split("^")[0]
        if inner.startswith("@") and name_of is not None:
            name = name_of(inner[1:])
            return "@" + name if name else inner
        return inner
    plain = unescape(_ANY_MARKUP.sub(replace, text or ""))
    if keep_lines:
        return "\n".join(" ".join(line.split()) for line in plain.splitlines()).strip()
    return " ".join(plain.split())


def to_mrkdwn(text: str) -> str:
    """Escaped Slack text -> mrkdwn safe to repeat in a bot message.

    Mentions of people and channels and links keep working; @channel / @here / @everyone are
    defused so that quoting someone's update never pings a whole channel.
    """
    cleaned = _SPECIAL.sub(lambda m: "@" + m.group(1), text or "")
    cleaned = re.sub(r"<@([UW][A-Z0-9]+)\|[^>]*>", r"<@\1>", cleaned)
    return cleaned.strip()


def plain_to_mrkdwn(text: str) -> str:
    """What someone typed in a modal (raw text) -> mrkdwn: only ``& < >`` need escaping."""
    return escape((text or "").strip())


_FLAG = re.compile(r"(?:^|\s)--([a-z-]+)(?=\s|$)")


def take_flags(text: str, known: set[str]) -> tuple[str, set[str]]:
    """Pull ``--comms`` style flags out of free text."""
    found = {m.group(1) for m in _FLAG.finditer(text) if m.group(1) in known}
    for flag in found:
        text = re.sub(rf"[ \t]*--{flag}(?=\s|$)", "", text)  # the flag goes; line breaks stay
    return text.strip(), found


def take_option(text: str, name: str) -> tuple[str, str | None]:
    """Pull ``--name value`` or ``--name=value`` out of free text: (the rest, the value). The value is
    None when the option is absent, "" when it is given without one."""
    match = re.search(rf"(?:^|(?<=\s))--{re.escape(name)}(?:=(\S*)|[ \t]+(?!--)([^\s<]\S*)|(?=\s|$))", text)
    if match is None:
        return text, None
    value = match.group(1) if match.group(1) is not None else (match.group(2) or "")
    rest = (text[:match.start()] + text[match.end():]).strip()
    return re.sub(r"[ \t]{2,}", " ", rest), value
