"""The cells of the deal CSV: lists inside cells parse and print back the same."""

import re
from decimal import Decimal

import pytest

from app.domain.cells import (
    CellError,
    HardwareCell,
    PartyCell,
    format_hardware,
    format_parties,
    format_sources,
    parse_amount,
    parse_hardware,
    parse_parties,
    parse_sources,
    parse_whole,
    split_list,
)
from app.services.demo import read_demo_csv


def test_parties_cell() -> None:
    cell = "OpenAI (customer, investee); Microsoft (investor, provider)"
    parties = parse_parties(cell)
    assert parties == [
        PartyCell("OpenAI", ("customer", "investee")),
        PartyCell("Microsoft", ("investor", "provider")),
    ]
    assert format_parties(parties) == cell


def test_party_names_may_hold_parentheses() -> None:
    assert parse_parties("HUMAIN (Saudi Arabia) (customer)") == [
        PartyCell("HUMAIN (Saudi Arabia)", ("customer",))
    ]


def test_a_party_without_a_role_is_refused() -> None:
    with pytest.raises(CellError, match="Organization \\(role, role\\)"):
        parse_parties("OpenAI; Microsoft (provider)")


def test_hardware_cell_with_and_without_counts() -> None:
    cell = "Maia 200; H100 (24000); NVIDIA GPU (model unspecified)"
    lines = parse_hardware(cell)
    assert lines == [
        HardwareCell("Maia 200", None),
        HardwareCell("H100", 24000),
        HardwareCell("NVIDIA GPU (model unspecified)", None),
    ]
    assert format_hardware(lines) == cell
    assert parse_hardware("H100 (24,000)") == [HardwareCell("H100", 24000)]


def test_sources_cell_one_line_per_source() -> None:
    cell = (
        "The Information (original, 2026-05-21)\n"
        "Odaily (relay, 2026-05) <https://example.org/odaily> relays The Information\n"
        "Microsoft (primary) <https://example.org/blog>"
    )
    sources = parse_sources(cell)
    assert [s.publisher for s in sources] == ["The Information", "Odaily", "Microsoft"]
    assert sources[0].url is None and str(sources[0].published) == "2026-05-21"
    assert sources[1].relays == "The Information" and sources[1].tier == "relay"
    assert sources[2].published is None
    assert format_sources(sources) == cell


def test_a_source_line_carries_its_archived_copy() -> None:
    cell = (
        "The Wall Street Journal (original, 2025-09-10) <https://example.org/wsj>"
        " archived <https://archive.ph/abc>\n"
        "Odaily (relay) archived <https://web.archive.org/x> relays <https://example.org/wsj>"
    )
    wsj, odaily = parse_sources(cell)
    assert (wsj.url, wsj.archived_url) == ("https://example.org/wsj", "https://archive.ph/abc")
    assert (odaily.url, odaily.archived_url) == (None, "https://web.archive.org/x")
    assert odaily.relays == "https://example.org/wsj"
    assert format_sources([wsj, odaily]) == cell


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Reuters <https://example.org>", "Publisher \\(tier, date\\)"),
        ("Reuters (gossip, 2026) <https://example.org>", "tier one of"),
        ("Reuters (original, 2026-13) <https://example.org>", "no month 13"),
    ],
)
def test_bad_source_lines_are_refused(line: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_sources(line)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500M", 500_000_000), ("10B", 10_000_000_000), ("1.25b", 1_250_000_000),
        ("$2,500", 2500), ("", None), ("7", 7),
        # Exact: as floats, 2.01 × 1e9 falls short of 2,010,000,000 (int() gave 2,009,999,999).
        ("2.01B", 2_010_000_000), ("1.15B", 1_150_000_000), ("0.3M", 300_000),
        ("2.01K", 2010), ("2.5 B", 2_500_000_000), ("1e3", 1000),
    ],
)  # fmt: skip
def test_amounts_are_exact(text: str, value: int | None) -> None:
    amount = parse_amount(text)
    assert amount == value and (amount is None or isinstance(amount, Decimal))
    assert parse_whole(text) == value and type(parse_whole(text)) is type(value)


def test_a_measure_keeps_its_decimals_without_noise() -> None:
    assert parse_amount("1.2") == Decimal("1.2") and float(Decimal("1.2")) == 1.2
    assert float(parse_amount("2.01K") or 0) == 2010.0  # 2.01 * 1e3 is 2009.9999999999998


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "is not an amount"), ("-5", "must be a non-negative number"),
        ("10X", "is not an amount"), ("nan", "is not an amount"), ("inf", "is not an amount"),
        ("1e30", "implausibly large"), ("1e999999999", "implausibly large"),
        ("1e-999999999", "is not an amount"), ("1" * 60, "is not an amount"),
    ],
)  # fmt: skip
def test_bad_amounts(text: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_amount(text)


@pytest.mark.parametrize(("text", "unit"), [("2.5", "dollars"), ("0.0001K", "chips")])
def test_a_fraction_of_a_whole_thing_is_refused_not_rounded(text: str, unit: str) -> None:
    with pytest.raises(CellError, match=f"'{re.escape(text)}' is not a whole number of {unit}"):
        parse_whole(text, unit)


def test_split_list_keeps_semicolons_inside_parentheses() -> None:
    assert split_list("a; b (c; d); ; e") == ["a", "b (c; d)", "e"]


def test_every_demo_cell_prints_back_exactly() -> None:
    for row in read_demo_csv("deals.csv"):
        assert format_parties(parse_parties(row["parties"])) == row["parties"]
        assert format_hardware(parse_hardware(row["hardware"])) == row["hardware"]
        assert format_sources(parse_sources(row["sources"])) == row["sources"].strip()
