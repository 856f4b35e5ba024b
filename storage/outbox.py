"""The outbox: side effects recorded in the same transaction as the state change that needs them."""

from __future__ import annotations

import json
from typing import Any

from kernel.outbox import Effect
from storage.database import Database

_COLUMNS = "id, kind, lane, payload, attempts, first_attempt_at, due_at, depends_on, created_at"


def _effect(row: tuple) -> Effect:
    return Effect(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], row[7], row[8])


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        lane: str,
        now: float,
        depends_on: int | None = None,
        delay: float = 0.0,
        coalesce: bool = False,
    ) -> int:
        """Record an effect. With ``coalesce``, an effect of the same kind in the same lane that has
        not started yet already covers this one (it reads current state when it runs)."""
        if coalesce:
            row = self.db.execute(
                "SELECT id FROM outbox WHERE lane = ? AND kind = ? AND state = 'pending' AND attempts = 0 LIMIT 1",
                (lane, kind),
            ).fetchone()
            if row:
                return int(row[0])
        return int(self.db.insert("outbox", {
            "kind": kind, "lane": lane, "payload": json.dumps(payload, separators=(",", ":")),
            "due_at": now + delay, "depends_on": depends_on, "created_at": now}))

    _RUNNABLE = """
            o.state = 'pending'
              AND (o.depends_on IS NULL
                   OR (SELECT d.state FROM outbox d WHERE d.id = o.depends_on) = 'done')
              AND o.id = (SELECT min(p.id) FROM outbox p WHERE p.lane = o.lane AND p.state = 'pending')"""

    def ready(self, now: float, limit: int = 200) -> list[Effect]:
        """Due effects whose dependency is done and that head their lane."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM outbox o WHERE o.due_at <= ? AND {self._RUNNABLE} ORDER BY o.id LIMIT ?",
            (now, limit),
        ).fetchall()
        return [_effect(r) for r in rows]

    def next_due_at(self, running: set[int] | frozenset[int] = frozenset()) -> float | None:
        """When the next runnable effect falls due. Effects blocked behind another (a lane head that is
        backing off, a dependency not done) and effects already running do not count: waking for them
        would spin."""
        skip = ",".join(str(int(i)) for i in running) or "0"
        row = self.db.execute(
            f"SELECT min(o.due_at) FROM outbox o WHERE o.id NOT IN ({skip}) AND {self._RUNNABLE}").fetchone()
        return row[0]

    def start_attempt(self, effect_id: int, now: float) -> None:
        # Committed before the Slack call, so after a crash we know this effect may have happened.
        self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?) WHERE id = ?",
            (now, effect_id),
        )

    def complete(self, effect_id: int, now: float, result: dict[str, Any] | None = None) -> None:
        self.db.execute(
            "UPDATE outbox SET state = 'done', finished_at = ?, result = ?, last_error = NULL WHERE id = ?",
            (now, json.dumps(result) if result is not None else None, effect_id),
        )

    def replace_payload(self, effect_id: int, payload: dict[str, Any]) -> None:
        """A finished effect keeps only what history needs (no live response URLs, say)."""
        self.db.execute("UPDATE outbox SET payload = ? WHERE id = ?",
                        (json.dumps(payload, separators=(",", ":")), effect_id))

    def retry_later(self, effect_id: int, due_at: float, error: str, *, counts_as_attempt: bool = True) -> None:
        if counts_as_attempt:
            self.db.execute(
                "UPDATE outbox SET due_at = ?, last_error = ? WHERE id = ?", (due_at, error[:500], effect_id)
            )
        else:  # nothing was sent (waiting on state): undo the attempt mark
            self.db.execute(
                "UPDATE outbox SET due_at = ?, last_error = ?, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
                "first_attempt_at = CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_at END WHERE id = ?",
                (due_at, error[:500], effect_id),
            )

    def fail(self, effect_id: int, now: float, error: str) -> list[int]:
        """Give up on an effect and on everything that depended on it; returns the ids failed."""
        failed = [effect_id]
        with self.db.transaction() as db:
            frontier = [effect_id]
            db.execute(
                "UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ? WHERE id = ?",
                (now, error[:500], effect_id),
            )
            while frontier:
                current = frontier.pop()
                children = [r[0] for r in db.execute(
                    "SELECT id FROM outbox WHERE depends_on = ? AND state = 'pending'", (current,)
                )]
                for child in children:
                    db.execute(
                        "UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ? WHERE id = ?",
                        (now, f"effect {effect_id} it depends on failed: {error}"[:500], child),
                    )
                failed.extend(children)
                frontier.extend(children)
        return failed

    def get(self, effect_id: int) -> Effect | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (effect_id,)).fetchone()
        return _effect(row) if row else None

    def state_of(self, effect_id: int) -> str | None:
        row = self.db.execute("SELECT state FROM outbox WHERE id = ?", (effect_id,)).fetchone()
        return row[0] if row else None

    def pending_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])

    def prune(self, older_than: float) -> int:
        """Finished effects are only history; keep the table small."""
        cursor = self.db.execute(
            "DELETE FROM outbox WHERE state IN ('done', 'failed') AND finished_at < ? "
            "AND id NOT IN (SELECT depends_on FROM outbox WHERE depends_on IS NOT NULL AND state = 'pending')",
            (older_than,),
        )
        return cursor.rowcount
