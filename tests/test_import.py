"""CSV import on both databases: the round trip export → import into an empty database →
export is exact; one bad row imports nothing and names its row and column; a dry run writes
nothing; unknown names are created only when asked; updates by id are version-checked."""

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import ENTITY_TYPES, _changes
from app.db import make_engine
from app.exchange.export import export_csv
from app.exchange.importer import import_csv
from app.filters import DealFilters
from app.models import AuditEvent, Deal, DealDerived, DealSearch, Hardware, Organization
from app.queries.deals import resolve_filters
from app.unit_of_work import AppSession
from tests.databases import empty_database

DEALS = str(Path(sys.executable).parent / "deals")


def export_text(session: Session) -> str:
    rf = resolve_filters(session, DealFilters(sort="title"))
    return b"".join(export_csv(session, rf, "http://testserver/deals/")).decode()


def rows_of(text: str, *drop: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        for name in drop:
            row.pop(name)
    return rows


def deals_in(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Deal)) or 0


@pytest.fixture
def empty(db_name: str) -> Iterator[Session]:
    """Another, empty database of the same kind as the test's."""
    with empty_database(db_name, "cdt_import") as session:
        yield session


def test_export_import_export_is_exact(demo: Session, empty: Session) -> None:
    first = export_text(demo)
    refused = import_csv(empty, first)  # nothing known yet, and not asked to create
    assert not refused.ok and not refused.written and deals_in(empty) == 0
    assert "Microsoft" in refused.new_organizations and "Maia 200" in refused.new_hardware

    report = import_csv(empty, first, create_missing=True)
    assert report.ok and report.written, report.problems[:3]
    assert report.created == 58 and report.updated == 0
    second = export_text(empty)
    assert rows_of(second, "id", "url") == rows_of(first, "id", "url")
    # Every deal was audited as created, in the same transaction.
    created = empty.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity_type == "deal", AuditEvent.action == "create")
    )
    assert created == 58


def test_new_deals_are_written_with_the_audit_and_derived_rows_the_orm_would_write(
    demo: Session, empty: Session
) -> None:
    """New deals go in by bulk inserts (app/exchange/bulk.py), past the ORM's flush hooks: each
    deal, source and status event still gets the audit entry the hook would have made for it — the
    hook's own reading of the stored record as created — and each deal its derived rows."""
    report = import_csv(empty, export_text(demo), create_missing=True)
    assert report.ok and report.written
    entries = {
        (event.entity_type, event.entity_id): event
        for event in empty.scalars(select(AuditEvent).where(AuditEvent.action == "create"))
    }
    relays = 0
    for deal in empty.scalars(select(Deal)):
        assert deal.parties and deal.type_rows and deal.hardware_lines is not None  # loaded
        for record in (deal, *deal.sources, *deal.status_events):
            entry = entries.pop((ENTITY_TYPES[type(record)], record.id))
            assert entry.changes == _changes(record, created=True), record
            assert entry.deal_id == deal.id and entry.user_id is None
        relays += sum(source.relays is not None for source in deal.sources)
        assert len(deal.status_events) == 1 and deal.status == deal.status_events[0].status
        assert deal.status_events[0].source is not None
    assert relays > 0  # the demo's relays were linked to what they repeat
    assert {entity for entity, _ in entries} <= {"organization", "hardware"}
    stored = select(func.count()).select_from(DealDerived)
    assert empty.scalar(stored) == empty.scalar(select(func.count()).select_from(DealSearch))
    assert empty.scalar(stored) == deals_in(empty) == 58


def bad_file(demo: Session) -> tuple[str, int]:
    rows = rows_of(export_text(demo))
    rows[3]["first_reported_on"] = "2026-13"
    rows[5]["sources"] = "Somebody (original) <javascript:alert(1)>"
    rows[7]["sources"] = (
        "Echo (relay, 2026-05-02) <https://echo.example/1> relays <https://echo.example/1>"
    )
    for row in rows:
        row["id"] = ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue(), len(rows)


def test_one_bad_row_imports_nothing_and_names_row_and_column(demo: Session) -> None:
    before = deals_in(demo)
    text, _ = bad_file(demo)
    report = import_csv(demo, text)
    assert not report.written and deals_in(demo) == before
    problems = {(p.row, p.column) for p in report.problems}
    assert (5, "first_reported_on") in problems  # data row 4 is line 5 of the file
    assert (7, "sources") in problems
    assert any("only http:// and https://" in p.reason for p in report.problems)
    assert any(  # a source cannot repeat itself
        p.row == 9 and "relays 'https://echo.example/1', which is not listed" in p.reason
        for p in report.problems
    ), report.problems


