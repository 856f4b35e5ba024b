"""Modal stacks, home tabs and trigger ids.

A person has at most one modal stack (bottom first, up to 3 views) and one
published home view. Trigger ids are minted per interactive envelope and can
be exchanged once, within ``trigger_ttl`` seconds.
"""

from __future__ import annotations

import copy
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .blockkit import fill_ids
from .errors import SlackError
from .ids import IdFactory
from .viewstate import initial_state

MAX_STACK = 3


@dataclass
class ViewRecord:
    id: str
    user: str
    team_id: str
    app_id: str
    bot_id: str
    source: dict[str, Any]                 # the view as the app sent it (ids filled in)
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.source.get("type", "modal"))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return self.source.get("blocks") or []

    def to_slack(self) -> dict[str, Any]:
        src = self.source
        return {
            "id": self.id, "team_id": self.team_id, "type": self.type,
            "blocks": copy.deepcopy(self.blocks),
            "private_metadata": src.get("private_metadata", ""),
            "callback_id": src.get("callback_id", ""),
            "state": {"values": copy.deepcopy(self.values)},
            "hash": self.hash,
            "title": copy.deepcopy(src.get("title")),
            "clear_on_close": bool(src.get("clear_on_close", False)),
            "notify_on_close": bool(src.get("notify_on_close", False)),
            "close": copy.deepcopy(src.get("close")),
            "submit": copy.deepcopy(src.get("submit")),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": self.app_id,
            "external_id": src.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }


def _new_hash() -> str:
    return f"{int(time.time())}.{secrets.token_urlsafe(6)}"


class ViewStore:
    def __init__(self, ids: IdFactory, *, team_id: str, app_id: str, bot_id: str) -> None:
        self._ids = ids
        self._team_id, self._app_id, self._bot_id = team_id, app_id, bot_id
        self.by_id: dict[str, ViewRecord] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}

    def _make(self, user: str, view: dict[str, Any], *, root: str | None, previous: str | None
              ) -> ViewRecord:
        self._check_external_id(view.get("external_id"), None)
        source = copy.deepcopy(view)
        fill_ids(source.get("blocks") or [])
        vid = self._ids.new("V")
        rec = ViewRecord(id=vid, user=user, team_id=self._team_id, app_id=self._app_id,
                         bot_id=self._bot_id, source=source, hash=_new_hash(),
                         root_view_id=root or vid, previous_view_id=previous,
                         values=initial_state(source.get("blocks") or []))
        self.by_id[vid] = rec
        return rec

    def _check_external_id(self, external_id: Any, own_id: str | None) -> None:
        if not external_id:
            return
        for rec in self.by_id.values():
            if rec.source.get("external_id") == external_id and rec.id != own_id \
                    and self._is_live(rec):
                raise SlackError("duplicate_external_id")

    def _is_live(self, rec: ViewRecord) -> bool:
        return rec.id in self.stacks.get(rec.user, []) or self.homes.get(rec.user) == rec.id

    # --- modal stack -----------------------------------------------------------------
    def stack(self, user: str) -> list[ViewRecord]:
        return [self.by_id[v] for v in self.stacks.get(user, [])]

    def top(self, user: str) -> ViewRecord | None:
        stack = self.stacks.get(user) or []
        return self.by_id[stack[-1]] if stack else None

    def open(self, user: str, view: dict[str, Any]) -> ViewRecord:
        # A new views.open replaces whatever modal the person had open.
        rec = self._make(user, view, root=None, previous=None)
        self.stacks[user] = [rec.id]
        return rec

    def push(self, user: str, view: dict[str, Any]) -> ViewRecord:
        stack = self.stacks.get(user) or []
        if not stack:
            raise SlackError("not_found")
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        top = self.by_id[stack[-1]]
        rec = self._make(user, view, root=top.root_view_id, previous=top.id)
        stack.append(rec.id)
        return rec

    def find(self, view_id: str | None, external_id: str | None) -> ViewRecord:
        if view_id:
            rec = self.by_id.get(view_id)
        else:
            rec = next((r for r in self.by_id.values()
                        if r.source.get("external_id") == external_id and self._is_live(r)), None)
        if rec is None or not self._is_live(rec):
            raise SlackError("not_found")
        return rec

    def replace(self, rec: ViewRecord, view: dict[str, Any], expected_hash: str | None) -> ViewRecord:
        """views.update / response_action update: same id, new content and hash."""
        if expected_hash and expected_hash != rec.hash:
            raise SlackError("hash_conflict")
        self._check_external_id(view.get("external_id"), rec.id)
        source = copy.deepcopy(view)
        fill_ids(source.get("blocks") or [])
        rec.values = initial_state(source.get("blocks") or [], rec.values)
        rec.source = source
        rec.hash = _new_hash()
        return rec

    def pop(self, user: str) -> ViewRecord | None:
        stack = self.stacks.get(user) or []
        if not stack:
            return None
        rec = self.by_id[stack.pop()]
        if rec.source.get("clear_on_close"):
            stack.clear()
        return rec

    def clear(self, user: str) -> list[ViewRecord]:
        closed = self.stack(user)
        self.stacks[user] = []
        return closed

    # --- home tab ----------------------------------------------------------------------
    def publish(self, user: str, view: dict[str, Any], expected_hash: str | None) -> ViewRecord:
        current = self.by_id.get(self.homes.get(user, ""))
        if current is not None:
            return self.replace(current, view, expected_hash)
        rec = self._make(user, view, root=None, previous=None)
        self.homes[user] = rec.id
        return rec

    def home(self, user: str) -> ViewRecord | None:
        return self.by_id.get(self.homes.get(user, ""))


@dataclass
class _Trigger:
    user: str
    created: float
    used: bool = False


class TriggerStore:
    """trigger_ids: valid once, within ``ttl`` seconds (Slack: 3 s)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._triggers: dict[str, _Trigger] = {}

    def mint(self, user: str, team_number: str) -> str:
        trigger_id = f"{int(time.time() * 1000)}.{team_number}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user=user, created=time.monotonic())
        return trigger_id

    def consume(self, trigger_id: str | None) -> str:
        """The user the trigger belongs to; Slack's error when it can't be used."""
        trig = self._triggers.get(trigger_id or "")
        if trig is None:
            raise SlackError("invalid_trigger_id")
        if trig.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trig.created > self.ttl:
            raise SlackError("expired_trigger_id")
        trig.used = True
        return trig.user
