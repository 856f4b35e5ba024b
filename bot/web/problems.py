"""A refusal (a :class:`bot.errors.UserError`) as a person reads it on a page.

The words are the domain's own, from templates/errors.j2, written in Slack's mrkdwn: a page shows them
with that markup made HTML (*bold*, `code`, mentions as names, no emoji codes). templates/web/errors.j2
may hold a block of the same name that says it in the web's terms; it also holds the refusals only a
web form can cause (a field that is not a time, a person not in the list).
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

from bot.errors import UserError
from bot.text import Texts
from bot.web.context import WebContext

WEB_ERRORS = "errors.j2"          # templates/web/errors.j2
_FORBIDDEN = {"override_others", "override_not_listed", "alert_not_yours", "silence_not_allowed"}
_MISSING = {"no_such_alert", "no_such_schedule"}
_CONFLICT = {"alert_not_pending"}

_EMOJI = re.compile(r"^(?::[a-z0-9_+-]+:\s*)+")
_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")
_GROUP = re.compile(r"&lt;!subteam\^([A-Z0-9]+)(?:\|@?([^&]*))?&gt;")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def status_of(problem: UserError) -> int:
    """The HTTP status a refusal is answered with."""
    if problem.code in _FORBIDDEN:
        return 403
    if problem.code in _MISSING:
        return 404
    if problem.code in _CONFLICT:
        return 409
    return 400


def problem_html(ctx: WebContext, problem: UserError) -> Markup:
    """What was wrong and how to do it right, as safe HTML."""
    own = web_words(ctx, problem)
    if own is not None:
        return own
    return mrkdwn_to_html(_domain_texts(ctx).plain("errors", problem.code, **problem.params), ctx)


def web_words(ctx: WebContext, problem: UserError) -> Markup | None:
    """The web's own words for a refusal (templates/web/errors.j2), autoescaped like every page; None
    where the domain's words fit the web as well."""
    page = ctx.templates.get_template(WEB_ERRORS)
    block = page.blocks.get(problem.code)
    if block is None:
        return None
    return Markup("".join(block(page.new_context(dict(problem.params, field=problem.field, name_of=ctx.name_of)))).strip())


def mrkdwn_to_html(text: str, ctx: WebContext) -> Markup:
    """Slack mrkdwn (as the domain's templates write it) as HTML; everything else is escaped."""
    safe = str(escape(_EMOJI.sub("", html.unescape(text))))
    safe = _MENTION.sub(lambda m: str(escape(ctx.name_of(m.group(1)))), safe)
    safe = _GROUP.sub(lambda m: "@" + (m.group(2) or "a user group"), safe)
    safe = _CODE.sub(r"<code>\1</code>", safe)
    return Markup(_BOLD.sub(r"<strong>\1</strong>", safe))


def _domain_texts(ctx: WebContext) -> Texts:
    texts = ctx.extras.get("texts")
    if texts is None:
        texts = ctx.extras["texts"] = Texts(ctx.config.templates, ctx.config.timezone)
    return texts
