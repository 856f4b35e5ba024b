"""Insights: how fast incidents are answered and resolved, how many there are, where alerts come from
and who carries the pager. Read-only figures over a date range, as one person may see them.

MTTA (mean time to acknowledge): from an incident's declaration to its first response, the earliest
of a page about it being acknowledged and a status update posted (``/incident status``). Incidents
with neither are counted but have no MTTA.
MTTR (mean time to resolve): from declaration to resolution, for incidents resolved now (a reopened
incident counts again once it is resolved again, from its first declaration).
Both are grouped by the month the incident was declared in, in the viewer's time zone, and by its
current severity. Medians are given next to the means: one long incident moves a mean a lot.

A report over a quarter reads thousands of rows (tens of milliseconds, more on a busy machine), and
people look at the same one again and again: each replica keeps the parts of the reports it made
(the incidents' figures, alerts per source, pages per person), each for as long as its change key
(InsightsStore.change_keys) stays the same, per date range and set of private incidents hidden from
the viewer. A change makes the next view compute the parts it touches afresh (a status update does not
recount the alerts); who may see what is read on every view, so a kept part never shows anyone more.
"""

from __future__ import annotations

import bisect
import statistics
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, TypeVar
from zoneinfo import ZoneInfo

from bot.actor import Actor
from bot.config import Config
from storage.insights import IncidentTimes, InsightsStore, PersonPages, SourceCount

DEFAULT_DAYS = 90
MAX_DAYS = 3660          # ten years: more is a typo, and would be a slow page
KEPT_PARTS = 32          # of each part, per replica: ranges times hidden sets people look at
T = TypeVar("T")


