"""``GET /metrics``: this bot's registry in Prometheus' text format (see bot/metrics.py for what is in it).

No sign-in: scrapers do not have one. Nothing in it names a person or an incident (labels are
severities, sources, methods and effect kinds); keep the port off the internet, or put the path behind
the proxy's own authentication, as for any exporter.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler

from bot.web.context import WebContext


def routes(ctx: WebContext) -> list[web.RouteDef]:
    registry = ctx.extras.get("metrics")
    if not isinstance(registry, CollectorRegistry):
        return []     # a web side mounted without a bot around it (no counters to show)
    # the client negotiates the format from Accept (text 0.0.4 by default, OpenMetrics when asked) and
    # aiohttp gzips when the scraper accepts it
    return [web.get("/metrics", make_aiohttp_handler(registry=registry))]
