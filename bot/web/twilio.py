"""What Twilio posts back: an SMS reply ("1" or "ACK") and a keypress during a page call. Every request
must carry a valid X-Twilio-Signature over the public URL (web.public_url, not the Host header, which a
proxy may change) and the form; anything else is refused with 403 and acknowledges nothing."""

from __future__ import annotations

import os
import re

from aiohttp import web

from bot.logs import get_logger
from bot.notify.content import Subjects
from bot.notify.twilio import message_twiml, say_twiml, valid_signature
from bot.text import Texts
from bot.web.context import WebContext
from bot.web.pages import context

log = get_logger("warroom.twilio")
PAGE = "notify/page"
_ACK = re.compile(r"^\s*(1|ack|acknowledge)\s*[.!]?\s*$", re.IGNORECASE)


def routes(ctx: WebContext) -> list[web.RouteDef]:
    settings = ctx.config.notify.twilio
    if settings is None:
        return []
    ctx.extras["twilio_token"] = os.environ.get(settings.auth_token_env, "")
    ctx.extras["texts"] = Texts(ctx.config.templates, ctx.config.timezone)
    return [web.post("/twilio/sms", sms_reply), web.post("/twilio/gather", keypress)]


async def _signed_form(request: web.Request) -> dict[str, list[str]]:
    ctx = context(request)
    form = await request.post()
    params: dict[str, list[str]] = {}
    for name, value in form.items():
        params.setdefault(name, []).append(str(value))
    url = ctx.public_url + request.path_qs
    if not valid_signature(ctx.extras["twilio_token"], url, params, request.headers.get("X-Twilio-Signature")):
        log.warning("twilio.forged", path=request.path)
        raise web.HTTPForbidden(text="X-Twilio-Signature does not match this request")
    return params


def _xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml", charset="utf-8")


def _subjects(ctx: WebContext) -> Subjects:
    return Subjects(ctx.domain.paging.store, ctx.domain.alert_store, ctx.domain.incident_store)


async def sms_reply(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    params = await _signed_form(request)
    texts: Texts = ctx.extras["texts"]
    sender = (params.get("From") or [""])[0]
    body = (params.get("Body") or [""])[0]
    user = next((p.slack_id for p in ctx.config.users if p.contact.sms == sender), None)
    if not _ACK.match(body):
        return _xml(message_twiml(texts.plain(PAGE, "sms_help")))
    notification = ctx.domain.notifier.store.latest_sent(user, "sms") if user else None
    if notification is None:
        return _xml(message_twiml(texts.plain(PAGE, "sms_unknown")))
    if notification.bundle_id is not None:   # one SMS carried several pages: it named the first, so does the answer
        notification = ctx.domain.notifier.store.get(notification.bundle_id) or notification
    answer = ctx.domain.notifier.acknowledge(notification.id, "SMS reply")
    subject = _subjects(ctx).of(notification)
    assert answer is not None and answer.outcome is not None
    if answer.outcome.already:
        by = answer.outcome.escalation.acked_by
        return _xml(message_twiml(texts.plain(PAGE, "sms_already", subject=subject, by=ctx.name_of(by) if by else None,
                                              also=answer.also)))
    return _xml(message_twiml(texts.plain(PAGE, "sms_acked", subject=subject, also=answer.also)))


async def keypress(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    params = await _signed_form(request)
    texts: Texts = ctx.extras["texts"]
    ref = request.query.get("n", "")
    notification = ctx.domain.notifier.store.get(int(ref)) if ref.isdigit() else None
    call = (params.get("CallSid") or [""])[0]
    if notification is None or notification.method != "voice" or notification.receipt != call:
        raise web.HTTPNotFound(text="no such page call")
    if (params.get("Digits") or [""])[0] != "1":
        return _xml(say_twiml(texts.plain(PAGE, "voice_other_key")))
    ctx.domain.notifier.acknowledge(notification.id, "keypress")
    return _xml(say_twiml(texts.plain(PAGE, "voice_acked")))
