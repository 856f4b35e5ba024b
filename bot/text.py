"""Every sentence a person reads is rendered here, from Jinja2 templates in ``templates/``.

Operators may point ``templates:`` in warroom.yml at a folder; a file there replaces the built-in
file of the same name. Two flavours: ``mrkdwn`` escapes every plain string a template prints (so a
title like ``a<b`` or ``<!channel>`` cannot become markup) while values marked :class:`Mrkdwn`
(mentions, links made by the helpers below) pass through; ``plain`` is for plain_text fields
(buttons, headers, modal titles), which Slack shows literally.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from bot.durations import format_duration
from kernel.text import escape_mrkdwn, strip_invisible

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class Mrkdwn(str):
    """Text that is already Slack mrkdwn and must not be escaped again."""


class Plain(str):
    """Text rendered for a plain_text field; where Slack would read it as mrkdwn it must be escaped."""


_SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_GROUP_MENTION = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|@?([^>]*))?>")


def defuse_mentions(text: str) -> str:
    """@channel, @here, @everyone and user-group mentions in text warroom re-posts (a quoted message, a
    note, a webhook's summary) become plain words: quoting someone must never notify a whole channel or
    team again. Mentions of single people stay: they are the point of a note like "@bob saw it first"."""
    text = _SPECIAL_MENTION.sub(lambda m: "@" + m.group(1), text)
    return _GROUP_MENTION.sub(lambda m: "@" + (m.group(1) or "group"), text)


def _finalize_mrkdwn(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Mrkdwn):
        return value
    if isinstance(value, str):
        return escape_mrkdwn(strip_invisible(value))
    return value


def _finalize_plain(value: Any) -> Any:
    if isinstance(value, str):
        return strip_invisible(value)
    return "" if value is None else value


def mention(user_id: str | None) -> Mrkdwn:
    return Mrkdwn(f"<@{user_id}>" if user_id else "nobody")


def channel_link(channel_id: str | None, name: str | None = None) -> Mrkdwn:
    if not channel_id:
        return Mrkdwn("#" + escape_mrkdwn(name) if name else "(no channel yet)")
    return Mrkdwn(f"<#{channel_id}>")


def link(url: str, label: str | None = None) -> Mrkdwn:
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    if not label:
        return Mrkdwn(f"<{safe_url}>")
    return Mrkdwn(f"<{safe_url}|{escape_mrkdwn(label).replace('|', '¦')}>")


def as_mrkdwn(text: str | None) -> Mrkdwn:
    """Stored mrkdwn (notes, updates, channel messages people wrote), safe to print: links and
    formatting stay, mentions of channels and groups are defused, display-spoofing controls go."""
    return Mrkdwn(defuse_mentions(strip_invisible(text or "")))


class Texts:
    def __init__(self, override_dir: str | None = None, timezone_name: str = "UTC") -> None:
        folders = [str(BUILTIN_TEMPLATES)]
        if override_dir:
            folders.insert(0, override_dir)
        loader = jinja2.FileSystemLoader(folders)
        common = dict(
            loader=loader,
            undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly in tests
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )
        self.tz = ZoneInfo(timezone_name)
        self._md = jinja2.Environment(finalize=_finalize_mrkdwn, **common)
        self._plain = jinja2.Environment(finalize=_finalize_plain, **common)
        # In mrkdwn a time is Slack's <!date^…> token: every reader sees their own time zone, so two
        # messages never name one moment differently (UTC here, GMT there). Plain text (topics,
        # fallbacks) gets the configured zone.
        local_times = {"when": self.slack_when, "clock": self.slack_clock}
        plain_times = {"when": self.when, "clock": self.clock}
        for env, times in ((self._md, local_times), (self._plain, plain_times)):
            env.globals.update(
                mention=mention, channel_link=channel_link, link=link, mrkdwn=as_mrkdwn,
                duration=format_duration, slack_date=slack_date, **times,
            )
            env.filters.update(duration=format_duration, mrkdwn=as_mrkdwn, **times)

    def mrkdwn(self, name: str, block: str | None = None, /, **context: Any) -> Mrkdwn:
        return Mrkdwn(_render(self._md, name, block, context))

    def plain(self, name: str, block: str | None = None, /, **context: Any) -> Plain:
        return Plain(_render(self._plain, name, block, context))

    def blocks(self, name: str) -> frozenset[str]:
        """The blocks a template file has (an operator's copy may have fewer or more than the built-in)."""
        return frozenset(self._plain.get_template(name if name.endswith(".j2") else f"{name}.j2").blocks)

    def check(self) -> list[str]:
        """Compile every template (``warroom doctor``); returns problems found."""
        problems = []
        for name in self._md.list_templates(extensions=["j2"]):
            if name.startswith("web/"):   # pages: HTML, their own environment (bot.web.pages)
                continue
            try:
                self._md.get_template(name)
            except jinja2.TemplateError as exc:
                problems.append(f"{name}: {exc}")
        return problems

    # time, shown in the workspace's configured time zone unless a zone is given
    def when(self, ts: float | None, tz: str | None = None) -> str:
        if ts is None:
            return "-"
        zone = ZoneInfo(tz) if tz else self.tz
        moment = datetime.fromtimestamp(ts, tz=timezone.utc).astimezone(zone)
        return moment.strftime("%Y-%m-%d %H:%M ") + (moment.tzname() or "")

    def slack_when(self, ts: float | None, tz: str | None = None) -> str:
        return "-" if ts is None else slack_date(ts, self.when(ts, tz))

    def slack_clock(self, ts: float | None, tz: str | None = None) -> str:
        return "-" if ts is None else slack_date(ts, self.clock(ts, tz), "{time}")

    def clock(self, ts: float | None, tz: str | None = None) -> str:
        if ts is None:
            return "-"
        zone = ZoneInfo(tz) if tz else self.tz
        moment = datetime.fromtimestamp(ts, tz=timezone.utc).astimezone(zone)
        return moment.strftime("%H:%M ") + (moment.tzname() or "")



def slack_date(ts: float, fallback: str, fmt: str = "{date_short_pretty} at {time}") -> Mrkdwn:
    """Slack shows ``<!date^…>`` in each reader's own time zone ("today at 05:16", "Mar 2, 2026 at
    05:16": so templates write "acknowledged {{ when(t) }}", never "at {{ when(t) }}"); the fallback
    is for old clients."""
    return Mrkdwn(f"<!date^{int(ts)}^{fmt}|{escape_mrkdwn(fallback)}>")


def _render(env: jinja2.Environment, name: str, block: str | None, context: dict[str, Any]) -> str:
    template = env.get_template(name if name.endswith(".j2") else f"{name}.j2")
    if block is None:
        return template.render(**context).strip()
    try:
        render_block = template.blocks[block]
    except KeyError:
        raise KeyError(f"template {template.name} has no block {block!r}") from None
    return "".join(render_block(template.new_context(context))).strip()