def test_a_dry_run_writes_nothing(demo: Session) -> None:
    rows = rows_of(export_text(demo))
    for row in rows:
        row["id"] = ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    before = deals_in(demo)
    report = import_csv(demo, buffer.getvalue(), dry_run=True)
    assert report.ok and report.created == len(rows) and not report.written
    assert deals_in(demo) == before


def test_columns_missing_and_extra_are_reported(demo: Session) -> None:
    report = import_csv(demo, "title,status,colour\r\nA,rumored,blue\r\n")
    assert {p.column for p in report.problems} == {
        "deal_types",
        "parties",
        "first_reported_on",
        "sources",
    }
    assert report.ignored_columns == ["colour"]


NEW_ROW = (
    "title,status,confidence,deal_types,parties,hardware,hardware_types,first_reported_on,"
    "sources,notes\r\n"
    '"=HYPERLINK(""http://x"",""y"")",rumored,low,cloud_capacity,'
    '"Crusoe (provider); Anthropic (customer)",Maia 300,custom_accelerator,2026-Q3,'
    '"Odaily (relay, 2026-07) <https://example.org/o> relays <https://example.org/i>\n'
    'The Information (original, 2026-07-02) <https://example.org/i>",extra\r\n'
)


def test_unknown_names_are_created_only_when_asked(demo: Session) -> None:
    refused = import_csv(demo, NEW_ROW)
    assert [str(p) for p in refused.problems] == [
        "row 2, parties: 'Crusoe' is not a known organization",
        "row 2, hardware: 'Maia 300' is not a known hardware model",
    ]
    report = import_csv(demo, NEW_ROW, create_missing=True)
    assert report.written, report.problems
    deal = demo.scalars(select(Deal).order_by(Deal.id.desc())).first()
    assert deal is not None
    assert deal.title == '=HYPERLINK("http://x","y")'  # stored as typed; neutralised on export
    assert str(deal.first_reported) == "2026-Q3" and deal.status == "rumored"
    relay = next(s for s in deal.sources if s.tier == "relay")
    assert relay.relays is not None and relay.relays.publisher == "The Information"
    hardware = demo.scalars(select(Hardware).where(Hardware.name == "Maia 300")).one()
    assert hardware.type == "custom_accelerator"
    assert hardware.vendor.name == "Unknown vendor"  # the deal names no designer or supplier
    crusoe = demo.scalars(select(Organization).where(Organization.name == "Crusoe")).one()
    assert crusoe.kind == "other"
    exported = rows_of(export_text(demo))
    assert any(r["title"].startswith("'=HYPERLINK") for r in exported)


def test_a_row_with_an_id_updates_that_deal_checked_by_version(demo: Session) -> None:
    deal = demo.scalars(select(Deal).where(Deal.deleted_at.is_(None)).order_by(Deal.id)).first()
    assert deal is not None
    row = next(r for r in rows_of(export_text(demo)) if r["id"] == str(deal.id))
    row["region"] = "Mars"
    header = [*row, "version"]

    def file_with(version: int) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerow({**row, "version": str(version)})
        return buffer.getvalue()

    stale = import_csv(demo, file_with(deal.version - 1 if deal.version > 1 else 99))
    assert [p.column for p in stale.problems] == ["version"]
    demo.refresh(deal)
    assert deal.region != "Mars"
    report = import_csv(demo, file_with(deal.version))
    assert report.written and report.updated == 1 and report.created == 0
    demo.refresh(deal)
    assert deal.region == "Mars"


