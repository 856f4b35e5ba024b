"""Slack's text escaping, both directions.

Forward: what the Slack client does to what a person typed before the app
sees it (messages always; slash command text only when the command has
``should_escape``). Backward: turning Slack's mrkdwn references into text a
person can read in a terminal.
"""

from __future__ import annotations

import re
from typing import Callable

from .state import Workspace

_URL = r"https?://[^\s<>|]+"
_TOKEN = re.compile(
    rf"(?P<url>{_URL})"
    r"|(?<![\w@])@(?P<at>[A-Za-z0-9][\w.\-]*)"
    r"|(?<![\w#&])#(?P<hash>[a-z0-9][a-z0-9_\-]*)"
)
_SPECIALS = {"here", "channel", "everyone"}


def escape_entities(text: str) -> str:
    """Slack always sends &, < and > as HTML entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _linkify(text: str, ws: Workspace, user_fmt: Callable[[str, str], str],
             group_fmt: Callable[[str, str], str]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group("url"):
            url = m.group("url")
            trail = ""
            while url and url[-1] in ".,;:!?)":   # trailing punctuation is not part of a link
                trail = url[-1] + trail
                url = url[:-1]
            return f"<{url}>{trail}"
        if m.group("at"):
            name = m.group("at").rstrip(".")
            rest = m.group("at")[len(name):]
            if name in _SPECIALS:
                return f"<!{name}>{rest}"
            user = ws.user(name)
            if user is not None and user.name == name:
                return user_fmt(user.id, name) + rest
            group = ws.usergroup(name)
            if group is not None:
                return group_fmt(group.id, name) + rest
            return m.group(0)
        name = m.group("hash")
        chan = ws.channel(name)
        if chan is not None and not chan.is_im and chan.name == name:
            return f"<#{chan.id}|{name}>"
        return m.group(0)

    # Entities are escaped first so the references we add stay intact.
    return _TOKEN.sub(sub, escape_entities(text))


def escape_message_text(text: str, ws: Workspace) -> str:
    """A message typed in the client: mentions become <@U…>, links <https://…>."""
    return _linkify(text, ws, lambda uid, _n: f"<@{uid}>", lambda gid, _n: f"<!subteam^{gid}>")


def escape_command_text(text: str, ws: Workspace, should_escape: bool) -> str:
    """Slash command text: only entities unless the command asks for escaping."""
    if not should_escape:
        return escape_entities(text)
    return _linkify(text, ws, lambda uid, n: f"<@{uid}|{n}>",
                    lambda gid, n: f"<!subteam^{gid}|@{n}>")


_REF = re.compile(r"<([^<>]+)>")


def readable(text: str, ws: Workspace | None) -> str:
    """mrkdwn references to plain words: <@U1> -> @alice, <url|x> -> x (url)."""

    def sub(m: re.Match[str]) -> str:
        body = m.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            uid = target[1:]
            user = ws.users.get(uid) if ws else None
            return "@" + (user.name if user else (label or uid))
        if target.startswith("#"):
            cid = target[1:]
            chan = ws.channels.get(cid) if ws else None
            return "#" + (label or (chan.name if chan else cid))
        if target.startswith("!subteam^"):
            gid = target[len("!subteam^"):]
            group = ws.usergroups.get(gid) if ws else None
            if label:
                return label if label.startswith("@") else "@" + label
            return "@" + (group.handle if group else gid)
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:]
        if label:
            return f"{label} ({target})"
        return target.removeprefix("mailto:")

    out = _REF.sub(sub, text)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
