"""``/incident timeline | event | key | unkey``: read the timeline with event ids, and keep it true.

Parse, call the domain (bot.incidents.timeline_edits), answer ephemerally; times are typed and shown
in the person's own time zone (Deps.timezone_of).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.incidents.event_time import split_leading_time
from bot.slack import parsing
from bot.slack.answers import reply
from bot.slack.blocks import section, sections
from bot.slack.deps import Deps
from kernel.incidents import Incident, TimelineEvent

if TYPE_CHECKING:
    from bot.slack.incidents.command import CommandRequest

T = "incident/timeline"
PAGE_EVENTS = 40          # events per answer: 40 short lines stay well within 50 blocks and 40,000 characters
LINE_TEXT = 280           # an event's text in the listing; the web page and the record have all of it
MAX_SECTIONS = 45         # of the 50 blocks an answer may have (one is the header)
DELETE_WORDS = {"delete", "remove", "rm", "del"}


def timeline(deps: Deps, request: "CommandRequest", rest: str) -> dict[str, Any]:
    """``/incident timeline [all] [page]``: a page of events, oldest first, with ids to act on."""
    incident = _incident(request)
    words = [w.lower() for w in parsing.tokens(rest)]
    with_messages = "all" in words
    numbers = [w for w in words if w.isdecimal() and len(w) < 6]   # isdigit() takes ² too, which int() refuses
    if len(words) != int(with_messages) + len(numbers) or len(numbers) > 1:
        return _usage(deps, "timeline")
    events = deps.timeline.events(incident, with_messages=with_messages)
    if not events:
        return reply(deps.texts.mrkdwn(T, "empty", incident=incident))
    pages = -(-len(events) // PAGE_EVENTS)
    page = min(max(int(numbers[0]) if numbers else 1, 1), pages)
    shown = events[(page - 1) * PAGE_EVENTS: page * PAGE_EVENTS]
    zone = deps.timezone_of(request.user)
    t = deps.texts
    lines = [t.mrkdwn(T, "item", event=e, zone=zone, line=t.mrkdwn("incident/timeline_line", event=one_line(e)))
             for e in shown]
    context = dict(incident=incident, page=page, pages=pages, total=len(events), zone=zone, all=with_messages,
                   first=(page - 1) * PAGE_EVENTS + 1, last=(page - 1) * PAGE_EVENTS + len(shown),
                   web=_web_page(deps, incident))
    header = t.mrkdwn(T, "header", **context)
    footer = t.mrkdwn(T, "footer", **context)
    blocks = [section(header), *sections(lines, lambda n: t.mrkdwn(T, "cut", count=n, **context),
                                         max_sections=MAX_SECTIONS)]
    if footer:
        blocks.append(section(footer))
    return reply("\n".join([header, *lines, footer]), blocks)


def event(deps: Deps, request: "CommandRequest", rest: str) -> dict[str, Any]:
    """``/incident event <when> <text>``, ``event edit <id> [<when>] [<text>]``, ``event delete <id>``."""
    incident = _incident(request)
    actor = deps.actor(request.user)
    zone = deps.timezone_of(request.user)
    word, after = parsing.split_subcommand(rest)
    if word in DELETE_WORDS or word == "edit":
        typed_id, _, change = after.partition(" ")
        if not typed_id:
            return _usage(deps, "event")
        if word == "edit":
            when, text = split_leading_time(change)
            changed = deps.timeline.edit(incident, actor, typed_id, text=parsing.to_mrkdwn(text) if text else None,
                                         when=when, zone=zone)
            return reply(deps.texts.mrkdwn(T, "edited", event=changed, zone=zone))
        if change.strip():
            return _usage(deps, "event")
        removed = deps.timeline.delete(incident, actor, typed_id)
        return reply(deps.texts.mrkdwn(T, "deleted", event=removed, zone=zone))
    when, text = split_leading_time(rest)
    if when is None:
        return _usage(deps, "event")
    added = deps.timeline.add(incident, actor, when, parsing.to_mrkdwn(text), zone=zone)
    return reply(deps.texts.mrkdwn(T, "added", event=added, zone=zone))


def key(deps: Deps, request: "CommandRequest", rest: str) -> dict[str, Any]:
    return _set_key(deps, request, rest, True)


def unkey(deps: Deps, request: "CommandRequest", rest: str) -> dict[str, Any]:
    return _set_key(deps, request, rest, False)


def _set_key(deps: Deps, request: "CommandRequest", rest: str, is_key: bool) -> dict[str, Any]:
    words = parsing.tokens(rest)
    if len(words) != 1:
        return _usage(deps, "key")
    changed = deps.timeline.set_key(_incident(request), deps.actor(request.user), words[0], is_key)
    return reply(deps.texts.mrkdwn(T, "keyed" if is_key else "unkeyed", event=changed,
                                   zone=deps.timezone_of(request.user)))


def one_line(event: TimelineEvent) -> TimelineEvent:
    """The event's text on one line for a listing, cut at LINE_TEXT, never inside a ``<…>`` link or mention
    or an ``&amp;`` escape."""
    text = " ".join(event.text.split())
    if len(text) > LINE_TEXT:
        text = text[:LINE_TEXT]
        if text.rfind("<") > text.rfind(">"):
            text = text[:text.rfind("<")]
        if text.rfind("&") > text.rfind(";"):   # nor inside an escape: "&am" would show as typed
            text = text[:text.rfind("&")]
        text = text.rstrip() + " …"
    return replace(event, text=text)


def _web_page(deps: Deps, incident: Incident) -> str | None:
    url = deps.config.web.public_url
    return f"{url}/incidents/{incident.id}" if url else None


def _usage(deps: Deps, name: str) -> dict[str, Any]:
    return reply(deps.texts.mrkdwn("incident/replies", "usage", text=deps.texts.mrkdwn(T, f"usage_{name}")))


def _incident(request: "CommandRequest") -> Incident:
    assert request.incident is not None  # route() checked
    return request.incident
