"""What the public status page says, worked out from the public incidents and their public updates.

A component is in the state of the worst open public incident that affects it; an incident's impact
comes from its severity's place in the configured list: the first (most severe) is a major outage,
the second a partial outage, any other degraded performance. The 90-day history is, per component and
UTC day, the worst impact of the public incidents that were open at some time that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Sequence

from bot.config import Config
from kernel.status_page import ComponentState, PublicIncident, PublicUpdate

HISTORY_DAYS = 90
FEED_ENTRIES = 50


@dataclass(frozen=True)
class Day:
    day: date
    state: ComponentState


@dataclass(frozen=True)
class ComponentView:
    name: str
    description: str
    state: ComponentState
    days: tuple[Day, ...]            # oldest first, today last

    @property
    def uptime_days(self) -> int:
        return sum(1 for d in self.days if d.state == ComponentState.OPERATIONAL)


@dataclass(frozen=True)
class IncidentView:
    id: int                          # the public number
    status: str
    impact: ComponentState
    components: tuple[str, ...]
    started_at: float
    resolved_at: float | None
    updates: tuple[PublicUpdate, ...]  # newest first, as status pages list them

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class FeedEntry:
    update: PublicUpdate
    incident: IncidentView


@dataclass(frozen=True)
class Board:
    title: str
    state: ComponentState            # the worst component's
    components: tuple[ComponentView, ...]
    open: tuple[IncidentView, ...]   # newest first
    history: tuple[IncidentView, ...]  # resolved within HISTORY_DAYS, newest first
    feed: tuple[FeedEntry, ...]      # newest first
    updated_at: float | None         # the newest public update's time


def impact(config: Config, severity: str) -> ComponentState:
    keys = [s.key for s in config.severities]
    place = keys.index(severity.lower()) if severity.lower() in keys else len(keys)
    return (ComponentState.MAJOR, ComponentState.PARTIAL)[place] if place < 2 else ComponentState.DEGRADED


def build_board(config: Config, incidents: Sequence[PublicIncident], updates: Sequence[PublicUpdate],
                now: float) -> Board:
    settings = config.status_page
    by_incident: dict[int, list[PublicUpdate]] = {}
    for update in updates:
        by_incident.setdefault(update.public_id, []).append(update)
    views = [IncidentView(id=i.id, status=i.status, impact=impact(config, i.severity), components=i.components,
                          started_at=i.started_at, resolved_at=i.resolved_at,
                          updates=tuple(reversed(by_incident.get(i.id, []))))
             for i in incidents]
    today = _day(now)
    first = today - timedelta(days=HISTORY_DAYS - 1)
    components = tuple(_component(c.name, c.description, views, first, today) for c in settings.components)
    worst = max((c.state for c in components), key=lambda s: s.rank, default=ComponentState.OPERATIONAL)
    window = now - HISTORY_DAYS * 86400
    newest_first = sorted(views, key=lambda v: (v.started_at, v.id), reverse=True)
    feed = sorted((FeedEntry(u, v) for v in views for u in v.updates), key=lambda e: (e.update.at, e.update.id),
                  reverse=True)[:FEED_ENTRIES]
    return Board(
        title=settings.title, state=worst, components=components,
        open=tuple(v for v in newest_first if v.is_open),
        history=tuple(v for v in newest_first if not v.is_open and (v.resolved_at or 0) >= window),
        feed=tuple(feed), updated_at=max((u.at for u in updates), default=None))


def _component(name: str, description: str, views: Sequence[IncidentView], first: date, today: date) -> ComponentView:
    affecting = [v for v in views if name in v.components]
    now_state = max((v.impact for v in affecting if v.is_open), key=lambda s: s.rank,
                    default=ComponentState.OPERATIONAL)
    worst: dict[date, ComponentState] = {}
    for view in affecting:
        start = max(_day(view.started_at), first)
        end = min(_day(view.resolved_at) if view.resolved_at is not None else today, today)
        day = start
        while day <= end:
            if day not in worst or view.impact.rank > worst[day].rank:
                worst[day] = view.impact
            day += timedelta(days=1)
    days = tuple(Day(first + timedelta(days=n), worst.get(first + timedelta(days=n), ComponentState.OPERATIONAL))
                 for n in range(HISTORY_DAYS))
    return ComponentView(name=name, description=description, state=now_state, days=days)


def _day(ts: float) -> date:
    return datetime.fromtimestamp(ts, tz=timezone.utc).date()
