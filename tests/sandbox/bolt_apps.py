"""One small incident app written twice, for slack_bolt's sync App (builtin
Socket Mode client) and AsyncApp (aiohttp client), unmodified except for the
sandbox's base_url. Tests drive both through the same scenarios."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Awaitable, Callable

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.websocket_client import (
    SocketModeHandler as WebsocketClientHandler,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from sandbox import Sandbox

DECLARE_VIEW = {
    "type": "modal", "callback_id": "declare",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [{"type": "input", "block_id": "title_b",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "title"}}],
}
PAGE_BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "You are paged"}},
               {"type": "actions", "elements": [
                   {"type": "button", "action_id": "ack_page", "value": "p1",
                    "text": {"type": "plain_text", "text": "Acknowledge"}}]}]


def _title(view: dict[str, Any]) -> str:
    return view["state"]["values"]["title_b"]["title"]["value"]


def build_sync(sb: Sandbox) -> App:
    app = App(client=WebClient(token=sb.bot_token, base_url=sb.api_url))

    @app.command("/incident")
    def incident(ack: Any, body: dict, respond: Any, client: WebClient) -> None:
        text = body["text"]
        if text == "modal":
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=DECLARE_VIEW)
            return
        if text == "page":
            ack()
            client.chat_postMessage(channel=body["user_id"], text="Paged", blocks=PAGE_BLOCKS)
            return
        ack("Working on it")
        respond(f"Declared: {text}")
        client.chat_postEphemeral(channel=body["channel_id"], user=body["user_id"],
                                  text="Only you can see this")

    @app.action("ack_page")
    def ack_page(ack: Any, body: dict, respond: Any) -> None:
        ack()
        respond(replace_original=True, text=f"Acknowledged by <@{body['user']['id']}>")

    @app.view("declare")
    def declare(ack: Any, view: dict, body: dict, client: WebClient) -> None:
        title = _title(view)
        if len(title) < 3:
            ack(response_action="errors", errors={"title_b": "Title is too short"})
            return
        ack()
        client.chat_postMessage(channel="incidents", text=f"Incident declared: {title}")

    @app.event("message")
    def on_message(event: dict, client: WebClient) -> None:
        if "help" in event.get("text", ""):
            client.reactions_add(channel=event["channel"], timestamp=event["ts"], name="eyes")
            client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"],
                                    text="On it")

    return app


def build_async(sb: Sandbox) -> AsyncApp:
    app = AsyncApp(client=AsyncWebClient(token=sb.bot_token, base_url=sb.api_url))

    @app.command("/incident")
    async def incident(ack: Any, body: dict, respond: Any, client: AsyncWebClient) -> None:
        text = body["text"]
        if text == "modal":
            await ack()
            await client.views_open(trigger_id=body["trigger_id"], view=DECLARE_VIEW)
            return
        if text == "page":
            await ack()
            await client.chat_postMessage(channel=body["user_id"], text="Paged",
                                          blocks=PAGE_BLOCKS)
            return
        await ack("Working on it")
        await respond(f"Declared: {text}")
        await client.chat_postEphemeral(channel=body["channel_id"], user=body["user_id"],
                                        text="Only you can see this")

    @app.action("ack_page")
    async def ack_page(ack: Any, body: dict, respond: Any) -> None:
        await ack()
        await respond(replace_original=True, text=f"Acknowledged by <@{body['user']['id']}>")

    @app.view("declare")
    async def declare(ack: Any, view: dict, client: AsyncWebClient) -> None:
        title = _title(view)
        if len(title) < 3:
            await ack(response_action="errors", errors={"title_b": "Title is too short"})
            return
        await ack()
        await client.chat_postMessage(channel="incidents", text=f"Incident declared: {title}")

    @app.event("message")
    async def on_message(event: dict, client: AsyncWebClient) -> None:
        if "help" in event.get("text", ""):
            await client.reactions_add(channel=event["channel"], timestamp=event["ts"],
                                       name="eyes")
            await client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"],
                                          text="On it")

    return app


class SyncBolt:
    """Sync App; ``websocket_client=True`` swaps the builtin client for websocket-client.
    ``received`` lists every request body the app got; ``setup`` adds listeners."""

    def __init__(self, sb: Sandbox, *, websocket_client: bool = False,
                 setup: Callable[[App], None] | None = None) -> None:
        app = build_sync(sb)
        self.received: list[dict[str, Any]] = []

        @app.middleware
        def record(body: dict, next: Callable[[], Any]) -> Any:
            self.received.append(body)
            return next()

        if setup is not None:
            setup(app)
        if websocket_client:
            # This client starts a replacement session from a monitor that runs
            # every ping_interval (10 s by default); keep that short.
            self.handler = WebsocketClientHandler(app, sb.app_token, ping_interval=1)
        else:
            self.handler = SocketModeHandler(app, sb.app_token)

    def start(self) -> None:
        self.handler.connect()

    def stop(self) -> None:
        try:
            self.handler.close()
        except AttributeError:
            # slack_sdk's builtin Connection.disconnect() checks `self.sock is not None` and then uses it
            # while its receive thread, seeing the server gone, sets it to None: a race in the SDK's own
            # teardown, after every assertion of the test has run.
            pass


class AsyncBolt:
    """AsyncApp on its own loop thread, so the blocking person API can't starve it.
    ``received`` lists every request body the app got; ``setup`` adds listeners."""

    def __init__(self, sb: Sandbox, *, setup: Callable[[AsyncApp], None] | None = None) -> None:
        self.sb = sb
        self.setup = setup
        self.received: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.handler: AsyncSocketModeHandler | None = None

    def start(self) -> None:
        self.thread.start()

        async def start() -> None:
            app = build_async(self.sb)

            @app.middleware
            async def record(body: dict, next: Callable[[], Awaitable[Any]]) -> Any:
                self.received.append(body)
                return await next()

            if self.setup is not None:
                self.setup(app)
            self.handler = AsyncSocketModeHandler(app, self.sb.app_token)
            await self.handler.connect_async()

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)

    def stop(self) -> None:
        assert self.handler is not None
        asyncio.run_coroutine_threadsafe(self.handler.close_async(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
