"""Partial dates: parsing, the start of the period, display at the entered precision."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.dates import PartialDate, PartialDateError, Precision, parse_optional


@pytest.mark.parametrize(
    ("text", "start", "precision", "label"),
    [
        ("2026-05-21", date(2026, 5, 21), Precision.DAY, "21 May 2026"),
        ("2026-05", date(2026, 5, 1), Precision.MONTH, "May 2026"),
        ("2026-Q2", date(2026, 4, 1), Precision.QUARTER, "Q2 2026"),
        ("2026-q4", date(2026, 10, 1), Precision.QUARTER, "Q4 2026"),
        ("2026", date(2026, 1, 1), Precision.YEAR, "2026"),
        (" 2024-02-29 ", date(2024, 2, 29), Precision.DAY, "29 Feb 2024"),
    ],
)
def test_parse_keeps_start_and_precision(
    text: str, start: date, precision: Precision, label: str
) -> None:
    value = PartialDate.parse(text)
    assert value.start == start
    assert value.precision is precision
    assert value.label == label


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2026-05-21", "2026-05-21"),
        ("2026-05", "2026-05"),
        ("2026-q2", "2026-Q2"),
        ("2026", "2026"),
    ],
)
def test_text_is_exactly_the_precision_entered(text: str, canonical: str) -> None:
    assert str(PartialDate.parse(text)) == canonical


def test_month_is_never_shown_as_its_first_day() -> None:
    value = PartialDate.parse("2026-05")
    assert "01" not in value.label
    assert str(value) != "2026-05-01"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "no month 13"),
        ("2026-00", "no month 00"),
        ("2026-02-30", "February 2026 has 28 days"),
        ("2023-02-29", "February 2023 has 28 days"),
        ("2026-04-31", "April 2026 has 30 days"),
        ("2026-Q5", "expected YYYY-MM-DD"),
        ("May 2026", "expected YYYY-MM-DD"),
        ("26-05", "expected YYYY-MM-DD"),
        ("2026-5", "expected YYYY-MM-DD"),
        ("", "expected YYYY-MM-DD"),
        ("0999", "implausible year"),
    ],
)
def test_bad_text_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(PartialDateError, match=message):
        PartialDate.parse(text)


@pytest.mark.parametrize(
    ("text", "end", "next_start"),
    [
        ("2026-05-21", date(2026, 5, 21), date(2026, 5, 22)),
        ("2026-12-31", date(2026, 12, 31), date(2027, 1, 1)),
        ("2026-02", date(2026, 2, 28), date(2026, 3, 1)),
        ("2024-02", date(2024, 2, 29), date(2024, 3, 1)),
        ("2026-12", date(2026, 12, 31), date(2027, 1, 1)),
        ("2026-Q1", date(2026, 3, 31), date(2026, 4, 1)),
        ("2026-Q4", date(2026, 12, 31), date(2027, 1, 1)),
        ("2026", date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_period_end(text: str, end: date, next_start: date) -> None:
    value = PartialDate.parse(text)
    assert value.end == end
    assert value.next_start == next_start


def test_sorting_uses_the_start_of_the_period() -> None:
    texts = ["2026-05-21", "2026", "2026-Q2", "2025-12-31", "2026-05", "2026-04-02"]
    ordered = sorted(PartialDate.parse(t) for t in texts)
    assert [str(v) for v in ordered] == [
        "2025-12-31",
        "2026",
        "2026-Q2",
        "2026-04-02",
        "2026-05",
        "2026-05-21",
    ]


def test_a_start_that_is_not_the_start_of_its_period_is_refused() -> None:
    with pytest.raises(PartialDateError, match="first day of its month"):
        PartialDate(date(2026, 5, 21), Precision.MONTH)
    with pytest.raises(PartialDateError, match="first day of its quarter"):
        PartialDate(date(2026, 5, 1), Precision.QUARTER)


def test_parse_optional_treats_blank_as_no_date() -> None:
    assert parse_optional("") is None
    assert parse_optional("   ") is None
    assert parse_optional(None) is None
    assert parse_optional("2026") == PartialDate.parse("2026")


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.sampled_from(list(Precision)),
)
def test_text_round_trips_for_every_date_and_precision(day: date, precision: Precision) -> None:
    value = PartialDate(PartialDate.from_date(day).start, Precision.DAY)
    if precision is not Precision.DAY:
        start = {
            Precision.MONTH: day.replace(day=1),
            Precision.QUARTER: date(day.year, 3 * ((day.month - 1) // 3) + 1, 1),
            Precision.YEAR: date(day.year, 1, 1),
        }[precision]
        value = PartialDate(start, precision)
    again = PartialDate.parse(str(value))
    assert again == value
    assert again.start <= day <= again.end
