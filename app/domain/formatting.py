"""Numbers as people write them: $10B, 1.2 GW, 24,000 chips."""

from decimal import Decimal

from app.domain.vocabulary import QUALIFIER_PREFIX

_THOUSANDTH = Decimal("0.001")


def short_number(value: float) -> str:
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= threshold:
            text = f"{value / threshold:.2f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{value:,.0f}"


def amount_text(value: int) -> str:
    """A whole amount as a form shows it back: 3200000000 → `3.2B`, 24000 → `24K`.

    Exact, since the text is read again when the form is saved: when the short form would need
    more than three decimals (1234567890), all the digits are written instead.
    """
    for exponent, suffix in ((12, "T"), (9, "B"), (6, "M"), (3, "K")):
        if value >= 10**exponent:
            scaled = Decimal(value).scaleb(-exponent)
            if scaled == scaled.quantize(_THOUSANDTH):
                return f"{scaled.normalize():f}{suffix}"
            break
    return str(value)


def money_label(value: int, qualifier: str | None = None) -> str:
    return f"{QUALIFIER_PREFIX.get(qualifier or 'exact', '')}${short_number(value)}"


def capacity_label(value: float, qualifier: str | None = None) -> str:
    if value >= 1000:
        short = f"{value / 1000:.2f}".rstrip("0").rstrip(".") + " GW"
    else:
        short = f"{value:,.1f}".rstrip("0").rstrip(".") + " MW"
    return f"{QUALIFIER_PREFIX.get(qualifier or 'exact', '')}{short}"
