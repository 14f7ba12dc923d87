"""Importing deals from the CSV that /deals.csv writes: all or nothing.

Every row is read into the same input as the entry form and the API (app/inputs: one model
says what a deal accepts), names are matched like entry matches them (name, slug or alias),
and the whole file is written in one transaction — or, when any row has a problem, not at
all. A row whose `id` names an existing deal updates it (checked against its `version` when
the file has that column); any other row creates a deal.

An update changes only what the file carries: a column the file lacks leaves that field as it
is (the stored value stands in for it before the row is checked), and an empty cell in a
column the file has clears that field — the report lists every field an update changes, before
and after, and which of them it clears. A row equal to its deal is `unchanged` and writes
nothing (no version bump, no audit entry).
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import hardware_text, parties_text
from app.domain.cells import (
    ALL_COLUMNS,
    CellError,
    SourceCell,
    number_cell,
    parse_hardware,
    parse_sources,
    split_list,
    unneutralise,
)
from app.domain.dates import PartialDate, Precision
from app.domain.vocabulary import DealType, HardwareType, OrgKind, Status, label, values
from app.exchange.bulk import NewDeal, insert_deals
from app.inputs.deal import DealInput, SourceInput, field_names
from app.inputs.errors import InputErrors
from app.inputs.rows import column_of, deal_row_data
from app.inputs.types import as_id
from app.models import (
    Deal,
    Hardware,
    Organization,
    OrganizationAlias,
    Source,
    StatusEvent,
    User,
)
from app.services import deals as deal_service

REQUIRED_COLUMNS = ("title", "status", "deal_types", "parties", "first_reported_on", "sources")
# Read from the file; `url` and `hardware_types` are derived on export (types only help to
# create unknown hardware), `version` guards updates.
KNOWN_COLUMNS = ALL_COLUMNS
FLUSH_EVERY = 1000
DUPLICATE_CHECK_ROWS = 500
UNKNOWN_VENDOR = "Unknown vendor"


@dataclass(frozen=True)
class Problem:
    row: int  # the line in the file (the header is line 1)
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "header"
        return (
            f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


@dataclass(frozen=True)
class FieldChange:
    """One field an update changes, before and after as the file writes them."""

    column: str
    before: str
    after: str

    @property
    def clears(self) -> bool:
        return bool(self.before) and not self.after


@dataclass(frozen=True)
class PlannedRow:
    row: int
    action: str  # "create", "update" or "unchanged"
    title: str
    deal_id: int | None = None
    changes: tuple[FieldChange, ...] = ()
    looks_like: tuple[int, ...] = ()  # a new deal: existing deals the entry form would flag

    @property
    def cleared(self) -> list[str]:
        return [change.column for change in self.changes if change.clears]


@dataclass
class ImportReport:
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    new_organizations: list[str] = field(default_factory=list)
    new_hardware: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def created(self) -> int:
        return sum(r.action == "create" for r in self.rows)

    @property
    def updated(self) -> int:
        return sum(r.action == "update" for r in self.rows)

    @property
    def unchanged(self) -> int:
        return sum(r.action == "unchanged" for r in self.rows)

    @property
    def look_alikes(self) -> list[PlannedRow]:
        """New deals like existing ones (same organizations, hardware, about when)."""
        return [r for r in self.rows if r.looks_like]

    @property
    def clearing(self) -> list[PlannedRow]:
        """The updates that empty a field the deal has."""
        return [r for r in self.rows if r.cleared]


class _Names:
    """Organizations and hardware by lower-cased name, slug or alias (a name wins over a slug,
    a slug over an alias), read once per import; models the file creates join them."""

    def __init__(self, session: Session, report: ImportReport, create_missing: bool) -> None:
        self.session = session
        self.report = report
        self.create_missing = create_missing
        self.check_duplicates = True
        self.hardware_types: dict[str, str] = {}  # for models the file creates
        organizations = session.scalars(select(Organization)).all()
        by_id = {organization.id: organization for organization in organizations}
        aliases = session.execute(
            select(OrganizationAlias.organization_id, OrganizationAlias.alias)
        )
        self.organizations: dict[str, Organization | None] = {
            alias.lower(): by_id[organization_id] for organization_id, alias in aliases
        }
        self.organizations.update((o.slug, o) for o in organizations)
        self.organizations.update((o.name.lower(), o) for o in organizations)
        models = session.scalars(select(Hardware)).all()
        self.hardware: dict[str, Hardware | None] = {h.slug: h for h in models}
        self.hardware.update((h.name.lower(), h) for h in models)
        self.slugs = {
            Organization: {o.slug for o in organizations},
            Hardware: {h.slug for h in models},
        }

    def unique_slug(self, model: type[Organization] | type[Hardware], name: str) -> str:
        taken = self.slugs[model]
        slug, n = deal_service.slugify(name), 2
        while slug in taken:
            slug, n = deal_service.slugify(name, n), n + 1
        taken.add(slug)
        return slug

    def organization(self, name: str) -> Organization | None:
        key = name.strip().lower()
        if key not in self.organizations:
            found = None
            self.report.new_organizations.append(name.strip())
            if self.create_missing:
                found = Organization(
                    name=name.strip(),
                    slug=self.unique_slug(Organization, name),
                    kind=OrgKind.OTHER,
                )
                self.session.add(found)
            self.organizations[key] = found
        return self.organizations[key]

    def hardware_model(self, name: str, hardware_type: str, vendor: str) -> Hardware | None:
        key = name.strip().lower()
        if key not in self.hardware:
            found = None
            self.report.new_hardware.append(name.strip())
            maker = self.organization(vendor) if self.create_missing else None
            if maker is not None:
                found = Hardware(
                    name=name.strip(),
                    slug=self.unique_slug(Hardware, name),
                    type=hardware_type,
                    vendor=maker,
                    in_house=maker.kind in (OrgKind.HYPERSCALER, OrgKind.AI_LAB),
                )
                self.session.add(found)
            self.hardware[key] = found
        return self.hardware[key]


def infer_hardware_types(rows: list[dict[str, str]]) -> dict[str, str]:
    """The type of each hardware model the file names, as far as its rows tell.

    `hardware_types` lists a deal's types once each, so `H100; Grace (cpu)` lines with
    `gpu; cpu` pin both models, while `H100; B200; Grace` with `gpu; cpu` pins only what other
    rows settle: a model whose row leaves it the one type not yet accounted for takes it.
    """
    deals = []
    for row in rows:
        try:
            names = [line.hardware.lower() for line in parse_hardware(row.get("hardware", ""))]
        except CellError:
            continue
        deals.append((names, split_list(row.get("hardware_types", ""))))
    known: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for names, types in deals:
            if not names or not types:
                continue
            if len(types) == len(names) or len(types) == 1:
                matched = types if len(types) == len(names) else types * len(names)
                pairs = zip(names, matched, strict=True)
                found = {n: t for n, t in pairs if n not in known}
            else:
                open_names = [n for n in names if n not in known]
                left = [t for t in types if t not in {known[n] for n in names if n in known}]
                # One type left over: the open models take it (which reproduces the cell).
                found = {n: left[0] for n in open_names} if len(left) == 1 else {}
            if found:
                known.update(found)
                changed = True
    return known


def _vendor_of(row_parties: list[tuple[str, str]]) -> str:
    """The hardware's maker if the deal names one (designer, supplier), else a placeholder."""
    for wanted in ("designer", "supplier"):
        for organization, role in row_parties:
            if role == wanted:
                return organization
    return UNKNOWN_VENDOR


