"""ntfy: publish as JSON to the server's root URL, with an http action button that acknowledges."""

from __future__ import annotations

import aiohttp

from bot.config.notify import NtfySettings
from bot.notify.http import TIMEOUT, check, reach


async def publish(session: aiohttp.ClientSession, settings: NtfySettings, token: str | None, *, topic: str,
                  title: str, message: str, urgent: bool, ack_url: str, ack_label: str, open_label: str) -> str:
    """The message id ntfy gave it. The phone itself POSTs to ``ack_url`` when the button is pressed."""
    body = {
        "topic": topic, "title": title[:250], "message": message[:4000], "priority": 5 if urgent else 3,
        "tags": ["rotating_light"] if urgent else ["bell"], "click": ack_url,
        "actions": [
            {"action": "http", "label": ack_label, "url": ack_url, "method": "POST", "clear": True},
            {"action": "view", "label": open_label, "url": ack_url},
        ],
    }
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def call() -> str:
        async with session.post(settings.url + "/", json=body, headers=headers, timeout=TIMEOUT) as response:
            text = await response.text()
            check("ntfy", response.status, text, response.headers)
            data = await response.json(content_type=None)
            return str(data.get("id") or "")
    return await reach("ntfy", call)
