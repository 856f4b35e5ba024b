"""``/incidents``: the list (filters, search, pages) and each incident's page, which follows the record
live while the incident is open (htmx polls a fragment; without JavaScript it is a plain page).

Every read goes to the database, so any replica answers any request, the live polls included. Who may
see what is the domain's rule (IncidentService.can_see / search): a private incident someone may not
see does not exist for them, here as in Slack.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from markupsafe import Markup, escape

from bot.actor import Actor
from bot.errors import UserError
from bot.incidents.model import IncidentError
from bot.text import Texts
from bot.web.context import WebContext
from bot.web.mrkdwn import to_html
from bot.web.pages import context, render
from bot.web.problems import web_words
from bot.web.session import Viewer, require_viewer, viewer
from kernel.incidents import OPEN_STATUSES, PLAIN_TEXT_KINDS, Incident, IncidentQuery, TimelineEvent

PAGE_SIZE = 25
POLL_SECONDS = 3          # how often an open incident's page asks whether its record moved
HTML_CACHE_ENTRIES = 20_000  # timeline texts kept as HTML per replica (a few MB)
TEXTS = "incident_texts"  # ctx.extras: the Slack-side Texts, for the words errors.j2 already has
LIVE = "incident_live"    # ctx.extras: the rendered live parts (LiveParts)
LIVE_PARTS_KEPT = 32      # per replica; one is 10-300 kB (1,000 events with the channel's messages)


def routes(ctx: WebContext) -> list[web.RouteDef]:
    ctx.extras.setdefault(TEXTS, Texts(ctx.config.templates, ctx.config.timezone))
    ctx.extras.setdefault(LIVE, LiveParts(ctx))
    store = ctx.domain.incident_store

    def channel_name(channel_id: str) -> str | None:
        found = store.by_channel(channel_id)
        return found.channel_name if found else None

    # A timeline's texts do not change once written (an edit is a new text), so each is turned into HTML
    # once per replica, not on every view and every poll: on a long incident that was most of the page's
    # time. A person renamed since shows under the old name until the entry leaves the cache.
    @functools.lru_cache(maxsize=HTML_CACHE_ENTRIES)
    def html_of(text: str) -> Any:
        return to_html(text, ctx.name_of, channel_name)

    ctx.templates.filters["mrkdwn"] = html_of
    ctx.templates.filters["person"] = lambda user: ctx.name_of(user) if user else "nobody"
    return [
        web.get("/incidents", list_page),
        web.get(r"/incidents/{number:\d{1,9}}", incident_page),
        web.get(r"/incidents/{number:\d{1,9}}/live", live_fragment),
    ]


# the list ----------------------------------------------------------------------------------------

async def list_page(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    actor = ctx.actor(require_viewer(request).user)
    zone = ZoneInfo(ctx.timezone_of(actor.user))
    asked = request.query
    problems: list[str] = []
    state = asked.get("state", "")
    state = state if state in ("open", "resolved") else ""
    severity = asked.get("severity", "")
    found = ctx.config.severity(severity) if severity else None
    if severity and found is None:
        problems.append("severity")
    first, problem = _day(asked.get("from", ""), zone)
    last, problem_to = _day(asked.get("to", ""), zone)
    problems += [name for name, bad in (("from", problem), ("to", problem_to)) if bad]
    # isdecimal, not isdigit: int() refuses the superscript digits isdigit takes (?page=² was a 500)
    page = int(asked["page"]) if asked.get("page", "").isdecimal() and 0 < int(asked["page"]) < 100_000 else 1
    query = IncidentQuery(state=state, severity=found.name if found else "", declared_from=first,
                          declared_before=last + 86400 if last is not None else None,
                          title=" ".join(asked.get("q", "").split())[:150], limit=PAGE_SIZE,
                          offset=(page - 1) * PAGE_SIZE)
    incidents, total = ctx.domain.incidents.search(actor, query)
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {k: asked.get(k, "") for k in ("state", "severity", "from", "to", "q")}
    return render(request, "incidents.j2", incidents=incidents, total=total, page=page, pages=pages,
                  filters=kept, problems=problems, severities=ctx.config.severities,
                  query_for=lambda n: _query_string({**kept, "page": str(n)}))


def _day(text: str, zone: ZoneInfo) -> tuple[float | None, bool]:
    """A date typed in a filter (YYYY-MM-DD, the viewer's day) -> its first second; (None, True) if unreadable."""
    text = text.strip()
    if not text:
        return None, False
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, True
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp(), False


def _query_string(values: dict[str, str]) -> str:
    return urlencode({k: v for k, v in values.items() if v})


# one incident ------------------------------------------------------------------------------------

def visible_incident(request: web.Request) -> tuple[Viewer, Actor, Incident]:
    """The incident in the address, if the signed-in person may see it; a 404 for them otherwise."""
    ctx = context(request)
    found = require_viewer(request)
    actor = ctx.actor(found.user)
    try:
        incident = ctx.domain.incidents.get_for(int(request.match_info["number"]), actor)
    except IncidentError as exc:
        raise web.HTTPNotFound(text=str(error_html(ctx, exc).striptags())) from None
    return found, actor, incident


def error_html(ctx: WebContext, exc: UserError) -> Any:
    """The words Slack shows for this refusal (templates/errors.j2), as HTML, unless the web has its
    own (where Slack's speak of a command)."""
    own = web_words(ctx, exc)
    if own is not None:
        return own
    texts: Texts = ctx.extras[TEXTS]
    return ctx.templates.filters["mrkdwn"](texts.mrkdwn("errors", exc.code, **exc.params))


@dataclass(frozen=True)
class Shown:
    """What of an incident's page is asked for in its address."""
    messages: bool

    @classmethod
    def of(cls, request: web.Request) -> "Shown":
        return cls(messages=request.query.get("messages") == "1")

    @property
    def query(self) -> str:
        return "?messages=1" if self.messages else ""


@dataclass(frozen=True)
class EventRow:
    """One timeline entry, with what every entry shows worked out once in Python (a page may have
    thousands; a Jinja filter call per value costs more than the rest of the row)."""
    event: TimelineEvent
    at: str           # in the viewer's zone
    iso: str          # for <time datetime>
    who: str          # the actor, as people know them
    text: Markup      # the recorded text (mrkdwn) as HTML


def live_values(ctx: WebContext, incident: Incident, shown: Shown, zone: str, mark: str) -> dict[str, Any]:
    """Everything the live part of the page shows, read from the database in one go."""
    store = ctx.domain.incident_store
    events = store.timeline(incident.id)
    if not shown.messages:
        events = [e for e in events if e.kind != "message"]
    held = store.roles(incident.id)
    roles = [(role, incident.commander if role == "commander" else held.get(role)) for role in ctx.config.incident.roles]
    return {"incident": incident, "events": event_rows(ctx, events, zone), "roles": roles,
            "links": store.links(incident.id), "followups": store.followups(incident.id),
            "tickets": ctx.domain.tickets.store.of_incident(incident.id),
            "alerts": ctx.domain.alert_store.for_incident(incident.id),
            "shown": shown, "mark": mark, "poll_seconds": POLL_SECONDS,
            "channel_url": f"https://slack.com/app_redirect?channel={incident.channel_id}" if incident.channel_id else None}


class LiveParts:
    """The live part of incident pages as rendered, per incident, record mark, view and time zone: while
    the record has not moved (the mark the live poll answers 204 to) every view and every replica's
    poll would render the same HTML again, and with 1,000 events that is most of a view's time. Who may
    see the incident is checked before; the part names no viewer. A person renamed since shows under
    the old name until the record moves (as the mrkdwn cache)."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self._kept: OrderedDict[tuple[int, str, bool, str], Markup] = OrderedDict()

    def get(self, incident: Incident, shown: Shown, zone: str) -> tuple[str, Markup]:
        """The record's mark now, and the live part for it."""
        # no await in here: one view's check-and-fill cannot interleave with another's
        mark = record_mark(self.ctx, incident.id)   # first: a change while rendering shows next time
        key = (incident.id, mark, shown.messages, zone)
        found = self._kept.get(key)
        if found is None:
            values = live_values(self.ctx, incident, shown, zone, mark)
            found = self._kept[key] = Markup(self.ctx.templates.get_template("incident_live.j2").render(**values, zone=zone))
            if len(self._kept) > LIVE_PARTS_KEPT:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        return mark, found


def event_rows(ctx: WebContext, events: list[TimelineEvent], zone: str) -> list[EventRow]:
    local = ZoneInfo(zone)
    names: dict[str | None, str] = {None: "warroom"}
    minutes: dict[int, tuple[str, str]] = {}   # a zone's offset only changes on a minute: format each minute once
    html = ctx.templates.filters["mrkdwn"]
    rows = []
    for e in events:
        who = names.get(e.actor)
        if who is None:
            who = names[e.actor] = ctx.name_of(e.actor)
        minute, second = divmod(int(e.at), 60)
        shown = minutes.get(minute)
        if shown is None:
            shown = minutes[minute] = (datetime.fromtimestamp(minute * 60, local).strftime("%b %d %H:%M"),
                                       time.strftime("%Y-%m-%dT%H:%M", time.gmtime(minute * 60)))
        # a title, a link's or checklist item's name, a note from a plain-text field: shown as typed, not
        # read as markup (a title sent through the API as "<https://…|sign in>" is no link)
        text = escape(e.text) if e.kind in PLAIN_TEXT_KINDS else html(e.text)
        rows.append(EventRow(e, f"{shown[0]}:{second:02d}", f"{shown[1]}:{second:02d}Z", who, text))
    return rows


def record_mark(ctx: WebContext, incident_id: int) -> str:
    return hashlib.sha1(repr(ctx.domain.incident_store.record_mark(incident_id)).encode()).hexdigest()[:16]


def show_incident(request: web.Request, incident: Incident, actor: Actor, *, status: int = 200,
                  errors: dict[str, Any] | None = None, values: dict[str, dict[str, str]] | None = None) -> web.Response:
    """The incident's page; after a refused form, with the refusal at that form and what was typed in it."""
    ctx = context(request)
    people = ctx.domain.incident_store.people(incident.id)
    zone = ctx.timezone_of(actor.user)
    shown = Shown.of(request)
    _, live = ctx.extras[LIVE].get(incident, shown, zone)
    return render(request, "incident.j2", status=status, incident=incident, shown=shown, live=live,
                  errors=errors or {}, values=values or {}, people=sorted(people, key=ctx.name_of),
                  severities=ctx.config.severities, statuses=OPEN_STATUSES, role_names=ctx.config.incident.roles,
                  may_see_managers=actor.is_manager)


async def incident_page(request: web.Request) -> web.StreamResponse:
    _, actor, incident = visible_incident(request)
    return show_incident(request, incident, actor)


async def live_fragment(request: web.Request) -> web.StreamResponse:
    """The live part of the page, for htmx's poll: 204 (nothing to swap) while the record has not
    moved since ``mark``; refused without a swap when the session is gone (never the sign-in page
    inside the incident's)."""
    if viewer(request) is None:
        raise web.HTTPUnauthorized()   # htmx swaps nothing on a 4xx; a reload signs in again
    ctx = context(request)
    found, _, incident = visible_incident(request)
    headers = {"Cache-Control": "no-store"}
    if request.query.get("mark") == record_mark(ctx, incident.id):
        return web.Response(status=204, headers=headers)
    _, html = ctx.extras[LIVE].get(incident, Shown.of(request), ctx.timezone_of(found.user))
    return web.Response(text=str(html), content_type="text/html", charset="utf-8", headers=headers)