def test_the_import_page_previews_then_imports(analyst: TestClient, demo: Session) -> None:
    before = deals_in(demo)
    preview = analyst.post(
        "/import",
        files={"file": ("new.csv", NEW_ROW.encode(), "text/csv")},
        data={"create_missing": "1"},
    )
    assert preview.status_code == 200
    page = BeautifulSoup(preview.text, "html.parser")
    assert "Ready: 1 new and 0 updated" in page.select_one("#report-heading").text
    assert "Crusoe" in page.text and deals_in(demo) == before
    staged = page.select_one("input[name=staged]")["value"]
    done = analyst.post(
        "/import",
        data={"staged": staged, "create_missing": "1", "confirm": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and deals_in(demo) == before + 1
    assert "Imported 1 new and 0 updated deals" in analyst.get(done.headers["location"]).text

    bad = analyst.post("/import", files={"file": ("bad.csv", bad_file(demo)[0].encode())})
    assert bad.status_code == 422
    problems = BeautifulSoup(bad.text, "html.parser").select(".import-problems tbody tr")
    assert any("first_reported_on" in row.text and "5" in row.text for row in problems)
    assert deals_in(demo) == before + 1


def test_importing_needs_an_analyst(demo_client: TestClient) -> None:
    assert demo_client.get("/import", follow_redirects=False).status_code == 303


def test_the_command_line_checks_then_imports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'import.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "import-test-" + "x" * 24}

    def deals(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DEALS, *args], capture_output=True, text=True, env=env, timeout=120)

    assert deals("db", "upgrade").returncode == 0
    path = tmp_path / "new.csv"
    path.write_text(NEW_ROW, encoding="utf-8")
    refused = deals("import", str(path))
    assert refused.returncode == 1
    assert "row 2, parties: 'Crusoe' is not a known organization" in refused.stderr
    dry = deals("import", str(path), "--create-missing", "--dry-run")
    assert dry.returncode == 0 and "Dry run: would import 1 new" in dry.stderr
    engine = make_engine(url)
    with AppSession(engine) as session:
        assert deals_in(session) == 0
    done = deals("import", str(path), "--create-missing")
    assert done.returncode == 0 and "Imported 1 new" in done.stderr, done.stderr
    with AppSession(engine) as session:
        assert deals_in(session) == 1
    engine.dispose()


def oracle_text(session: Session, columns: tuple[str, ...] | None = None) -> str:
    rf = resolve_filters(session, DealFilters(party=["oracle"], sort="title"))
    chunks = export_csv(session, rf, "http://testserver/deals/", columns=columns)
    return b"".join(chunks).decode()


def audit_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def versions(session: Session) -> dict[int, int]:
    session.expire_all()
    return dict(session.execute(select(Deal.id, Deal.version)).all())


def test_reimporting_an_unchanged_filtered_export_writes_nothing(demo: Session) -> None:
    """The Oracle view exported and imported as it is: every deal unchanged, nothing written;
    one cell changed: exactly that field of that deal, with one audit entry."""
    text = oracle_text(demo)
    oracle = len(rows_of(text))
    assert oracle >= 5
    before_versions, before_audit = versions(demo), audit_rows(demo)
    report = import_csv(demo, text)
    assert report.ok, report.problems[:3]
    assert (report.created, report.updated, report.unchanged) == (0, 0, oracle)
    assert versions(demo) == before_versions and audit_rows(demo) == before_audit
    summaries = dict(demo.execute(select(Deal.id, Deal.summary)).all())
    assert sum(bool(s) for s in summaries.values()) > 0

    rows = rows_of(text)
    rows[2]["region"] = "Antarctica"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    changed_id = int(rows[2]["id"])
    report = import_csv(demo, buffer.getvalue())
    assert (report.updated, report.unchanged) == (1, oracle - 1)
    [row] = [r for r in report.rows if r.action == "update"]
    assert row.deal_id == changed_id
    assert [(c.column, c.after) for c in row.changes] == [("region", "Antarctica")]
    after = versions(demo)
    assert {i for i in after if after[i] != before_versions[i]} == {changed_id}
    entries = demo.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(before_audit)).all()
    assert [(e.entity_type, e.entity_id) for e in entries] == [("deal", changed_id)]
    assert set(entries[0].changes) == {"region"}
    assert dict(demo.execute(select(Deal.id, Deal.summary)).all()) == summaries


def test_a_column_the_file_lacks_is_left_as_it_is_and_an_empty_cell_clears(
    demo: Session,
) -> None:
    deal = demo.scalars(
        select(Deal).where(Deal.summary.is_not(None), Deal.notes.is_not(None)).order_by(Deal.id)
    ).first()
    assert deal is not None
    summary, notes, deal_id = deal.summary, deal.notes, deal.id
    [row] = [r for r in rows_of(export_text(demo)) if r["id"] == str(deal_id)]
    # DESIGN's columns only (as older exports were): summary and notes are left alone.
    narrow = {k: v for k, v in row.items() if k not in ("summary", "notes", "version")}
    narrow["region"] = "Somewhere new"
    report = import_csv(demo, _csv([narrow]))
    assert report.written and [c.column for c in report.rows[0].changes] == ["region"]
    demo.expire_all()
    deal = demo.get_one(Deal, deal_id)
    assert (deal.summary, deal.notes, deal.region) == (summary, notes, "Somewhere new")
    # An empty cell in a column the file has clears the field, and the report says so.
    cleared = {**row, "notes": "", "version": str(deal.version), "region": "Somewhere new"}
    preview = import_csv(demo, _csv([cleared]), dry_run=True)
    assert preview.clearing and preview.clearing[0].cleared == ["notes"]
    assert import_csv(demo, _csv([cleared])).written
    demo.expire_all()
    assert demo.get_one(Deal, deal_id).notes is None