class RangeError(ValueError):
    """A date range that cannot be shown: ``code`` and ``values`` for templates/web/insights_said.j2."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class DateRange:
    first: date          # both days included, in ``zone``
    last: date
    zone: str

    @property
    def start(self) -> float:
        return datetime.combine(self.first, time(), ZoneInfo(self.zone)).timestamp()

    @property
    def end(self) -> float:
        return datetime.combine(self.last + timedelta(days=1), time(), ZoneInfo(self.zone)).timestamp()


@dataclass(frozen=True)
class Durations:
    month: str           # "2026-03"
    severity: str
    incidents: int       # declared that month at that severity
    measured: int        # of which have the duration (answered / resolved)
    mean: float | None   # seconds
    median: float | None


@dataclass(frozen=True)
class Week:
    first_day: date      # its Monday
    label: str           # ISO week, "2026-W09"
    incidents: int


@dataclass(frozen=True)
class Report:
    range: DateRange
    severities: tuple[str, ...]      # in the config's order, then any no longer configured
    months: tuple[str, ...]
    incidents: int
    mtta: list[Durations]
    mttr: list[Durations]
    weeks: list[Week]
    alerts: list[SourceCount]
    pages: list[PersonPages]


def parse_range(first: str | None, last: str | None, zone: str, today: date) -> DateRange:
    """``from`` and ``to`` as given in a form (YYYY-MM-DD, both included); the last 90 days by default."""
    end = _day(last, "to") if last else today
    begin = _day(first, "from") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if begin > end:
        raise RangeError("reversed", first=begin.isoformat(), last=end.isoformat())
    if (end - begin).days >= MAX_DAYS:
        raise RangeError("too_long", days=(end - begin).days + 1, most=MAX_DAYS)
    return DateRange(begin, end, zone)


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RangeError("not_a_date", field=name, given=text[:40]) from None


@dataclass(frozen=True)
class _IncidentFigures:
    severities: tuple[str, ...]
    months: tuple[str, ...]
    incidents: int
    mtta: list[Durations]
    mttr: list[Durations]
    weeks: list[Week]


class Kept:
    """Values kept while their change key stays the same, the last ``most`` asked for."""

    def __init__(self, most: int = KEPT_PARTS) -> None:
        self.most = most
        self._changed: object = None
        self._values: OrderedDict[object, object] = OrderedDict()

    def get(self, changed: object, key: object, compute: Callable[[], T]) -> T:
        # no await in here: one view's check-and-fill cannot interleave with another's
        if changed != self._changed:
            self._changed, self._values = changed, OrderedDict()
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]  # type: ignore[return-value]
        found = self._values[key] = compute()
        if len(self._values) > self.most:
            self._values.popitem(last=False)
        return found


class Insights:
    def __init__(self, store: InsightsStore, config: Config) -> None:
        self.store = store
        self.config = config
        self._incidents, self._alerts, self._pages = Kept(), Kept(), Kept()

    def report(self, actor: Actor, span: DateRange) -> Report:
        """The figures ``actor`` may see over ``span``; each part kept from an earlier view while nothing it
        counts changed."""
        changed = self.store.change_keys()     # first: a change during the computing is seen next time
        # managers see every incident, as in Slack
        hidden = frozenset(self.store.hidden_incidents(None if actor.is_manager else actor.user))
        figures = self._incidents.get(changed.incidents, (hidden, span), lambda: self._incident_figures(hidden, span))
        return Report(
            range=span, severities=figures.severities, months=figures.months, incidents=figures.incidents,
            mtta=figures.mtta, mttr=figures.mttr, weeks=figures.weeks,
            alerts=self._alerts.get(changed.alerts, span, lambda: self.store.alerts_per_source(span.start, span.end)),
            pages=self._pages.get(changed.pages, (hidden, span),
                                  lambda: self.store.pages_per_person(span.start, span.end, None, hidden=hidden)))

    def _incident_figures(self, hidden: frozenset[int], span: DateRange) -> _IncidentFigures:
        incidents = self.store.incidents(span.start, span.end, None, hidden=hidden)
        zone = ZoneInfo(span.zone)
        configured = tuple(s.name for s in self.config.severities)
        severities = configured + tuple(sorted({i.severity for i in incidents} - set(configured)))
        months = _months(span)
        # each month's first instant in the zone, once: a bisect per incident, not a zone conversion
        starts = [datetime.combine(date.fromisoformat(m + "-01"), time(), zone).timestamp() for m in months]
        by_cell: dict[tuple[str, str], list[IncidentTimes]] = {}
        for incident in incidents:
            month = months[max(0, bisect.bisect_right(starts, incident.declared_at) - 1)]
            by_cell.setdefault((month, incident.severity), []).append(incident)
        return _IncidentFigures(
            severities=severities, months=months, incidents=len(incidents),
            mtta=_durations(by_cell, months, severities, lambda i: i.first_response_at),
            mttr=_durations(by_cell, months, severities, lambda i: i.resolved_at),
            weeks=_weeks(incidents, span, zone))


def _months(span: DateRange) -> tuple[str, ...]:
    months, day = [], span.first.replace(day=1)
    while day <= span.last:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return tuple(months)


def _durations(by_cell, months, severities, ended) -> list[Durations]:
    rows = []
    for month in months:
        for severity in severities:
            cell = by_cell.get((month, severity), [])
            seconds = [max(0.0, ended(i) - i.declared_at) for i in cell if ended(i) is not None]
            rows.append(Durations(month, severity, len(cell), len(seconds),
                                  statistics.fmean(seconds) if seconds else None,
                                  statistics.median(seconds) if seconds else None))
    return rows


def _weeks(incidents: list[IncidentTimes], span: DateRange, zone: ZoneInfo) -> list[Week]:
    mondays, monday = [], span.first - timedelta(days=span.first.weekday())
    while monday <= span.last:
        mondays.append(monday)
        monday += timedelta(days=7)
    starts = [datetime.combine(m, time(), zone).timestamp() for m in mondays]
    counts = [0] * len(mondays)
    for incident in incidents:
        counts[max(0, bisect.bisect_right(starts, incident.declared_at) - 1)] += 1
    weeks = []
    for monday, count in zip(mondays, counts):
        year, number, _ = monday.isocalendar()
        weeks.append(Week(monday, f"{year}-W{number:02d}", count))
    return weeks
