"""Numbers as people write them: $10B, 1.2 GW, 24,000 chips."""

from app.domain.vocabulary import QUALIFIER_PREFIX


def short_number(value: float) -> str:
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= threshold:
            text = f"{value / threshold:.2f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{value:,.0f}"


def money_label(value: int, qualifier: str | None = None) -> str:
    return f"{QUALIFIER_PREFIX.get(qualifier or 'exact', '')}${short_number(value)}"


def capacity_label(value: float, qualifier: str | None = None) -> str:
    if value >= 1000:
        short = f"{value / 1000:.2f}".rstrip("0").rstrip(".") + " GW"
    else:
        short = f"{value:,.1f}".rstrip("0").rstrip(".") + " MW"
    return f"{QUALIFIER_PREFIX.get(qualifier or 'exact', '')}{short}"
