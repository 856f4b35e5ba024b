"""``/webhooks``: the outbound webhooks' delivery log, for incident managers (it names private incidents'
events too): every attempt with its answer, error and duration, and what waits for its next attempt."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import WebContext
from bot.web.pages import context, render, row_number
from bot.web.session import require_viewer
from storage.webhooks import WebhookLogStore

PAGE_SIZE = 50
STORE = "webhook_log"     # ctx.extras


def routes(ctx: WebContext) -> list[web.RouteDef]:
    ctx.extras[STORE] = WebhookLogStore(ctx.db)
    return [web.get("/webhooks", log_page)]


async def log_page(request: web.Request) -> web.StreamResponse:
    found = require_viewer(request)
    ctx = context(request)
    if not ctx.actor(found.user).is_manager:
        return render(request, "webhooks.j2", status=403, refused=True, managers=bool(ctx.config.incident_managers))
    names = [w.name for w in ctx.config.webhooks]
    chosen = request.query.get("webhook")
    webhook = chosen if chosen in names else None
    before = request.query.get("before", "")
    store: WebhookLogStore = ctx.extras[STORE]
    attempts = store.recent(webhook=webhook, before=row_number(before), limit=PAGE_SIZE + 1)
    return render(request, "webhooks.j2", refused=False, webhooks=ctx.config.webhooks, chosen=webhook,
                  waiting=store.waiting(), attempts=attempts[:PAGE_SIZE],
                  older=attempts[PAGE_SIZE - 1].id if len(attempts) > PAGE_SIZE else None)
