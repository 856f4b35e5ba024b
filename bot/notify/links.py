"""One-step acknowledge links: ``/ack/<token>``, signed (HMAC-SHA256 with a key kept in the database,
so every replica reads the same), expiring, and used once (the store remembers used ones)."""

from __future__ import annotations

import base64
import hashlib
import hmac

_MAC_BYTES = 20
SECRET_NAME = "ack-links"       # the key's name in web_secrets


class LinkError(Exception):
    """A link that does not acknowledge anything: ``reason`` is forged | expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _mac(key: str, body: str) -> str:
    digest = hmac.new(key.encode("utf-8"), body.encode("ascii"), hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def make_token(key: str, notification_id: int, expires_at: float) -> str:
    body = f"{notification_id}.{int(expires_at)}"
    return f"{body}.{_mac(key, body)}"


def read_token(key: str, token: str, now: float) -> int:
    """The notification a genuine, unexpired token is for."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise LinkError("forged")
    if not hmac.compare_digest(_mac(key, f"{parts[0]}.{parts[1]}"), parts[2]):
        raise LinkError("forged")
    if int(parts[1]) < now:
        raise LinkError("expired")
    return int(parts[0])
