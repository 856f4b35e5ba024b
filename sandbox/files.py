"""Files uploaded the way Slack's current flow works: files.getUploadURLExternal reserves a file and an
upload URL, the bytes are POSTed to that URL, files.completeUploadExternal shares the file in a channel
as a message carrying it. A file never completed is never shared (Slack drops it)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class File:
    id: str
    name: str
    length: int              # the size declared to getUploadURLExternal
    user: str
    created: int
    upload_key: str
    content: bytes | None = None
    title: str | None = None
    completed: bool = False
    shares: dict[str, list[str]] = field(default_factory=dict)   # channel -> message ts

    @property
    def filetype(self) -> str:
        ext = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""
        return {"md": "markdown", "txt": "text", "json": "json", "csv": "csv"}.get(ext, ext or "binary")

    @property
    def mimetype(self) -> str:
        return {"markdown": "text/markdown", "text": "text/plain", "json": "application/json",
                "csv": "text/csv"}.get(self.filetype, "application/octet-stream")

    def to_slack(self, team_domain: str) -> dict[str, Any]:
        return {"id": self.id, "created": self.created, "timestamp": self.created, "name": self.name,
                "title": self.title or self.name, "mimetype": self.mimetype, "filetype": self.filetype,
                "pretty_type": self.filetype.capitalize(), "user": self.user, "size": len(self.content or b""),
                "mode": "hosted", "is_external": False, "is_public": bool(self.shares),
                "url_private": f"https://files.slack.com/files-pri/{self.id}/{self.name}",
                "permalink": f"https://{team_domain}.slack.com/files/{self.user}/{self.id}/{self.name}",
                "shares": {"public": {c: [{"ts": ts} for ts in tss] for c, tss in self.shares.items()}}}


class FileStore:
    def __init__(self) -> None:
        self.files: dict[str, File] = {}
        self.by_key: dict[str, str] = {}
        self._lock = threading.Lock()

    def reserve(self, file_id: str, *, name: str, length: int, user: str, created: int) -> File:
        key = secrets.token_urlsafe(18)
        with self._lock:
            file = self.files[file_id] = File(file_id, name, length, user, created, key)
            self.by_key[key] = file_id
        return file

    def receive(self, key: str, content: bytes) -> tuple[int, str]:
        """The POST to an upload URL: (HTTP status, body). The bytes must be as long as declared; an
        upload URL takes bytes until its file is completed."""
        with self._lock:
            file = self.files.get(self.by_key.get(key, ""))
            if file is None or file.completed:
                return 404, "Not Found"
            if len(content) != file.length:
                return 400, f"length_mismatch: declared {file.length} bytes, received {len(content)}"
            file.content = content
        return 200, f"OK - {len(content)}"
