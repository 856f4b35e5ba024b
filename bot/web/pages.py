"""Rendering a page: one Jinja2 environment for the web (autoescaped HTML), one way to answer."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.text import BUILTIN_TEMPLATES
from bot.web.context import WebContext
from bot.web.session import CSRF_FIELD, viewer

CONTEXT = web.AppKey("web_context", WebContext)
HTML = "text/html"


def web_templates(override_dir: str | None) -> jinja2.Environment:
    """templates/web/*.j2, where an operator's folder (``templates:``) may replace any file by its name."""
    folders = [BUILTIN_TEMPLATES / "web"]
    if override_dir:
        folders.insert(0, Path(override_dir) / "web")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(f) for f in folders]),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    return env


def check_web_templates(env: jinja2.Environment) -> list[str]:
    """Compile every page template in ``env`` (with the filters the features added when mounted);
    returns the problems found."""
    problems = []
    for name in env.list_templates(extensions=["j2"]):
        try:
            env.get_template(name)
        except jinja2.TemplateError as exc:
            problems.append(f"web/{name}: {exc}")
    return problems


def context(request: web.Request) -> WebContext:
    return request.app[CONTEXT]


def row_number(text: str) -> int | None:
    """A row's number as a URL or a form carries it (``?before=``, a version), or None: ASCII digits only
    and at most 18 of them. isdigit() takes '²', which int() refuses, and a longer number overflows the
    database's integers; either was a 500."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def render(request: web.Request, template: str, *, status: int = 200, headers: dict[str, str] | None = None,
           **values: Any) -> web.Response:
    """The page ``template`` for whoever asked (their name, zone and CSRF token are in every page)."""
    ctx = context(request)
    found = viewer(request)
    zone = ctx.timezone_of(found.user) if found else ctx.config.timezone
    html = ctx.templates.get_template(template).render(
        viewer=found, viewer_name=ctx.name_of(found.user) if found else None, zone=zone,
        csrf_field=CSRF_FIELD, csrf=found.csrf if found else "", path=request.path, **values)
    return web.Response(text=html, status=status, content_type=HTML, charset="utf-8", headers=headers)


def _when(ts: float | datetime | None, zone: str = "UTC", fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A stored time as the viewer reads it, in their zone."""
    if ts is None:
        return ""
    moment = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)
