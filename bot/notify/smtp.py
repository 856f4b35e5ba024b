"""Email over SMTP (submission with STARTTLS, implicit TLS, or a local relay), in a worker thread:
the standard library's smtplib, so no extra dependency; replies classified as RFC 5321 says."""

from __future__ import annotations

import asyncio
import functools
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.config.notify import EmailSettings
from bot.effects.errors import Permanent, RetryLater

TIMEOUT = 15.0


def build(settings: EmailSettings, *, to: str, subject: str, body: str, notification_id: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = settings.sender.rsplit("@", 1)[-1].strip(" >") or "warroom"
    message["Message-ID"] = make_msgid(idstring=f"n{notification_id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"           # auto-responders must not answer a page
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(body)
    return message


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying context for every email: building one reads the system's CA store (tens of ms
    under the GIL), which in a storm of pages was half of all the time spent."""
    return ssl.create_default_context()


def _send(settings: EmailSettings, username: str | None, password: str | None, message: EmailMessage) -> None:
    if settings.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=_tls_context())
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    with client:
        client.ehlo()
        if settings.security == "starttls":
            if not client.has_extn("starttls"):
                raise Permanent("email: the server does not offer STARTTLS; refusing to send the password in clear")
            client.starttls(context=_tls_context())
            client.ehlo()
        if username is not None and password is not None:
            client.login(username, password)
        client.send_message(message)


async def send(settings: EmailSettings, username: str | None, password: str | None, message: EmailMessage) -> None:
    try:
        await asyncio.to_thread(_send, settings, username, password, message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        _raise(code, reply)
    except smtplib.SMTPResponseException as exc:
        _raise(exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPServerDisconnected, ConnectionError, OSError, TimeoutError) as exc:
        raise RetryLater(f"email: {type(exc).__name__}: {exc}") from None


def _raise(code: int, reply: bytes | str) -> None:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    if 400 <= code < 500:
        raise RetryLater(f"email: SMTP {code} {text}"[:200])
    raise Permanent(f"email: SMTP {code} {text}"[:200])
