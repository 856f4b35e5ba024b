"""What the status page says from public incidents: component states from severities, the 90-day
per-day worst state, open and past incidents, the feed newest first."""

from __future__ import annotations

from datetime import date, datetime, timezone

import yaml

from bot.config import parse_config
from bot.incidents.status_board import HISTORY_DAYS, build_board
from kernel.status_page import ComponentState, PublicIncident, PublicUpdate

CONFIG = parse_config(yaml.safe_load("status_page: {title: S, components: [API, Website, Docs]}"), "w.yml", {})
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=timezone.utc).timestamp()
DAY = 86400


def incident(n, components, severity, started, resolved=None, status="investigating"):
    return PublicIncident(id=n, incident_id=100 + n, components=tuple(components), marked_at=started,
                          status="resolved" if resolved else status, severity=severity, started_at=started,
                          resolved_at=resolved)


def test_states_history_and_incidents():
    past = incident(1, ["API"], "sev2", NOW - 10 * DAY, NOW - 8 * DAY)           # three days, partial
    older = incident(2, ["API", "Docs"], "sev4", NOW - 9 * DAY, NOW - 9 * DAY + 60)  # degraded, one day
    ancient = incident(3, ["Docs"], "sev1", NOW - 200 * DAY, NOW - 95 * DAY)      # out of the window
    now_open = incident(4, ["Website"], "SEV1", NOW - 3600)
    updates = [PublicUpdate(1, 1, NOW - 10 * DAY, "investigating", "slow"),
               PublicUpdate(2, 1, NOW - 8 * DAY, "resolved", ""),
               PublicUpdate(3, 4, NOW - 60, "investigating", "down")]
    board = build_board(CONFIG, [ancient, past, older, now_open], updates, NOW)
    assert board.state == ComponentState.MAJOR
    api, website, docs = board.components
    assert (api.state, website.state, docs.state) == (ComponentState.OPERATIONAL, ComponentState.MAJOR,
                                                       ComponentState.OPERATIONAL)
    assert len(api.days) == HISTORY_DAYS and api.days[-1].day == date(2026, 5, 20)
    worst = {d.day: d.state for d in api.days if d.state != ComponentState.OPERATIONAL}
    assert worst == {date(2026, 5, 10): ComponentState.PARTIAL, date(2026, 5, 11): ComponentState.PARTIAL,
                     date(2026, 5, 12): ComponentState.PARTIAL}  # the worse incident wins the 11th
    assert [d.state for d in docs.days if d.state != ComponentState.OPERATIONAL] == [ComponentState.DEGRADED]
    assert website.days[-1].state == ComponentState.MAJOR and api.uptime_days == HISTORY_DAYS - 3
    assert [v.id for v in board.open] == [4]
    assert [v.id for v in board.history] == [2, 1]
    assert [u.id for u in board.history[1].updates] == [2, 1]             # newest first
    assert [e.update.id for e in board.feed] == [3, 2, 1]
    assert board.updated_at == NOW - 60


def test_an_unknown_severity_is_degraded_and_nothing_public_is_all_operational():
    board = build_board(CONFIG, [incident(1, ["API"], "renamed", NOW - 60)], [], NOW)
    assert board.components[0].state == ComponentState.DEGRADED
    empty = build_board(CONFIG, [], [], NOW)
    assert empty.state == ComponentState.OPERATIONAL and empty.feed == () and empty.updated_at is None