def _sources(
    cells: list[SourceCell], problem: Callable[[str], None]
) -> tuple[list[SourceInput], list[int | None]]:
    """Sources checked by the entry rules (http(s) links, bounded lengths), and for each the
    index of the source it relays."""
    sources: list[SourceInput] = []
    for cell in cells:
        data = {"publisher": cell.publisher, "url": cell.url, "tier": cell.tier,
                "published_on": cell.published, "archived_url": cell.archived_url}  # fmt: skip
        try:
            sources.append(SourceInput.model_validate(data))
        except ValidationError as exc:
            for messages in InputErrors.of(exc).values():
                problem(f"{cell.publisher}: {' '.join(messages)}")
    relays: list[int | None] = [None] * len(sources)
    if len(sources) == len(cells):
        for i, cell in enumerate(cells):
            if cell.relays:
                relays[i] = next(
                    (
                        j
                        for j, s in enumerate(sources)
                        if j != i and cell.relays in (s.url, s.publisher)
                    ),
                    None,
                )
                if relays[i] is None:
                    problem(f"{cell.publisher} relays '{cell.relays}', which is not listed")
    return sources, relays


def _source_records(
    sources: list[SourceInput], relays: list[int | None], user: User | None
) -> list[Source]:
    """The checked sources as records to add to an existing deal, relays linked."""
    records = [
        Source(
            publisher=s.publisher,
            tier=s.tier,
            url=s.url,
            archived_url=s.archived_url,
            published=s.published,
            created_by_id=user.id if user else None,
        )
        for s in sources
    ]
    for record, target in zip(records, relays, strict=True):
        record.relays = records[target] if target is not None else None
    return records


