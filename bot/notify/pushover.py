"""Pushover: messages.json, and for urgent pages emergency priority with a receipt polled until someone
acknowledges it in the app (no more often than Pushover's 5 s floor)."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.config.notify import PushoverSettings
from bot.effects.errors import Permanent
from bot.notify.http import TIMEOUT, check, reach


@dataclass(frozen=True)
class Receipt:
    acknowledged: bool
    expired: bool


async def send(session: aiohttp.ClientSession, settings: PushoverSettings, token: str, *, user_key: str, title: str,
               message: str, urgent: bool, url: str, url_title: str) -> str | None:
    """The receipt of an emergency message (None for a normal one)."""
    form = {"token": token, "user": user_key, "title": title[:250], "message": message[:1024], "url": url[:512],
            "url_title": url_title[:100], "priority": "2" if urgent else "0"}
    if urgent:
        form.update(retry=str(settings.retry), expire=str(settings.expire))

    async def call() -> str | None:
        async with session.post(f"{settings.url}/1/messages.json", data=form, timeout=TIMEOUT) as response:
            text = await response.text()
            check("pushover", response.status, _errors(text), response.headers)
            data = await response.json(content_type=None)
            if data.get("status") != 1:
                raise Permanent(f"pushover: refused: {_errors(text)}")
            return data.get("receipt") if urgent else None
    return await reach("pushover", call)


async def receipt(session: aiohttp.ClientSession, settings: PushoverSettings, token: str, receipt_id: str) -> Receipt:
    async def call() -> Receipt:
        async with session.get(f"{settings.url}/1/receipts/{receipt_id}.json", params={"token": token},
                               timeout=TIMEOUT) as response:
            text = await response.text()
            check("pushover receipt", response.status, _errors(text), response.headers)
            data = await response.json(content_type=None)
            return Receipt(bool(int(data.get("acknowledged") or 0)), bool(int(data.get("expired") or 0)))
    return await reach("pushover", call)


async def cancel(session: aiohttp.ClientSession, settings: PushoverSettings, token: str, receipt_id: str) -> None:
    async def call() -> None:
        async with session.post(f"{settings.url}/1/receipts/{receipt_id}/cancel.json", data={"token": token},
                                timeout=TIMEOUT) as response:
            check("pushover cancel", response.status, _errors(await response.text()), response.headers)
    await reach("pushover", call)


def _errors(text: str) -> str:
    """Pushover's ``errors`` list when the body has one (never the token, which is not echoed)."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return text
    return "; ".join(data.get("errors") or []) or text if isinstance(data, dict) else text
