"""warroom's small HTTP side: monitoring webhooks in, a health check out."""

from bot.http.server import MAX_BODY, WebhookServer, WebhookServerError

__all__ = ["MAX_BODY", "WebhookServer", "WebhookServerError"]
