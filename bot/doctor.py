"""``warroom doctor``: everything that would stop warroom from working, checked before it matters."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Callable

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
from bot.text import Texts
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
        report.note("--offline: skipped auth.test, scopes and channels")
        return _finish(report)
    asyncio.run(_online_checks(report, env.api_url, bot_token, config))
    return _finish(report)


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
