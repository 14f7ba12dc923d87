"""The filter object: parsing, clear refusals, and the URLs it builds."""

import pytest

from app.filters import DealFilters, FilterError


def parse(*pairs: tuple[str, str]) -> DealFilters:
    return DealFilters.from_query(pairs)


def test_defaults() -> None:
    f = parse()
    assert (f.sort, f.page, f.per_page, f.q) == ("-reported", 1, 50, "")
    assert not f.is_filtered()
    assert f.query_string() == ""


def test_repeated_values_are_kept_once_in_order() -> None:
    f = parse(("status", "rumored"), ("status", "denied"), ("status", "rumored"))
    assert f.status == ("rumored", "denied")


def test_blank_values_count_as_absent() -> None:
    f = parse(("q", "  "), ("status", ""), ("min_value", ""), ("reported_from", ""))
    assert f == parse()


def test_amounts_and_dates_are_read_once() -> None:
    f = parse(("min_value", "500M"), ("max_value", "10B"), ("reported_from", "2025-Q3"))
    assert (f.min_value, f.max_value) == (500_000_000, 10_000_000_000)
    assert str(f.reported_from) == "2025-Q3"
    assert "min_value=500M" in f.query_string()  # the URL keeps what was typed


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("status", "confirmd")], "unknown status 'confirmd' — expected one of rumored"),
        ([("hardware_type", "fpga")], "unknown hardware type 'fpga' — expected one of gpu"),
        ([("deal_type", "lease")], "unknown deal type 'lease'"),
        ([("confidence", "sure")], "unknown confidence 'sure'"),
        ([("reported_from", "2026-13")], "reported_from: '2026-13' has no month 13"),
        ([("reported_to", "May 2026")], "expected YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY"),
        ([("min_value", "abc")], "min_value: 'abc' is not an amount"),
        ([("max_value", "-5")], "max_value: '-5' must be a non-negative number"),
        ([("sort", "price")], "unknown sort 'price' — expected one of reported, value"),
        ([("page", "0")], "page '0' is not allowed — expected a whole number from 1 to 1000000"),
        ([("per_page", "501")], "per_page '501' is not allowed — expected a whole number from 1"),
        ([("per_page", "ten")], "per_page 'ten' is not allowed"),
        ([("stauts", "rumored")], "unknown filter 'stauts'"),
        ([("q", "x" * 201)], "at most 200"),
        ([("page", "1"), ("page", "2")], "'page' was given twice"),
        ([("reported_from", "2026"), ("reported_to", "2025")], "is before reported_from"),
        ([("min_value", "10B"), ("max_value", "1B")], "max_value is below min_value"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    pairs: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(FilterError) as error:
        parse(*pairs)
    assert any(message in m for m in error.value.messages), error.value.messages


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(FilterError) as error:
        parse(("status", "x"), ("sort", "y"), ("min_value", "z"))
    assert len(error.value.messages) == 3


def test_toggling_adds_and_removes_and_resets_the_page() -> None:
    f = parse(("status", "rumored"), ("page", "3"))
    added = f.toggled("status", "denied")
    assert added.status == ("rumored", "denied") and added.page == 1
    assert added.toggled("status", "rumored").status == ("denied",)


def test_removing_a_scalar_filter() -> None:
    f = parse(("min_value", "10B"), ("q", "maia"))
    assert f.without("min_value").min_value is None
    assert "min_value" not in f.without("min_value").query_string()
    assert f.without("q").q == ""


def test_sorting_by_the_same_column_flips_it() -> None:
    f = parse()
    assert f.sorted_by("title").sort == "title"
    assert f.sorted_by("title").sorted_by("title").sort == "-title"
    assert f.sorted_by("reported").sort == "reported"  # default is -reported: flip
    assert f.sorted_by("value").sort == "-value"


def test_the_query_string_reproduces_the_view() -> None:
    f = parse(
        ("q", "maia"), ("status", "in_talks"), ("party", "microsoft"),
        ("reported_from", "2026-05"), ("sort", "title"), ("page", "2"), ("per_page", "25"),
    )  # fmt: skip
    from urllib.parse import parse_qsl

    assert DealFilters.from_query(parse_qsl(f.query_string())) == f
