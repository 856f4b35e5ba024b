"""The incident page's forms: post an update, change the severity, assign a role, resolve, comment, and
add, edit, delete or mark timeline events.

Each calls the domain operation its slash command calls (``/incident status|severity|commander|role|
resolve|note|event|key|unkey``), as the signed-in person, so the same rules refuse the same people and the
pinned status, topic, announcement and channel posts follow through the outbox. A refusal is shown at its form, in the
words Slack would use (templates/errors.j2), with what was typed kept. CSRF is checked before any of
this runs (bot.web.session).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from aiohttp import web

from bot.actor import Actor
from bot.domain import Domain
from bot.errors import UserError
from bot.incidents.model import IncidentError
from bot.text import escape_mrkdwn
from bot.web.context import WebContext
from bot.web.incidents import Shown, error_html, show_incident, visible_incident
from bot.web.pages import context
from kernel.incidents import OPEN_STATUSES, Incident, Status
from storage.errors import StorageUnavailable

MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
# refusals about who is asking, not about what they typed
FORBIDDEN = {"commander_only", "not_in_channel"}
ZONE = "zone"

Action = Callable[[Domain, Incident, Actor, dict[str, str]], object]


def routes(ctx: WebContext) -> list[web.RouteDef]:
    return [web.post(rf"/incidents/{{number:\d{{1,9}}}}/{name}", _handler(name, action))
            for name, action in ACTIONS.items()]


def _handler(name: str, action: Action):
    async def handle(request: web.Request) -> web.StreamResponse:
        ctx = context(request)
        _, actor, incident = visible_incident(request)
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str) and k not in ("csrf", ZONE)}
        form[ZONE] = ctx.timezone_of(actor.user)   # times are typed in the person's zone: theirs, never the form's
        acting = as_responder(ctx, actor, incident)
        try:
            action(ctx.domain, incident, acting, form)
        except UserError as exc:
            return show_incident(request, incident, actor, status=403 if exc.code in FORBIDDEN else 400,
                                 errors={name: error_html(ctx, exc)}, values={name: form})
        except StorageUnavailable:
            return show_incident(request, incident, actor, status=503, values={name: form},
                                 errors={name: error_html(ctx, UserError("not_recorded"))})
        raise web.HTTPSeeOther(f"/incidents/{incident.id}{Shown.of(request).query}")
    handle.__name__ = f"incident_{name}"
    return handle


def as_responder(ctx: WebContext, actor: Actor, incident: Incident) -> Actor:
    """A web form is a click from wherever the person is, not a command typed in the channel: like a
    button, it counts only from people in the incident (declared it, hold a role, joined its channel;
    incident managers always), which the database knows on every replica."""
    return replace(actor, in_channel=ctx.domain.incident_store.involves(incident.id, actor.user))


def typed(form: dict[str, str], name: str) -> str:
    """What someone typed in a field, as the mrkdwn the record keeps (only & < > need escaping)."""
    return escape_mrkdwn(form.get(name, "").replace("\r\n", "\n").strip())


def _status(form: dict[str, str]) -> Status | None:
    given = form.get("status", "")
    if not given:
        return None
    if given not in {s.value for s in OPEN_STATUSES}:
        raise IncidentError("form_value_malformed", field="status", kind="status", shape=f"`{given[:40]}`")
    return Status(given)


def post_update(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.incidents.post_update(incident, actor, message=typed(form, "message"), status=_status(form))


def change_severity(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.incidents.set_severity(incident, actor, form.get("severity", ""))


def assign_role(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    member = form.get("member_id", "").strip().lstrip("@")
    if member and not MEMBER_ID.match(member):
        raise IncidentError("not_a_member_id", field="member_id", given=member[:40])
    user = member or form.get("user", "")
    if not MEMBER_ID.match(user):
        raise IncidentError("not_a_member_id", field="user", given=user[:40])
    domain.incidents.assign_role(incident, actor, form.get("role", ""), user)


def resolve(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.incidents.resolve(incident, actor, summary=typed(form, "summary"), root_cause=typed(form, "root_cause"),
                             mitigation=typed(form, "mitigation"))


def comment(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.record.add_note(incident, actor, typed(form, "text"), via="web")


def add_event(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.timeline.add(incident, actor, form.get("when", ""), typed(form, "text"), zone=form[ZONE])


def edit_event(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.timeline.edit(incident, actor, form.get("event", ""), text=typed(form, "text") or None,
                         when=form.get("when", "").strip() or None, zone=form[ZONE])


def delete_event(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.timeline.delete(incident, actor, form.get("event", ""))


def mark_key_event(domain: Domain, incident: Incident, actor: Actor, form: dict[str, str]) -> None:
    domain.timeline.set_key(incident, actor, form.get("event", ""), form.get("key") == "1")


ACTIONS: dict[str, Action] = {
    "update": post_update, "severity": change_severity, "role": assign_role, "resolve": resolve, "comment": comment,
    "event": add_event, "event_edit": edit_event, "event_delete": delete_event, "event_key": mark_key_event,
}
