"""One-step acknowledge: ``/ack/<token>`` from an email, an SMS, a push or a webhook.

GET only shows what the page is about and a button, so a link scanner that opens every link in a mail
acknowledges nothing; POST (the button, or ntfy's http action sent by the phone) acknowledges. The
token is the proof (signed, expiring, used once), so this POST carries no session or CSRF token:
bot.web.session leaves /ack/ out of its CSRF check on purpose.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.notify.content import Subjects
from bot.notify.links import SECRET_NAME, LinkError, read_token
from bot.web.context import WebContext
from bot.web.pages import context, render
from storage.web import WebSecrets

def link_key(ctx: WebContext) -> str:
    """The key acknowledge links are signed with, shared by every replica (made by the first)."""
    return WebSecrets(ctx.db).get_or_make(SECRET_NAME, lambda: secrets.token_urlsafe(32))


def routes(ctx: WebContext) -> list[web.RouteDef]:
    ctx.extras["ack_key"] = link_key(ctx)
    return [web.get("/ack/{token}", show), web.post("/ack/{token}", acknowledge)]


def _page(request: web.Request, *, status: int = 200, headers: dict[str, str] | None = None,
          **values: object) -> web.Response:
    shown = {"problem": None, "done": False, "already": False, "test": False, "subject": None, "escalation": None,
             "acked_by": None, "person": None, "more": 0, "also": 0,
             **values}
    return render(request, "ack.j2", status=status, headers={"Referrer-Policy": "no-referrer", **(headers or {})},
                  **shown)


def _read(request: web.Request) -> tuple[int | None, str | None]:
    ctx = context(request)
    try:
        return read_token(ctx.extras["ack_key"], request.match_info["token"], ctx.clock.time()), None
    except LinkError as exc:
        return None, exc.reason


def _about(ctx: WebContext, notification_id: int):
    domain = ctx.domain
    notification = domain.notifier.store.get(notification_id)
    if notification is None:
        return None, None, None
    subject = Subjects(domain.paging.store, domain.alert_store, domain.incident_store).of(notification)
    escalation = None if notification.test else domain.paging.store.get(notification.escalation_id)
    return notification, subject, escalation


async def show(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    notification_id, problem = _read(request)
    if notification_id is None:
        return _page(request, status=403 if problem == "forged" else 410, problem=problem)
    notification, subject, escalation = _about(ctx, notification_id)
    if notification is None:
        return _page(request, status=404, problem="gone")
    return _page(request, subject=subject, escalation=escalation, test=notification.test,
                  acked_by=ctx.name_of(escalation.acked_by) if escalation and escalation.acked_by else None,
                  person=ctx.name_of(notification.user), more=ctx.domain.notifier.waiting_with(notification_id))


async def acknowledge(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    notification_id, problem = _read(request)
    if notification_id is None:
        return _page(request, status=403 if problem == "forged" else 410, problem=problem)
    notifier = ctx.domain.notifier
    if not notifier.use_link(request.match_info["token"], notification_id):
        notification, subject, escalation = _about(ctx, notification_id)
        return _page(request, status=409, problem="used", subject=subject, escalation=escalation,
                      acked_by=ctx.name_of(escalation.acked_by) if escalation and escalation.acked_by else None)
    answer = notifier.acknowledge(notification_id, "link")
    if answer is None:
        return _page(request, status=404, problem="gone")
    notification, subject, escalation = _about(ctx, notification_id)
    return _page(request, done=True, already=bool(answer.outcome and answer.outcome.already), also=answer.also,
                  subject=subject, escalation=escalation, test=notification.test,
                  acked_by=ctx.name_of(escalation.acked_by) if escalation and escalation.acked_by else None,
                  person=ctx.name_of(notification.user))