def import_csv(
    session: Session,
    text: str,
    user: User | None = None,
    *,
    create_missing: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> ImportReport:
    """Check every row; write them all in one transaction, or nothing if any has a problem
    (or if `dry_run`). The report lists what would be (or was) done and every problem."""
    report = ImportReport()
    session.info["user_id"] = user.id if user else None
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for column in missing:
        report.problems.append(Problem(0, column, "this required column is missing"))
    report.ignored_columns = [c for c in header if c and c not in KNOWN_COLUMNS]
    if missing:
        return report
    names = _Names(session, report, create_missing)
    try:
        rows = [
            (line, {k.strip(): unneutralise((v or "").strip()) for k, v in raw.items() if k})
            for line, raw in enumerate(reader, start=2)
        ]
    except csv.Error as exc:  # a cell past the csv module's limit (131,072 characters), …
        report.problems.append(Problem(reader.line_num, "", f"the file cannot be read: {exc}"))
        return report
    names.hardware_types = infer_hardware_types([r for _, r in rows])
    # New deals are checked against existing ones as the entry form checks them (a query
    # each); a file of more rows is a bulk load, where that would cost most of the time.
    names.check_duplicates = len(rows) <= DUPLICATE_CHECK_ROWS
    # Only deals that existed before this file can be updated by it (an id from another
    # database must not hit a deal this very import created).
    ids = {i for _, r in rows if (i := as_id(r.get("id", ""))) is not None}
    existing = set(session.scalars(select(Deal.id).where(Deal.id.in_(ids)))) if ids else set()
    new_deals: list[NewDeal] = []
    # One deal in two rows would be written twice, the last row winning: a problem of the
    # file (`7` and `007` name the same deal).
    first_row_of: dict[int, int] = {}
    for line, row in rows:
        row_id = as_id(row.get("id", ""))
        if row_id is not None and row_id in first_row_of:
            report.problems.append(
                Problem(line, "id", f"deal {row_id} is also in row {first_row_of[row_id]}")
            )
        elif row_id is not None:
            first_row_of[row_id] = line
    try:
        # Updates are applied to the deals' records as they are checked, and flushed
        # FLUSH_EVERY rows at a time: a lookup must not flush the rows before it one by one
        # (the names are in memory; the flush hook renders a batch at once). New deals are
        # only collected: once every row is known good, they are inserted in bulk.
        with session.no_autoflush:
            for count, (line, row) in enumerate(rows, start=1):
                new = _import_row(
                    session, row, line, report, names, user, today or date.today(), existing
                )
                if new is not None:
                    new_deals.append(new)
                if count % FLUSH_EVERY == 0 and not report.problems:
                    session.flush()
                if progress is not None:
                    progress(1)
        if report.problems or dry_run:
            session.rollback()
            return report
        session.flush()  # new organizations and hardware (the new deals need their ids)
        insert_deals(session.connection(), new_deals, user.id if user else None)
        session.commit()
        report.written = True
    except BaseException:
        session.rollback()
        raise
    return report


def _import_row(
    session: Session,
    row: dict[str, str],
    line: int,
    report: ImportReport,
    names: _Names,
    user: User | None,
    today: date,
    existing_ids: set[int],
) -> NewDeal | None:
    """Check a row; apply it to the deal it updates, or return the deal it creates."""

    def problem(column: str) -> Callable[[str], None]:
        return lambda reason: report.problems.append(Problem(line, column, reason))

    before = len(report.problems)
    existing: Deal | None = None
    raw_id = row.get("id", "")
    deal_id = as_id(raw_id)
    if raw_id and deal_id is None:
        problem("id")(f"'{raw_id[:50]}' is not a deal id — leave it blank to create a deal")
    elif deal_id is not None and deal_id in existing_ids:
        existing = session.get(Deal, deal_id)
        version = row.get("version", "")
        if existing is not None and existing.deleted_at is not None:
            problem("id")(f"deal {raw_id} is deleted; restore it first or leave the id blank")
        elif existing is not None and version and version != str(existing.version):
            problem("version")(
                f"deal {raw_id} has changed since this file was made (version {existing.version}"
                f" now, {version} in the file) — export it again"
            )
    try:
        data = deal_row_data(row)
    except CellError as exc:
        problem("parties" if "role" in str(exc) else "hardware")(str(exc))
        return None
    if existing is not None:
        # What the file does not carry stays as it is: the stored value stands in for it.
        data = {**stored_data(existing), **data}
    deal_in = _checked(data, problem)
    status = row.get("status", "")
    if status not in values(Status):
        problem("status")(
            f"'{status}' is not one of {', '.join(label(s) for s in values(Status))}"
            if status
            else "a status is needed"
        )
    try:
        cells = parse_sources(row.get("sources", ""))
    except CellError as exc:
        problem("sources")(str(exc))
        cells = []
    if not cells and "sources" not in {p.column for p in report.problems[before:]}:
        problem("sources")("at least one source is needed: 'Publisher (tier, date) <url>'")

    organizations, hardware = _records(deal_in, names, problem) if deal_in else ([], [])
    sources, relays = _sources(cells, problem("sources"))
    if len(report.problems) > before or deal_in is None:
        return None
    orgs = [o for o in organizations if o is not None]
    hws = [h for h in hardware if h is not None]
    if existing is None:
        similar: tuple[int, ...] = ()
        if names.check_duplicates:
            found = deal_service.find_duplicates(
                session, list(dict.fromkeys(orgs)), hws, deal_in.first_reported
            )
            similar = tuple(d.id for d in found)
        report.rows.append(PlannedRow(line, "create", deal_in.title, looks_like=similar))
        return NewDeal(
            deal_in,
            status,
            deal_service.unique_parties(deal_in, orgs),
            deal_service.unique_lines(deal_in, hws),
            sources,
            relays,
        )
    deal = existing
    records = _source_records(sources, relays, user)
    changes = deal_changes(deal, deal_in, orgs, hws, status, _new_sources(deal, records))
    if not changes:
        report.rows.append(PlannedRow(line, "unchanged", deal.title, deal.id))
        return None
    user_id = user.id if user else None
    deal_service.apply_input(deal, deal_in, orgs, hws)
    deal.updated_by_id = user_id
    _add_new_sources(deal, records)
    if status != deal.status:
        deal.status_events.append(
            StatusEvent(
                status=status,
                effective=PartialDate(today, Precision.DAY),
                note="recorded by a CSV import",
                recorded_by_id=user_id,
            )
        )
    report.rows.append(PlannedRow(line, "update", deal_in.title, deal.id, tuple(changes)))
    deal.refresh_status()
    return None


def stored_data(deal: Deal) -> dict[str, Any]:
    """The deal's own fields and hardware as a row's data (under the file's names), to stand
    in for the columns a file lacks."""
    names = field_names(DealInput)
    data: dict[str, Any] = {names[n]: getattr(deal, n) for n in DealInput.column_fields()}
    data["hardware"] = [
        {"name": line.hardware.name, "chips": line.chips} for line in deal.hardware_lines
    ]
    return data


def _shown(value: Any) -> str:
    """A field's value as the file writes it (blank when empty)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number_cell(value)
    return str(value)


def deal_changes(
    deal: Deal,
    deal_in: DealInput,
    orgs: list[Organization],
    hws: list[Hardware],
    status: str,
    new_sources: list[Source],
) -> list[FieldChange]:
    """Each field the input changes on the deal, by the file's column name, before → after."""
    names = field_names(DealInput)
    changes = [
        FieldChange(names[n], _shown(getattr(deal, n)), _shown(getattr(deal_in, n)))
        for n in DealInput.column_fields()
        if getattr(deal, n) != getattr(deal_in, n)
    ]
    if status != deal.status:
        changes.insert(1, FieldChange("status", deal.status, status))
    order = values(DealType)
    wanted_types = sorted(set(deal_in.deal_types), key=order.index)
    if wanted_types != deal.deal_types:
        changes.append(
            FieldChange("deal_types", "; ".join(deal.deal_types), "; ".join(wanted_types))
        )
    parties = deal_service.unique_parties(deal_in, orgs)
    stored_parties = [(p.organization, p.role) for p in deal.parties]
    if parties != stored_parties:
        changes.append(
            FieldChange(
                "parties",
                parties_text((o.name, role) for o, role in stored_parties),
                parties_text((o.name, role) for o, role in parties),
            )
        )
    lines = deal_service.unique_lines(deal_in, hws)
    stored_lines = [(line.hardware, line.chips) for line in deal.hardware_lines]
    if lines != stored_lines:
        changes.append(
            FieldChange(
                "hardware",
                hardware_text((h.name, chips) for h, chips in stored_lines),
                hardware_text((h.name, chips) for h, chips in lines),
            )
        )
    if new_sources:
        added = "; ".join(s.publisher for s in new_sources)
        changes.append(FieldChange("sources", f"{len(deal.sources)} listed", f"adds {added}"))
    return changes


def _checked(
    data: dict[str, Any], problem: Callable[[str], Callable[[str], None]]
) -> DealInput | None:
    """The row's deal input, or None after noting each problem under its column."""
    try:
        return DealInput.model_validate(data)
    except ValidationError as exc:
        for loc, messages in InputErrors.of(exc).items():
            for message in messages:
                problem(column_of(loc))(message)
        return None


def _records(
    deal_in: DealInput, names: _Names, problem: Callable[[str], Callable[[str], None]]
) -> tuple[list[Organization | None], list[Hardware | None]]:
    """The organizations and hardware the row names (None where unknown, noted as problems
    unless the import creates them)."""
    organizations = [names.organization(p.organization) for p in deal_in.parties]
    unknown = {p.organization: None for p, o in zip(deal_in.parties, organizations, strict=True)
               if o is None and not names.create_missing}  # fmt: skip
    for name in unknown:
        problem("parties")(f"'{name}' is not a known organization")
    party_roles = [(p.organization, p.role) for p in deal_in.parties]
    hardware: list[Hardware | None] = []
    for hw_in in deal_in.hardware:
        hardware_type = names.hardware_types.get(hw_in.name.lower(), HardwareType.OTHER.value)
        found_hw = names.hardware_model(hw_in.name, hardware_type, _vendor_of(party_roles))
        if found_hw is None and not names.create_missing:
            problem("hardware")(f"'{hw_in.name}' is not a known hardware model")
        hardware.append(found_hw)
    return organizations, hardware


def _new_sources(deal: Deal, sources: list[Source]) -> list[Source]:
    """The sources the deal does not list yet (same publisher and link)."""
    listed = {(s.publisher, s.url) for s in deal.sources}
    return [s for s in sources if (s.publisher, s.url) not in listed]


def _add_new_sources(deal: Deal, sources: list[Source]) -> None:
    """Add the sources the deal does not list yet (same publisher and link); a relay of one it
    lists points at the listed one."""
    listed = {(s.publisher, s.url): s for s in deal.sources}
    for source in sources:
        target = source.relays
        source.relays = None
        if (source.publisher, source.url) in listed:
            continue
        if target is not None:
            source.relays = listed.get((target.publisher, target.url), target)
        deal.sources.append(source)
        listed[(source.publisher, source.url)] = source


def read_text(data: bytes) -> str:
    """An uploaded file as text: UTF-8 (with or without a BOM); a clear error otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CellError(
            f"the file is not UTF-8 text (byte {exc.start} cannot be read) — save it as "
            "'CSV UTF-8' and try again"
        ) from None
