"""Run the bot on its own asyncio loop in a background thread, for ``warroom sandbox`` and tests.

It is the same :class:`bot.app.Warroom` that ``warroom run`` starts, connected by real HTTP
and Socket Mode; only the thread it lives on differs.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from datetime import timedelta
from typing import Any, Callable

from bot.app import Options, Warroom
from bot.config import Config
from bot.config.env import SlackSignInSettings


class EmbeddedBot:
    def __init__(self, config: Config, *, bot_token: str, app_token: str, api_url: str, db_path: str,
                 options: Options | None = None, sign_in: SlackSignInSettings | None = None) -> None:
        self.options = options or Options()
        self.clock = self.options.clock
        self.bot = Warroom(config, bot_token=bot_token, app_token=app_token, api_url=api_url, db_path=db_path,
                           options=self.options, sign_in=sign_in)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="warroom-bot", daemon=True)

    def start(self) -> "EmbeddedBot":
        self.thread.start()
        self.call(self.bot.start())
        return self

    def call(self, coro, timeout: float = 30.0) -> Any:
        future: Future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run a plain function on the bot's loop (its database connection lives there)."""
        async def wrapper() -> Any:
            return fn()
        return self.call(wrapper())

    def settle(self, timeout: float = 10.0, horizon: float = 3600.0) -> bool:
        """Wait until every recorded effect due within ``horizon`` seconds has been performed."""
        return bool(self.call(self.bot.runner.drain(timeout, horizon=horizon), timeout + 5))

    def advance(self, delta: timedelta) -> None:
        """Move the bot's clock; due timers fire through APScheduler as in production."""
        self.clock.advance(delta)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.run(lambda: self.bot.db.query(sql, params))

    def stop(self) -> None:
        try:
            self.call(self.bot.stop(), timeout=15)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
