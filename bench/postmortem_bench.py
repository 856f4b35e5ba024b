"""Postmortem draft generation for one incident with 5,000 timeline events and 20,000 channel messages.

    python bench/postmortem_bench.py                 # SQLite
    python bench/postmortem_bench.py --postgresql    # PostgreSQL at WARROOM_TEST_POSTGRES

The incident's record is written straight into the database (the domain's own store calls, in one
transaction): 5,000 timeline events (updates, notes, roles, pages; one in ten a key event) and 20,000
messages (one in a hundred pinned, so key). Measured: ``Postmortems.render``, the whole draft made from
the record (its queries, the durations, the Markdown from the template), without AI, timed with
perf_counter over ROUNDS runs after one warm-up; p50 and max are reported. Target: under 1 s.
The draft reads key events and counts, never the 25,000 rows: that is what keeps it flat.
"""

from __future__ import annotations

import argparse
import random
import time

from common import bench_databases, make_config

from bot.clock import Clock
from bot.domain import build_domain
from storage.db import open_database

EVENTS = 5_000
MESSAGES = 20_000
ROUNDS = 10
TARGET_S = 1.0
PEOPLE = [f"UPERSON{n:02d}" for n in range(30)]


def seed(domain, start: float) -> int:
    store = domain.incident_store
    rng = random.Random(12)
    with domain.work():
        incident = store.insert(title="Checkout errors", description="", severity="SEV2", status="resolved",
                                commander=PEOPLE[0], declared_by=PEOPLE[0], declared_at=start, declared_in=None,
                                is_private=False, channel_name="incident-1", last_update_at=start, source={},
                                updated_at=start, resolved_at=start + 86400, summary="Rolled back")
        store.add_event(incident, at=start, actor=PEOPLE[0], kind="declared", text="Checkout errors",
                        data={"severity": "SEV2", "commander": PEOPLE[0]}, is_key=True)
        kinds = ["update", "note", "role", "acknowledged", "joined"]
        for n in range(EVENTS):
            kind = kinds[n % len(kinds)]
            status = ["investigating", "identified", "monitoring"][n % 3]
            store.add_event(incident, at=start + 10 + n * 10, actor=rng.choice(PEOPLE), kind=kind,
                            text=f"event {n}: " + "words " * 12, data={"status": status} if kind == "update" else {},
                            is_key=n % 10 == 0)
        for n in range(MESSAGES):
            at = start + 5 + n * 4
            store.add_event(incident, at=at, actor=rng.choice(PEOPLE), kind="message",
                            text=f"message {n} <@{rng.choice(PEOPLE)}> " + "talk " * 15, message_ts=f"{at:.6f}",
                            is_key=n % 100 == 0)
        for n in range(20):
            store.add_followup(incident, text=f"follow-up {n}", owner=rng.choice(PEOPLE), by=PEOPLE[0], at=start)
    return incident


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    with bench_databases(args.postgresql) as new:
        db = open_database(new("postmortem"))
        domain = build_domain(make_config(""), db, Clock())
        incident_id = seed(domain, time.time() - 2 * 86400)
        incident = domain.incidents.get(incident_id)
        domain.postmortems.render(incident)   # warm-up: templates compiled, caches filled
        times = []
        for _ in range(ROUNDS):
            began = time.perf_counter()
            body = domain.postmortems.render(incident)
            times.append(time.perf_counter() - began)
        db.close()
    times.sort()
    engine = "PostgreSQL" if args.postgresql else "SQLite"
    p50, worst = times[len(times) // 2], times[-1]
    print(f"postmortem draft, {EVENTS:,} events + {MESSAGES:,} messages on {engine}: "
          f"p50 {p50 * 1000:.0f} ms, max {worst * 1000:.0f} ms over {ROUNDS} runs "
          f"({len(body):,} characters of Markdown); target < {TARGET_S:.0f} s: "
          f"{'met' if worst < TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main()
