"""Postmortems: one per incident, every version of its text, and each upload of a version to chat."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database

_VERSION_COLUMNS = "v.id, p.incident_id, v.number, v.origin, v.body, v.narrative, v.author, v.created_at"


@dataclass(frozen=True)
class PostmortemVersion:
    id: int
    incident_id: int
    number: int
    origin: str            # draft | human
    body: str
    narrative: str | None
    author: str | None
    created_at: float

    @property
    def is_human(self) -> bool:
        return self.origin == "human"


@dataclass(frozen=True)
class Postmortem:
    id: int
    incident_id: int
    current: PostmortemVersion | None
    pending: PostmortemVersion | None   # a newer draft kept aside while a person's edits stand


@dataclass(frozen=True)
class Upload:
    effect_id: int
    version_id: int
    channel: str
    file_id: str
    shared_at: float | None
    message_ts: str | None


class PostmortemStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, incident_id: int) -> Postmortem | None:
        row = self.db.one("SELECT id, current_version, pending_version FROM postmortems WHERE incident_id = ?",
                          (incident_id,))
        if row is None:
            return None
        return Postmortem(row[0], incident_id, self.version(row[1]) if row[1] else None,
                          self.version(row[2]) if row[2] else None)

    def ensure(self, incident_id: int, *, at: float) -> int:
        self.db.insert("postmortems", {"incident_id": incident_id, "created_at": at, "updated_at": at},
                       on_conflict_ignore=True)
        return int(self.db.scalar("SELECT id FROM postmortems WHERE incident_id = ?", (incident_id,)))

    def add_version(self, postmortem_id: int, *, origin: str, body: str, narrative: str | None, author: str | None,
                    at: float, effect_id: int | None = None) -> int:
        number = int(self.db.scalar("SELECT coalesce(max(number), 0) + 1 FROM postmortem_versions "
                                    "WHERE postmortem_id = ?", (postmortem_id,)))
        return int(self.db.insert("postmortem_versions", {
            "postmortem_id": postmortem_id, "number": number, "origin": origin, "body": body, "narrative": narrative,
            "author": author, "created_at": at, "effect_id": effect_id}))

    def point(self, postmortem_id: int, *, current: int | None, pending: int | None, at: float) -> None:
        self.db.update("postmortems", postmortem_id,
                       {"current_version": current, "pending_version": pending, "updated_at": at})

    def version(self, version_id: int) -> PostmortemVersion | None:
        row = self.db.one(f"SELECT {_VERSION_COLUMNS} FROM postmortem_versions v "
                          "JOIN postmortems p ON p.id = v.postmortem_id WHERE v.id = ?", (version_id,))
        return PostmortemVersion(*row) if row else None

    def version_made_by(self, effect_id: int) -> PostmortemVersion | None:
        row = self.db.one(f"SELECT {_VERSION_COLUMNS} FROM postmortem_versions v "
                          "JOIN postmortems p ON p.id = v.postmortem_id WHERE v.effect_id = ?", (effect_id,))
        return PostmortemVersion(*row) if row else None

    def versions(self, incident_id: int) -> list[PostmortemVersion]:
        """Newest first."""
        rows = self.db.query(f"SELECT {_VERSION_COLUMNS} FROM postmortem_versions v "
                             "JOIN postmortems p ON p.id = v.postmortem_id WHERE p.incident_id = ? "
                             "ORDER BY v.number DESC", (incident_id,))
        return [PostmortemVersion(*r) for r in rows]

    # uploads -----------------------------------------------------------------------------------
    def upload(self, effect_id: int) -> Upload | None:
        row = self.db.one("SELECT effect_id, version_id, channel, file_id, shared_at, message_ts "
                          "FROM postmortem_uploads WHERE effect_id = ?", (effect_id,))
        return Upload(*row) if row else None

    def upload_started(self, effect_id: int, version_id: int, *, channel: str, file_id: str, at: float) -> None:
        """A new file for this effect's upload (a retry's file replaces one that was never shared)."""
        self.db.execute(
            "INSERT INTO postmortem_uploads (effect_id, version_id, channel, file_id, started_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (effect_id) DO UPDATE SET channel = excluded.channel, file_id = excluded.file_id, "
            "started_at = excluded.started_at", (effect_id, version_id, channel, file_id, at))

    def upload_shared(self, effect_id: int, *, at: float, message_ts: str | None) -> None:
        self.db.execute("UPDATE postmortem_uploads SET shared_at = ?, message_ts = ? WHERE effect_id = ?",
                        (at, message_ts, effect_id))

    def uploads_of(self, incident_id: int) -> list[Upload]:
        rows = self.db.query(
            "SELECT u.effect_id, u.version_id, u.channel, u.file_id, u.shared_at, u.message_ts "
            "FROM postmortem_uploads u JOIN postmortem_versions v ON v.id = u.version_id "
            "JOIN postmortems p ON p.id = v.postmortem_id WHERE p.incident_id = ? ORDER BY u.started_at",
            (incident_id,))
        return [Upload(*r) for r in rows]
