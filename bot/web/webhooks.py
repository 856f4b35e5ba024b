"""``/webhooks``: the outbound webhooks' delivery log, for incident managers (it names private incidents'
events too): every attempt with its answer, error and duration, and what waits for its next attempt."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot.logs import get_logger

from bot.web.context import WebContext
from bot.web.pages import context, render, row_number
from bot.web.session import require_viewer
from storage.webhooks import WebhookLogStore

log = get_logger("warroom.webhooks")
PAGE_SIZE = 50
STORE = "webhook_log"     # ctx.extras


def routes(ctx: WebContext) -> list[web.RouteDef]:
    ctx.extras[STORE] = WebhookLogStore(ctx.db)
    return [web.get("/webhooks", log_page), web.post(r"/webhooks/{name}/enable", enable_webhook)]


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
    states = store.states()
    disabled = {w.name: states[w.name] for w in ctx.config.webhooks if w.name in states and states[w.name].disables(w.url)}
    return render(request, "webhooks.j2", refused=False, webhooks=ctx.config.webhooks, chosen=webhook,
                  waiting=store.waiting(), attempts=attempts[:PAGE_SIZE], disabled=disabled,
                  enabled=request.query.get("enabled") if request.query.get("enabled") in names else None,
                  older=attempts[PAGE_SIZE - 1].id if len(attempts) > PAGE_SIZE else None)


async def enable_webhook(request: web.Request) -> web.StreamResponse:
    """A webhook its receiver disabled (410 Gone) is sent events again, from the next one on: an incident
    manager says the receiver is back."""
    found = require_viewer(request)
    ctx = context(request)
    if not ctx.actor(found.user).is_manager:
        return render(request, "webhooks.j2", status=403, refused=True, managers=bool(ctx.config.incident_managers))
    name = request.match_info["name"]
    if name not in {w.name for w in ctx.config.webhooks}:
        raise web.HTTPNotFound(text=f"There is no webhook {name[:60]!r} in warroom.yml.")
    store: WebhookLogStore = ctx.extras[STORE]
    with ctx.domain.work():
        if store.enable(name):
            log.info("webhook.enabled", webhook=name, by=found.user)
    raise web.HTTPSeeOther(f"/webhooks?enabled={quote(name)}")
