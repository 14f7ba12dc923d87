"""What the overview's figures sort deals into: the chart's hardware groups, quarters of first
report, and what became of a deal first reported as a rumor. Declared once, for the figures
counted from the deals (app/queries/overview.py) and for the counts kept as deals are written
(app/derived/counts.py)."""

from dataclasses import dataclass
from datetime import date

from app.domain.vocabulary import (
    DENIED_STATUSES,
    OFFICIAL_STATUSES,
    RUMOR_STATUSES,
    HardwareType,
)


@dataclass(frozen=True)
class HardwareGroup:
    """A band of the chart: the hardware types it covers, so `/deals?hardware_type=…` matches."""

    key: str
    label: str
    types: tuple[str, ...]
    description: str


# Grouped by hardware type (not by the in-house flag) because the table filters by type: each
# band is then exactly a `/deals?hardware_type=…` table. TPU and Trainium are in-house silicon
# with their own bands; every `custom_accelerator` model (Maia, MTIA, Inferentia, …) is designed
# by a cloud or lab for its own use, so that band is "other in-house accelerators".
HARDWARE_GROUPS: tuple[HardwareGroup, ...] = (
    HardwareGroup("gpu", "GPU", (HardwareType.GPU,), "NVIDIA, AMD and other GPUs"),
    HardwareGroup("tpu", "TPU", (HardwareType.TPU,), "Google's in-house TPUs"),
    HardwareGroup("trainium", "Trainium", (HardwareType.TRAINIUM,), "Amazon's in-house Trainium"),
    HardwareGroup(
        "in_house",
        "Other in-house",
        (HardwareType.CUSTOM_ACCELERATOR,),
        "custom accelerators a cloud or lab designs for itself (Maia, MTIA, Inferentia, …)",
    ),
    HardwareGroup(
        "accelerator",
        "Other accelerators",
        (HardwareType.WAFER_SCALE, HardwareType.LPU, HardwareType.NPU),
        "wafer-scale engines, LPUs and NPUs sold to others",
    ),
    HardwareGroup(
        "cpu_other", "CPU and other", (HardwareType.CPU, HardwareType.OTHER), "CPUs and the rest"
    ),
)
UNSPECIFIED = HardwareGroup("unspecified", "Unspecified", (), "deals that name no hardware")
CHART_GROUPS = (*HARDWARE_GROUPS, UNSPECIFIED)
_GROUP_OF_TYPE = {t: g.key for g in HARDWARE_GROUPS for t in g.types}


def group_of(hardware_type: str | None) -> str:
    """The chart group of a hardware type (none named: unspecified)."""
    return _GROUP_OF_TYPE.get(hardware_type or "", UNSPECIFIED.key)


def quarter_number(day: date) -> int:
    """year * 4 + the quarter's index (0–3): consecutive quarters, consecutive numbers."""
    return day.year * 4 + (day.month - 1) // 3


# What became of a deal first reported before any official word (its first status rumored or
# in talks): it reached the official word, ended (denied or cancelled) without it, or is still
# open. A deal first known from an official word is counted apart; "other" is the rest (a deal
# first reported as denied, or with no status event).
OUTCOMES = ("official", "ended", "open", "first", "other")


def rumor_outcome(first_status: str | None, official_on: date | None, status: str) -> str:
    """The outcome of a deal (see OUTCOMES), as the overview's statement groups it."""
    if first_status in RUMOR_STATUSES:
        if official_on is not None:
            return "official"
        return "ended" if status in DENIED_STATUSES else "open"
    return "first" if first_status in OFFICIAL_STATUSES else "other"


def official_days(
    first_status: str | None, official_on: date | None, first_reported_on: date
) -> int | None:
    """Days from a rumor's first report to its official word (0 when the word came first);
    None for a deal that is not a rumor that reached it."""
    if first_status not in RUMOR_STATUSES or official_on is None:
        return None
    return max(0, (official_on - first_reported_on).days)
