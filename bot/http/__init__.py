"""warroom's small HTTP side: monitoring webhooks in, a health check out."""

from bot.http.limits import MAX_BODY
from bot.http.server import WebhookServer, WebhookServerError

__all__ = ["MAX_BODY", "WebhookServer", "WebhookServerError"]
