"""Geometry of the lifecycle lanes: a shared time axis and x positions in SVG viewBox units.

Each lane is its own small SVG stretched to the column's width (preserveAspectRatio="none"),
so positions are computed once here on a 0–1000 scale; the axis labels are HTML cells of
equal width, one per quarter (per year when the lanes span more than six years), which line
up because the axis starts and ends on period boundaries; every quarter gets a grid line, and
about ten of them a label.
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
        """From the start of the period of the earliest report to the end of today's period."""
        today = lanes.today
        first = min([today, *(lc.start for lc in lanes.lifecycles)])
        step = Precision.YEAR if today.year - first.year > 6 else Precision.QUARTER
        period = _period(first, step)
        periods = [period]
        while periods[-1].next_start <= today:
            periods.append(_period(periods[-1].next_start, step))
        start, end = periods[0].start, periods[-1].next_start
        every = -(-len(periods) // MAX_LABELS)
        total = (end - start).days
        ticks = [
            Tick(
                p.label if (len(periods) - 1 - i) % every == 0 else "",
                round((p.start - start).days / total * WIDTH, 1),
            )
            for i, p in enumerate(periods)
        ]
        return cls(start, end, today, ticks)

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


def _period(value: date, step: Precision) -> PartialDate:
    if step is Precision.YEAR:
        return PartialDate(date(value.year, 1, 1), step)
    return PartialDate(date(value.year, 3 * ((value.month - 1) // 3) + 1, 1), step)
