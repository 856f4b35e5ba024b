"""What each person has been shown privately: ephemeral messages, slash
command acks, response_url replies and error notices from Slack itself.

Records are plain dicts so tests can read them directly; they are never
removed, only flagged ``replaced`` / ``deleted`` like an ephemeral that the app
replaced in place.
"""

from __future__ import annotations

import copy
from typing import Any

from .ids import TsClock


class Feed:
    def __init__(self, clock: TsClock) -> None:
        self._clock = clock
        self.records: list[dict[str, Any]] = []

    def add(self, *, user: str, channel: str, source: str, text: str = "",
            blocks: list[dict[str, Any]] | None = None, response_type: str = "ephemeral",
            replace_original: bool = False, ref: str | None = None,
            thread_ts: str | None = None, message_ts: str | None = None,
            attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {
            "source": source, "user": user, "channel": channel, "text": text,
            "blocks": copy.deepcopy(blocks) if blocks is not None else None,
            "ts": message_ts or self._clock.next(), "response_type": response_type,
            "replace_original": replace_original, "ref": ref, "seq": len(self.records),
            "replaced": False, "deleted": False, "is_ephemeral": response_type != "in_channel",
        }
        if attachments:
            record["attachments"] = copy.deepcopy(attachments)
        if thread_ts:
            record["thread_ts"] = thread_ts
        self.records.append(record)
        return record

    def find(self, user: str, ts: str) -> dict[str, Any] | None:
        return next((r for r in self.records if r["user"] == user and r["ts"] == ts), None)

    def for_user(self, user: str, channel: str | None = None, *, ephemeral_only: bool = True
                 ) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for r in self.records
                if r["user"] == user and (channel is None or r["channel"] == channel)
                and (r["is_ephemeral"] or not ephemeral_only)]

    def since(self, user: str, seq: int) -> list[dict[str, Any]]:
        return [r for r in self.records if r["user"] == user and r["seq"] >= seq]

    def next_seq_peek(self) -> int:
        """The seq the next record will get (used to mark "after this command")."""
        return len(self.records)
