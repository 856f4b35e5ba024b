"""``warroom doctor``: everything that would stop warroom from working, checked before it matters."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Callable

import aiohttp
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import (
    Config,
    ConfigError,
    EnvironmentError_,
    load_config,
    load_environment,
)
from bot.config.ai import AiSettings
from bot.config.tracker import TrackerSettings
from bot.effects.errors import RetryLater
from bot.text import Texts
from bot.tracker.client import Refused
from bot.tracker.sender import tracker_client
from storage.db import StorageError, open_database
from storage.migrations import LATEST_VERSION

MANIFEST = Path(__file__).resolve().parent / "manifest.yml"


class Report:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out
        self.failures = 0

    def ok(self, what: str) -> None:
        self.out(f"  ok    {what}")

    def bad(self, what: str, fix: str) -> None:
        self.failures += 1
        self.out(f"  FAIL  {what}\n        -> {fix}")

    def note(self, what: str) -> None:
        self.out(f"  note  {what}")


def manifest_scopes() -> set[str]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


def run_doctor(*, offline: bool = False, out: Callable[[str], None] = print) -> int:
    report = Report(out)
    out("warroom doctor")
    try:
        env = load_environment()
    except EnvironmentError_ as exc:
        report.bad("environment", str(exc))
        return 1
    config: Config | None = None
    try:
        config = load_config(env.config_path)
        report.ok(f"config {env.config_path or '(none: built-in defaults)'}")
    except ConfigError as exc:
        report.bad("config", str(exc))
    if config is not None:
        problems = Texts(config.templates, config.timezone).check()
        for problem in problems:
            report.bad("template", problem)
        if not problems:
            report.ok("templates compile")
    if not Path(env.db_path).exists():
        report.note(f"database {env.db_path} does not exist yet; warroom run creates it")
    else:
        try:
            db = open_database(env.db_path, migrate=False, create=False)  # read-only: doctor changes nothing
            version = db.schema_version()
            db.close()
            if version > LATEST_VERSION:
                report.bad(f"database {env.db_path}", f"schema {version} is newer than this warroom ({LATEST_VERSION})")
            else:
                report.ok(f"database {env.db_path} (schema {version}, current {LATEST_VERSION})")
        except StorageError as exc:
            report.bad("database", str(exc))
    try:
        bot_token, app_token = env.require_tokens()
        report.ok("SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set and look right")
    except EnvironmentError_ as exc:
        report.bad("tokens", str(exc))
        return _finish(report)
    if offline:
        report.note("--offline: skipped auth.test, scopes, channels, the tracker and the AI endpoint")
        return _finish(report)
    asyncio.run(_online_checks(report, env.api_url, bot_token, config))
    if config is not None:
        asyncio.run(_services_checks(report, config))
    return _finish(report)


async def _services_checks(report: Report, config: Config) -> None:
    """The tracker and the AI endpoint, each with the credentials warroom.yml names: reachable, and
    taking them (a wrong token shows here, not when a follow-up is filed at 2 a.m.)."""
    async with aiohttp.ClientSession() as session:
        if config.tracker is not None:
            await _tracker_check(report, config.tracker, session)
        if config.ai.enabled:
            await _ai_check(report, config.ai, session)


async def _tracker_check(report: Report, tracker: TrackerSettings, session: aiohttp.ClientSession) -> None:
    what = f"tracker: {tracker.name} {tracker.where}"
    try:
        # a search for a marker no ticket carries: it reads what filing needs (credentials, the project)
        await tracker_client(tracker, session, os.environ).find("warroom-doctor-finds-nothing")
    except Refused as exc:
        report.bad(what, f"{tracker.name} refused: {exc.reason}. Check {' and '.join(tracker.credentials)} and "
                         f"the project in warroom.yml's tracker section")
    except RetryLater as exc:
        report.bad(what, f"cannot use it now ({exc.reason}); is {tracker.url} reachable from here?")
    else:
        report.ok(f"{what} takes {' and '.join(tracker.credentials)}")


async def _ai_check(report: Report, ai: AiSettings, session: aiohttp.ClientSession) -> None:
    what = f"AI endpoint {ai.base_url}"
    key = os.environ.get(ai.api_key_env, "") if ai.api_key_env else ""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        async with session.get(f"{ai.base_url.rstrip('/')}/models", headers=headers,
                               timeout=aiohttp.ClientTimeout(total=10)) as response:
            data = await response.json(content_type=None) if response.status == 200 else None
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        report.bad(what, f"cannot reach it: {type(exc).__name__}; check ai.base_url")
        return
    if status in (401, 403):
        report.bad(what, f"it refused the key (HTTP {status}): check {ai.api_key_env or 'ai.api_key_env'}")
    elif status != 200:
        report.note(f"{what}: GET /models answered HTTP {status}; drafts will show whether it works")
    else:
        offered = sorted(m.get("id", "") for m in (data or {}).get("data", []) if isinstance(m, dict))
        if ai.model in offered:
            report.ok(f"{what} offers {ai.model}")
        else:
            report.bad(what, f"it does not offer the model {ai.model!r}; it offers: {', '.join(offered[:10]) or 'none'}")


async def _online_checks(report: Report, api_url: str, bot_token: str, config: Config | None) -> None:
    client = AsyncWebClient(token=bot_token, base_url=api_url)
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        report.bad("auth.test", f"Slack refused the bot token: {exc.response.get('error')}; reinstall the app and copy it again")
        return
    except Exception as exc:
        report.bad("auth.test", f"cannot reach {api_url}: {type(exc).__name__}: {exc}")
        return
    report.ok(f"auth.test: bot @{auth.get('user')} in {auth.get('team')}")
    granted_header = auth.headers.get("x-oauth-scopes") or auth.headers.get("X-OAuth-Scopes")
    if granted_header is None:
        report.note("Slack did not say which scopes were granted (no X-OAuth-Scopes header)")
    else:
        granted = {s.strip() for s in granted_header.split(",") if s.strip()}
        missing = sorted(manifest_scopes() - granted)
        if missing:
            report.bad("scopes", f"the app lacks {', '.join(missing)}: update it from `warroom manifest` and reinstall")
        else:
            report.ok("every scope the manifest asks for is granted")
    if config is None:
        return
    wanted = {k: v for k, v in vars(config.channels).items() if v}
    try:
        found: set[str] = set()
        cursor = None
        for _ in range(50):
            data = await client.conversations_list(types="public_channel,private_channel", exclude_archived=True,
                                                   limit=1000, cursor=cursor)
            found.update(c["name"] for c in data.get("channels", []))
            found.update(c["id"] for c in data.get("channels", []))
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        report.bad("channels", f"conversations.list failed: {exc.response.get('error')}")
        return
    for key, ref in wanted.items():
        if ref in found:
            report.ok(f"channels.{key}: #{ref}")
        else:
            report.bad(f"channels.{key}: #{ref}", "create the channel (or fix the name in warroom.yml); for a private "
                                                  "channel, invite the warroom bot into it")


def _finish(report: Report) -> int:
    report.out("all good" if report.failures == 0 else f"{report.failures} problem(s) found")
    sys.stdout.flush()
    return 0 if report.failures == 0 else 1
