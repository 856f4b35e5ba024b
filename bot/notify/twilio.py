"""Twilio: an SMS (Messages.json) and a call whose TwiML asks for a keypress (Calls.json), and the
X-Twilio-Signature check on what Twilio posts back."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Mapping
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape, quoteattr

import aiohttp

from bot.config.notify import TwilioSettings
from bot.notify.http import TIMEOUT, check, reach


def _base(settings: TwilioSettings, sid: str) -> str:
    return f"{settings.url}/2010-04-01/Accounts/{sid}"


async def _create(session: aiohttp.ClientSession, url: str, sid: str, token: str, form: dict[str, str],
                  what: str) -> str:
    async def call() -> str:
        basic = base64.b64encode(f"{sid}:{token}".encode("utf-8")).decode("ascii")
        async with session.post(url, data=form, headers={"Authorization": f"Basic {basic}"},
                                timeout=TIMEOUT) as response:
            text = await response.text()
            check(f"twilio {what}", response.status, text, response.headers)
            return str((await response.json(content_type=None)).get("sid") or "")
    return await reach("twilio", call)


async def send_sms(session: aiohttp.ClientSession, settings: TwilioSettings, sid: str, token: str, *, to: str,
                   body: str) -> str:
    """The message SID (SM…)."""
    return await _create(session, f"{_base(settings, sid)}/Messages.json", sid, token,
                         {"To": to, "From": settings.sender, "Body": body[:1600]}, "sms")


async def call(session: aiohttp.ClientSession, settings: TwilioSettings, sid: str, token: str, *, to: str,
               twiml: str) -> str:
    """The call SID (CA…)."""
    return await _create(session, f"{_base(settings, sid)}/Calls.json", sid, token,
                         {"To": to, "From": settings.sender, "Twiml": twiml}, "call")


def gather_twiml(say: str, action: str, no_input: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action={quoteattr(action)} '
            f'method="POST" timeout="8"><Say>{escape(say)}</Say></Gather><Say>{escape(no_input)}</Say>'
            "<Hangup/></Response>")


def say_twiml(say: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Say>{escape(say)}</Say><Hangup/></Response>'


def message_twiml(text: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'


def signature(token: str, url: str, params: Mapping[str, list[str]]) -> str:
    """Twilio's signature of a form POST: the URL, then each name and value in sorted order."""
    text = url + "".join(name + value for name in sorted(params) for value in sorted(params[name]))
    return base64.b64encode(hmac.new(token.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()).decode()


def valid_signature(token: str, url: str, params: Mapping[str, list[str]], given: str | None) -> bool:
    """As Twilio's own validator: the URL with and without its default port."""
    if not given:
        return False
    for candidate in _url_variants(url):
        if hmac.compare_digest(signature(token, candidate, params), given):
            return True
    return False


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    with_port = urlunsplit((parts.scheme, f"{host}:{parts.port or default}", parts.path, parts.query, ""))
    without = urlunsplit((parts.scheme, host if parts.port in (None, default) else f"{host}:{parts.port}",
                          parts.path, parts.query, ""))
    return list(dict.fromkeys([url, with_port, without]))