def test_two_rows_with_one_id_are_a_problem_of_the_file(demo: Session) -> None:
    rows = rows_of(oracle_text(demo))
    report = import_csv(demo, _csv([rows[0], rows[1], rows[0]]))
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [(4, "id")]
    assert "also in row 2" in report.problems[0].reason


def test_one_deal_in_two_rows_is_a_problem_however_its_id_is_written(demo: Session) -> None:
    rows = rows_of(oracle_text(demo))
    again = {**rows[0], "id": "00" + rows[0]["id"]}
    report = import_csv(demo, _csv([rows[0], rows[1], again]))
    assert not report.ok and not report.written
    assert [(p.row, p.column) for p in report.problems] == [(4, "id")]
    assert f"deal {rows[0]['id']} is also in row 2" in report.problems[0].reason


def test_importing_the_same_new_deals_twice_flags_each_as_the_deal_it_made(
    demo: Session,
) -> None:
    rows = [{**r, "id": "", "version": ""} for r in rows_of(oracle_text(demo))[:3]]
    for row, n in zip(rows, range(3), strict=True):
        row["title"] = f"A deal typed in a spreadsheet, number {n}"
    first = import_csv(demo, _csv(rows))
    assert first.written and first.created == 3
    made = {
        title: deal_id
        for deal_id, title in demo.execute(
            select(Deal.id, Deal.title).where(Deal.title.like("A deal typed in a spreadsheet%"))
        )
    }
    second = import_csv(demo, _csv(rows), dry_run=True)
    assert second.ok and second.created == 3
    for planned in second.rows:
        assert made[planned.title] in planned.looks_like, planned


def test_the_preview_shows_each_change_and_warns_before_clearing(
    analyst: TestClient, demo: Session
) -> None:
    rows = rows_of(oracle_text(demo))
    target = next(r for r in rows if r["summary"])
    target["summary"] = ""
    target["region"] = "Antarctica"
    preview = analyst.post(
        "/import", files={"file": ("oracle.csv", _csv(rows).encode(), "text/csv")}
    )
    assert preview.status_code == 200
    page = BeautifulSoup(preview.text, "html.parser")
    heading = page.select_one("#report-heading").text
    assert f"1 updated deal, {len(rows) - 1} unchanged" in heading
    changes = [
        [cell.text.strip() for cell in tr.select("td")]
        for tr in page.select(".import-changes tbody tr")
    ]
    assert any(c[2] == "region" and c[4] == "Antarctica" for c in changes)
    assert any(c[2] == "summary" and c[4] == "cleared" for c in changes)
    warning = page.select_one(".import-confirm [role=alert]")
    assert warning is not None and f"#{target['id']} (summary)" in warning.text


def _csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def test_new_rows_like_existing_deals_are_flagged_with_a_link(
    analyst: TestClient, demo: Session
) -> None:
    rows = rows_of(oracle_text(demo))
    for row in rows:  # each deal looks like itself, an organization in two roles included
        copy = {**row, "id": "", "version": "", "title": "The same deal, typed again"}
        report = import_csv(demo, _csv([copy]), dry_run=True)
        assert report.ok and report.created == 1
        assert int(row["id"]) in report.rows[0].looks_like, row["parties"]
    copy = {**rows[0], "id": "", "version": "", "title": "The same deal, typed again"}
    preview = analyst.post("/import", files={"file": ("again.csv", _csv([copy]).encode())})
    links = BeautifulSoup(preview.text, "html.parser").select(".import-look-alikes a")
    assert f"/deals/{rows[0]['id']}" in [a["href"].removeprefix("http://testserver") for a in links]


def test_a_file_that_changes_nothing_offers_nothing_to_confirm(
    analyst: TestClient, demo: Session
) -> None:
    preview = analyst.post("/import", files={"file": ("same.csv", oracle_text(demo).encode())})
    page = BeautifulSoup(preview.text, "html.parser")
    assert "Nothing to write" in page.select_one(".import-nothing").text
    assert page.select_one("button[name=confirm]") is None
