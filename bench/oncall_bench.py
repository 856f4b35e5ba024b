"""Lookups per second of the on-call schedule engine (plain script, one core, well under 30 s).

    python bench/oncall_bench.py

A 3-layer schedule in a DST zone (a weekly 24x7 layer, a 12 h layer restricted to weeknights
20:00-08:00 so its window crosses midnight, a daily layer restricted to office hours) with 50
overrides, queried at random instants over two years. The target is >= 50,000 on_call_user
lookups per second.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from bot.oncall.schedule import (  # noqa: E402
    Override,
    Restriction,
    Rotation,
    Schedule,
    current_shift,
    next_shifts,
    on_call_user,
    timeline,
)

UTC = dt.timezone.utc
WEEKDAYS = frozenset(range(5))


def build() -> tuple[Schedule, list[Override]]:
    schedule = Schedule(
        name="platform",
        timezone="Europe/London",
        layers=(
            Rotation(
                users=("U01", "U02", "U03", "U04"),
                length=dt.timedelta(weeks=1),
                handoff=dt.datetime(2024, 1, 1, 9, 0),
                name="primary 24x7",
            ),
            Rotation(
                users=("U05", "U06", "U07"),
                length=dt.timedelta(hours=12),
                handoff=dt.datetime(2024, 1, 1, 8, 0),
                restrictions=(
                    Restriction(WEEKDAYS, dt.time(20, 0), dt.time(8, 0)),  # crosses midnight
                ),
                name="weeknights",
            ),
            Rotation(
                users=("U08", "U09"),
                length=dt.timedelta(days=1),
                handoff=dt.datetime(2024, 1, 1, 0, 0),
                restrictions=(Restriction(WEEKDAYS, dt.time(9, 0), dt.time(17, 0)),),
                name="office hours",
            ),
        ),
    )
    rng = random.Random(7)
    base = dt.datetime(2024, 1, 1, tzinfo=UTC)
    overrides = []
    for seq in range(50):
        start = base + dt.timedelta(hours=rng.randrange(0, 2 * 365 * 24))
        overrides.append(
            Override(f"U{10 + seq % 5}", start, start + dt.timedelta(hours=rng.randint(1, 72)), seq)
        )
    return schedule, overrides


def rate(label: str, func, instants, seconds: float = 3.0) -> float:
    """Calls per second of func(instant), cycling through `instants` for about `seconds`."""
    calls = 0
    began = time.perf_counter()
    while True:
        for at in instants:
            func(at)
        calls += len(instants)
        elapsed = time.perf_counter() - began
        if elapsed >= seconds:
            break
    per_second = calls / elapsed
    print(f"{label:<44} {per_second:>12,.0f} /s   ({1e6 / per_second:8.1f} us each)")
    return per_second


def main() -> None:
    schedule, overrides = build()
    rng = random.Random(11)
    base = dt.datetime(2024, 1, 1, tzinfo=UTC)
    instants = [base + dt.timedelta(seconds=rng.randrange(0, 2 * 365 * 86400)) for _ in range(2000)]
    layers, zone = len(schedule.layers), schedule.timezone
    restricted = sum(1 for rotation in schedule.layers if rotation.restrictions)
    print(f"schedule: {layers} layers ({restricted} restricted), {len(overrides)} overrides, {zone}")
    lookups = rate("on_call_user", lambda at: on_call_user(schedule, overrides, at), instants)
    rate("on_call_user (no overrides)", lambda at: on_call_user(schedule, (), at), instants)
    rate("current_shift", lambda at: current_shift(schedule, overrides, at), instants[:300])
    rate("next_shifts(count=5)", lambda at: next_shifts(schedule, overrides, at, 5), instants[:200])
    rate(
        "timeline (7 days)",
        lambda at: timeline(schedule, overrides, at, at + dt.timedelta(days=7)),
        instants[:100],
    )
    target = 50_000
    verdict = "meets" if lookups >= target else "MISSES"
    print(f"on_call_user {verdict} the target of {target:,} lookups/s")


if __name__ == "__main__":
    main()
