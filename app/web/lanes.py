"""Geometry of the lifecycle lanes: a shared time axis and x positions in SVG viewBox units.

Each lane is its own small SVG stretched to the column's width (preserveAspectRatio="none"),
so positions are computed once here on a 0–1000 scale. The axis fits the lanes shown: from the
quarter of the earliest first report among them to the end of today's quarter, one HTML cell of
equal width per quarter (they line up because the axis starts and ends on quarter boundaries)
and a grid line at every quarter. Labels name each quarter (`Q2 2025`) when at most ten fit,
else each year at its first quarter (every other year, or fewer, over a long span).
"""

from dataclasses import dataclass
from datetime import date

from app.domain.dates import PartialDate, Precision
from app.queries.lifecycles import Lanes

WIDTH = 1000
MIN_WIDTH = 2.5  # a same-day step still shows
MAX_LABELS = 10


@dataclass(frozen=True)
class Tick:
    label: str
    x: float


@dataclass(frozen=True)
class LaneChart:
    start: date
    end: date
    today: date
    ticks: list[Tick]

    @classmethod
    def for_lanes(cls, lanes: Lanes) -> "LaneChart":
        """From the quarter of the earliest report shown to the end of today's quarter."""
        today = lanes.today
        first = min([today, *(lc.start for lc in lanes.lifecycles)])
        periods = [_quarter(first)]
        while periods[-1].next_start <= today:
            periods.append(_quarter(periods[-1].next_start))
        start, end = periods[0].start, periods[-1].next_start
        total = (end - start).days
        return cls(
            start,
            end,
            today,
            [
                Tick(label, round((p.start - start).days / total * WIDTH, 1))
                for p, label in zip(periods, _labels(periods), strict=True)
            ],
        )

    def x(self, value: date) -> float:
        days = (min(max(value, self.start), self.end) - self.start).days
        return round(days / (self.end - self.start).days * WIDTH, 1)

    def width(self, start: date, end: date) -> float:
        return max(round(self.x(end) - self.x(start), 1), MIN_WIDTH)

    @property
    def today_label(self) -> str:
        return PartialDate.from_date(self.today).label

    @property
    def grid(self) -> list[float]:
        return [tick.x for tick in self.ticks[1:]]


def _quarter(value: date) -> PartialDate:
    return PartialDate(date(value.year, 3 * ((value.month - 1) // 3) + 1, 1), Precision.QUARTER)


def _labels(quarters: list[PartialDate]) -> list[str]:
    """Every quarter's label if they fit, else the years' (every n-th year over a long span)."""
    if len(quarters) <= MAX_LABELS:
        return [q.label for q in quarters]
    years = sorted({q.start.year for q in quarters})
    every = -(-len(years) // MAX_LABELS)
    shown = {year for i, year in enumerate(years) if i % every == 0}
    return [
        str(q.start.year)
        if q.start.year in shown and (q.start.month == 1 or (i == 0 and q.start.month <= 7))
        else ""
        for i, q in enumerate(quarters)
    ]
