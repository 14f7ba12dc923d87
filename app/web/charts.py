"""The overview's stacked-bar chart laid out in Python, so the template only prints an SVG.

No JavaScript and no inline styles (the CSP forbids both): every colour is a CSS class.
"""

import math
from dataclasses import dataclass

from app.domain.dates import PartialDate
from app.domain.figures import CHART_GROUPS, HardwareGroup
from app.filters import DealFilters
from app.queries.overview import HardwareByQuarter

WIDTH = 760
HEIGHT = 250
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 22, 44  # room for the axis labels
BAR_SHARE = 0.64  # of each quarter's slot; the rest is the gap between bars


def deals_url(f: DealFilters) -> str:
    return f"/deals?{f.query_string()}"


def quarter_url(quarter: PartialDate, group: HardwareGroup | None = None) -> str:
    """The filtered table behind a bar (all deals of the quarter) or one of its segments."""
    f = DealFilters(reported_from=quarter, reported_to=quarter)
    if group is None:
        return deals_url(f)
    if not group.types:  # "unspecified": the deals that name no hardware
        return deals_url(f._replace(hardware_named=("no",)))
    return deals_url(f._replace(hardware_type=group.types))


@dataclass(frozen=True)
class Segment:
    group: HardwareGroup
    count: int
    y: float
    height: float
    url: str  # the table of its deals
    label: str


@dataclass(frozen=True)
class Bar:
    quarter: PartialDate
    deals: int
    url: str
    x: float
    width: float
    top: float  # where the stack ends, for the deal count above it
    segments: list[Segment]
    show_year: bool

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: float
    right: float
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    groups: tuple[HardwareGroup, ...]
    description: str


def nice_step(maximum: int, most_ticks: int = 5) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving at most `most_ticks` steps."""
    if maximum <= 0:
        return 1
    power: int = 10 ** max(0, math.floor(math.log10(maximum)) - 1)
    while True:
        for factor in (1, 2, 5):
            step = factor * power
            if math.ceil(maximum / step) <= most_ticks:
                return step
        power *= 10


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def hardware_chart(data: HardwareByQuarter) -> BarChart:
    """Stacked bars: one per quarter, one segment per hardware group with deals."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    stacks = [sum(row.by_group.values()) for row in data.quarters]
    step = nice_step(max(stacks, default=0))
    top_value = max(step, math.ceil(max(stacks, default=0) / step) * step)
    scale = plot_height / top_value
    slot = plot_width / max(1, len(data.quarters))
    bars: list[Bar] = []
    for index, row in enumerate(data.quarters):
        y = float(baseline)
        segments: list[Segment] = []
        for group in CHART_GROUPS:
            count = row.by_group.get(group.key, 0)
            if not count:
                continue
            height = count * scale
            y -= height
            segments.append(
                Segment(
                    group=group,
                    count=count,
                    y=round(y, 2),
                    height=round(height, 2),
                    url=quarter_url(row.quarter, group),
                    label=f"{group.label}, {row.quarter.label}: {_plural(count, 'deal')}",
                )
            )
        width = slot * BAR_SHARE
        bars.append(
            Bar(
                quarter=row.quarter,
                deals=row.deals,
                url=quarter_url(row.quarter),
                x=round(LEFT + index * slot + (slot - width) / 2, 2),
                width=round(width, 2),
                top=round(y, 2),
                segments=segments,
                show_year=index == 0 or row.quarter.quarter == 1,
            )
        )
    ticks = [Tick(v, round(baseline - v * scale, 2)) for v in range(0, top_value + 1, step)]
    if data.quarters:
        first, last = data.quarters[0].quarter.label, data.quarters[-1].quarter.label
        total = sum(row.deals for row in data.quarters)
        description = (
            f"Stacked bars of deals per quarter of first report by hardware type, "
            f"{first} to {last}: {_plural(total, 'deal')}."
        )
    else:
        description = "No deals recorded yet."
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=baseline,
        bars=bars,
        ticks=ticks,
        groups=CHART_GROUPS,
        description=description,
    )
