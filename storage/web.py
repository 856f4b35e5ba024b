"""What the web side keeps: the key its cookies are signed with, and one-time sign-in links."""

from __future__ import annotations

import hashlib
from typing import Callable

from storage.database import Database


class WebSecrets:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get_or_make(self, name: str, make: Callable[[], str]) -> str:
        """The secret called ``name``; the first replica to ask makes it, the others read the same one."""
        with self.db.transaction():
            self.db.insert_returning("web_secrets", {"name": name, "value": make()}, "name", on_conflict_ignore=True)
            return str(self.db.scalar("SELECT value FROM web_secrets WHERE name = ?", (name,)))


class LoginLinks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, token: str, user: str, *, now: float, expires_at: float) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM login_links WHERE expires_at < ?", (now,))
            self.db.insert_returning("login_links", {"token_hash": _hash(token), "user_id": user, "created_at": now,
                                                     "expires_at": expires_at}, "token_hash")

    def use(self, token: str, *, now: float) -> str | None:
        """The user the link signs in, once: a second use, or one after it expired, gets None."""
        with self.db.transaction():
            row = self.db.one("UPDATE login_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
                              "AND expires_at > ? RETURNING user_id", (now, _hash(token), now))
        return str(row[0]) if row else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
