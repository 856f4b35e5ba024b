"""Bar charts as geometry for server-rendered SVG (templates/web/insights.j2 draws them; no script).

Only numbers and positions here: every word on a chart comes from the template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# dark enough on white for graphics (WCAG 1.4.11: at least 3:1), and told apart by more than hue in
# the table that goes with every chart
PALETTE = ("#1f4e79", "#b03a2e", "#7d6608", "#196f3d", "#6c3483", "#4d5656", "#a04000", "#0e6655")
WIDTH = 720
PLOT_LEFT = 90           # room for "3 h 20 min" beside the axis
PLOT_TOP = 16
PLOT_HEIGHT = 200
LABEL_SPACE = 56         # below the plot: category labels
ROW_HEIGHT = 22          # horizontal bars
NAME_SPACE = 180         # left of horizontal bars: names


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    category: str
    series: str
    value: float


@dataclass(frozen=True)
class Tick:
    position: float      # y for vertical charts, x for horizontal ones
    value: float


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    legend: list[tuple[str, str]]          # (series, color)
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    empty: bool


def columns(categories: list[str], series: list[str], values: dict[tuple[str, str], float | None], *,
            whole: bool = False) -> Chart:
    """Vertical bars, one group per category, one bar per series in it (missing values draw nothing);
    ``whole``: the values are counts, so the axis' ticks are whole numbers."""
    top = _nice_top(max((v for v in values.values() if v is not None), default=0.0), whole)
    plot_width = WIDTH - PLOT_LEFT - 8
    group = plot_width / max(1, len(categories))
    bar_width = max(1.0, group * 0.8 / max(1, len(series)))
    bottom = PLOT_TOP + PLOT_HEIGHT
    bars, labels = [], []
    every = max(1, math.ceil(len(categories) / 16))   # at most 16 labels under the axis: they must stay readable
    for c, category in enumerate(categories):
        left = PLOT_LEFT + c * group + group * 0.1
        for s, name in enumerate(series):
            value = values.get((category, name))
            if value is None:
                continue
            height = PLOT_HEIGHT * value / top if top else 0.0
            bars.append(Bar(round(left + s * bar_width, 1), round(bottom - height, 1), round(bar_width, 1),
                            round(height, 1), PALETTE[s % len(PALETTE)], category, name, value))
        if c % every == 0:
            labels.append(Label(round(PLOT_LEFT + c * group + group / 2, 1), bottom + 16, category))
    ticks = [Tick(round(bottom - PLOT_HEIGHT * i / 4, 1), top * i / 4) for i in range(5)]
    return Chart(WIDTH, int(bottom + LABEL_SPACE if len(series) > 1 else bottom + 28), bars, ticks, labels,
                 [(name, PALETTE[s % len(PALETTE)]) for s, name in enumerate(series)] if len(series) > 1 else [],
                 PLOT_LEFT, WIDTH - 8, PLOT_TOP, bottom, not bars or not top)


def rows(names: list[str], values: list[float]) -> Chart:
    """Horizontal bars, one per name (long names fit better beside a bar than under it); counts."""
    top = _nice_top(max(values, default=0.0), True)
    plot_width = WIDTH - NAME_SPACE - 16
    bars, labels = [], []
    for i, (name, value) in enumerate(zip(names, values)):
        y = PLOT_TOP + i * ROW_HEIGHT
        length = plot_width * value / top if top else 0.0
        bars.append(Bar(NAME_SPACE, y + 3, round(length, 1), ROW_HEIGHT - 6, PALETTE[0], name, "", value))
        labels.append(Label(NAME_SPACE - 8, y + ROW_HEIGHT / 2 + 4, name))
    bottom = PLOT_TOP + max(1, len(names)) * ROW_HEIGHT
    ticks = [Tick(round(NAME_SPACE + plot_width * i / 4, 1), top * i / 4) for i in range(5)]
    return Chart(WIDTH, int(bottom + 28), bars, ticks, labels, [], NAME_SPACE, NAME_SPACE + plot_width,
                 PLOT_TOP, bottom, not bars or not top)


def _nice_top(peak: float, whole: bool = False) -> float:
    """The axis' top: 1, 2, 2.5 or 5 times a power of ten, at or above ``peak`` (0 stays 0); for whole
    numbers a multiple of 4, so each of the four ticks is a whole number too."""
    if peak <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(peak))
    top = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= peak)
    return float(math.ceil(top / 4) * 4) if whole else top
