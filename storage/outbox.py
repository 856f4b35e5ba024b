"""The outbox: side effects recorded in the same transaction as the state change that needs them."""

from __future__ import annotations

import json
from typing import Any

from kernel.outbox import Effect
from storage.database import Database, RowId

_COLUMNS = "id, kind, lane, payload, attempts, first_attempt_at, due_at, depends_on, created_at"
WORK_CHANNEL = "warroom_work"   # notified when an effect or a timer is recorded (the sender may be another replica)


def _effect(row: tuple, before: int = 0) -> Effect:
    """``before``: 1 when the row's attempts already count the attempt being made now."""
    return Effect(row[0], row[1], row[2], json.loads(row[3]), row[4] - before, row[5], row[6], row[7], row[8])


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # the coalescing effects the transaction under way recorded already: (its number, (kind, lane) -> id)
        self._coalesced: tuple[int, dict[tuple[str, str], int | RowId]] = (0, {})

    def add(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        lane: str,
        now: float,
        depends_on: int | RowId | None = None,
        delay: float = 0.0,
        coalesce: bool = False,
    ) -> int | RowId:
        """Record an effect. With ``coalesce``, an effect of the same kind in the same lane that has
        not started yet already covers this one (it reads current state when it runs)."""
        self.db.notify(WORK_CHANNEL)
        if coalesce:
            # one such effect per transaction: a storm's repeats in one slice all sync the same batch's
            # message, and the row the first one wrote (locked by this transaction) covers them all
            if self.db.in_transaction:
                number, recorded = self._coalesced
                if number != self.db.transactions_begun:
                    self._coalesced = number, recorded = self.db.transactions_begun, {}
                if (kind, lane) in recorded:
                    return recorded[(kind, lane)]
                recorded[(kind, lane)] = found = self._coalesce(kind, payload, lane, now, depends_on, delay)
                return found
            return self._coalesce(kind, payload, lane, now, depends_on, delay)
        return self.db.insert_for_id("outbox", {
            "kind": kind, "lane": lane, "payload": json.dumps(payload, separators=(",", ":")),
            "due_at": now + delay, "depends_on": depends_on, "created_at": now})

    def _coalesce(self, kind: str, payload: dict[str, Any], lane: str, now: float, depends_on: int | RowId | None,
                  delay: float) -> int | RowId:
        # the waiting one already covers this change: keep it (and its due time) as it is
        return self.db.id_of(
                "INSERT INTO outbox (kind, lane, payload, due_at, depends_on, created_at, coalesces) "
                "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (lane, kind) "
                "WHERE coalesces = 1 AND state = 'pending' AND attempts = 0 DO UPDATE SET coalesces = 1 RETURNING id",
                (kind, lane, json.dumps(payload, separators=(",", ":")), now + delay, depends_on, now))

    _RUNNABLE = """
            o.state = 'pending'
              AND (o.depends_on IS NULL
                   OR (SELECT d.state FROM outbox d WHERE d.id = o.depends_on) = 'done')
              AND o.id = (SELECT min(p.id) FROM outbox p WHERE p.lane = o.lane AND p.state = 'pending')"""

    def ready(self, now: float, limit: int = 200) -> list[Effect]:
        """Due effects whose dependency is done, that head their lane and that nobody holds."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM outbox o WHERE o.due_at <= ? AND {self._RUNNABLE} AND {self._FREE} "
            "ORDER BY o.id LIMIT ?", (now, now, limit)).fetchall()
        return [_effect(r) for r in rows]

    def next_due_at(self, running: set[int] | frozenset[int] = frozenset(),
                    kinds_waiting: tuple[str, ...] = ()) -> float | None:
        """When the next runnable effect falls due (one another sender holds: when its lease runs out).
        Effects blocked behind another (a lane head that is backing off, a dependency not done), effects
        already running here and those of ``kinds_waiting`` (not claimed for now) do not count: waking
        for them would spin."""
        skip = ",".join(str(int(i)) for i in running) or "0"
        row = self.db.execute(
            "SELECT min(CASE WHEN o.claimed_by IS NOT NULL AND o.lease_until > o.due_at THEN o.lease_until "
            f"ELSE o.due_at END) FROM outbox o WHERE o.id NOT IN ({skip}){_not_of(kinds_waiting)} "
            f"AND {self._RUNNABLE}", kinds_waiting).fetchone()
        return row[0]

    # a claim is a lease: another sender may take the effect once it expires (its holder died or froze)
    _FREE = "(o.claimed_by IS NULL OR o.lease_until < ?)"

    def claim(self, now: float, owner: str, lease_until: float, limit: int,
              kinds_waiting: tuple[str, ...] = ()) -> list[Effect]:
        """Take up to ``limit`` runnable effects for ``owner`` until ``lease_until``, each as one more
        attempt (committed before any Slack call: after a crash the effect knows it may have happened).
        Rows another sender is claiming right now are skipped, not waited for. Oldest due first: a row
        put off a moment (Busy: a webhook receiver hanging in a storm, thousands of deliveries waiting
        for a slot) goes behind work that fell due meanwhile, where by id it stayed ahead of it for ever."""
        with self.db.transaction() as db:
            ids = [r[0] for r in db.query(
                f"SELECT o.id FROM outbox o WHERE o.due_at <= ?{_not_of(kinds_waiting)} AND {self._RUNNABLE} "
                f"AND {self._FREE} ORDER BY o.due_at, o.id LIMIT ?{db.skip_locked}", (now, *kinds_waiting, now, limit))]
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            rows = db.query(
                f"UPDATE outbox SET claimed_by = ?, lease_until = ?, attempts = attempts + 1, "
                f"first_attempt_at = coalesce(first_attempt_at, ?) WHERE id IN ({marks}) RETURNING {_COLUMNS}",
                (owner, lease_until, now, *ids))
        # what the handler sees: the attempts made before this one
        return sorted((_effect(r, before=1) for r in rows), key=lambda e: e.id)

    def renew(self, ids: list[int], owner: str, lease_until: float) -> int:
        """Keep holding effects that are still running; returns how many are still ours."""
        if not ids:
            return 0
        marks = ",".join("?" for _ in ids)
        return self.db.execute(f"UPDATE outbox SET lease_until = ? WHERE claimed_by = ? AND id IN ({marks})",
                               (lease_until, owner, *ids)).rowcount

    def release_all(self) -> int:
        """Forget every claim (SQLite at start: the instance lock proves their holder is gone)."""
        return self.db.execute("UPDATE outbox SET claimed_by = NULL, lease_until = NULL "
                               "WHERE claimed_by IS NOT NULL").rowcount

    _MINE = "claimed_by = ? AND attempts = ?"

    def complete(self, effect: Effect, owner: str, now: float, result: dict[str, Any] | None = None, *,
                 payload: dict[str, Any] | None = None) -> bool:
        """Done, if it is still ``owner``'s claim of this attempt; False when the lease was lost and another
        sender took the effect over (a slow or frozen replica must not finish work it no longer holds).
        ``payload``: what the finished effect keeps instead of its payload (see :meth:`replace_payload`)."""
        kept = ", payload = ?" if payload is not None else ""
        return self.db.execute(
            f"UPDATE outbox SET state = 'done', finished_at = ?, result = ?, last_error = NULL, claimed_by = NULL, "
            f"lease_until = NULL{kept} WHERE id = ? AND {self._MINE}",
            (now, json.dumps(result) if result is not None else None,
             *([json.dumps(payload, separators=(",", ":"))] if payload is not None else []),
             effect.id, owner, effect.attempts + 1),
        ).rowcount == 1

    def take(self, effect_id: int, now: float, *, payload: dict[str, Any], in_lane_order: bool = True) -> bool:
        """Done at once, without a claim, by a caller that does its work in the same transaction: False when
        it is no longer waiting, a sender holds it (that one does it), or (``in_lane_order``) an earlier one
        of its lane waits: the effect runner does those in turn. ``payload``: what it keeps."""
        head = (" AND id = (SELECT min(p.id) FROM outbox p WHERE p.lane = outbox.lane AND p.state = 'pending')"
                if in_lane_order else "")
        return self.db.execute(
            "UPDATE outbox SET state = 'done', finished_at = ?, attempts = attempts + 1, "
            "first_attempt_at = coalesce(first_attempt_at, ?), payload = ?, claimed_by = NULL, lease_until = NULL "
            f"WHERE id = ? AND state = 'pending' AND (claimed_by IS NULL OR lease_until < ?){head}",
            (now, now, json.dumps(payload, separators=(",", ":")), effect_id, now)).rowcount == 1

    def replace_payload(self, effect_id: int, payload: dict[str, Any]) -> None:
        """A finished effect keeps only what history needs (no live response URLs, say)."""
        self.db.execute("UPDATE outbox SET payload = ? WHERE id = ?",
                        (json.dumps(payload, separators=(",", ":")), effect_id))

    def retry_later(self, effect: Effect, owner: str, due_at: float, error: str, *,
                    counts_as_attempt: bool = True) -> bool:
        """Let go of the claim until ``due_at``; ``counts_as_attempt`` False when nothing was sent (waiting
        on state or on our own pacing): the attempt mark is taken back."""
        undo = "" if counts_as_attempt else (
            ", attempts = attempts - 1, first_attempt_at = CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_at END")
        return self.db.execute(
            f"UPDATE outbox SET due_at = ?, last_error = ?, claimed_by = NULL, lease_until = NULL{undo} "
            f"WHERE id = ? AND {self._MINE}", (due_at, error[:500], effect.id, owner, effect.attempts + 1),
        ).rowcount == 1

    def fail(self, effect: Effect, owner: str, now: float, error: str) -> list[int]:
        """Give up on an effect and on everything that depended on it; returns the ids failed (none when
        the claim was lost: whoever holds it now decides)."""
        failed = [effect.id]
        with self.db.transaction() as db:
            if db.execute(
                f"UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ?, claimed_by = NULL, "
                f"lease_until = NULL WHERE id = ? AND {self._MINE}",
                (now, error[:500], effect.id, owner, effect.attempts + 1),
            ).rowcount != 1:
                return []
            frontier = [effect.id]
            while frontier:
                current = frontier.pop()
                children = [r[0] for r in db.execute(
                    "SELECT id FROM outbox WHERE depends_on = ? AND state = 'pending'", (current,)
                )]
                for child in children:
                    db.execute(
                        "UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ? WHERE id = ?",
                        (now, f"effect {effect.id} it depends on failed: {error}"[:500], child),
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

    def lane_used(self, lane: str) -> bool:
        """Something was ever recorded in ``lane`` (a lane named after one piece of work: recorded once)."""
        return self.db.execute("SELECT 1 FROM outbox WHERE lane = ? LIMIT 1", (lane,)).fetchone() is not None

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


def _not_of(kinds: tuple[str, ...]) -> str:
    """A condition leaving out effects of these kinds (their parameters follow the one before it)."""
    return f" AND o.kind NOT IN ({','.join('?' for _ in kinds)})" if kinds else ""
