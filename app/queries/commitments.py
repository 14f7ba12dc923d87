"""Commitments rolled up: per organization and role, the value, capacity and chips of its
deals, split by outcome, each figure the sum over exactly the deals its link lists.

Roles are grouped: as customer; as seller (provider or supplier); as investor. Outcomes: live
(rumored, in talks, announced, confirmed, completed) and ended (denied, cancelled). A deal is
counted once in a cell however many roles of the group the organization has in it. Deals
replaced by another live deal (superseded by it, or recorded as its duplicate) are left out
(the `replaced=no` filter): the newer record counts; an expansion adds to what it expands, so
both count. Each qualified part ("up to", estimated, "at least") is summed apart as well.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from app.domain.vocabulary import DENIED_STATUSES, Qualifier, Role, Status
from app.filters import DealFilters
from app.models import Deal, DealParty, Organization
from app.queries.deals import ResolvedFilters, deal_conditions

ROLE_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    # group: (the /deals filter listing the organization's deals in it, its roles)
    "customer": ("customer", (Role.CUSTOMER,)),
    "seller": ("seller", (Role.PROVIDER, Role.SUPPLIER)),
    "investor": ("investor", (Role.INVESTOR,)),
}
GROUP_LABELS = {
    "customer": "as customer",
    "seller": "as provider or supplier",
    "investor": "as investor",
}
LIVE_STATUSES = tuple(s.value for s in Status if s.value not in DENIED_STATUSES)
OUTCOMES: dict[str, tuple[str, ...]] = {"live": LIVE_STATUSES, "ended": DENIED_STATUSES}
QUALIFIED = (Qualifier.UP_TO, Qualifier.ESTIMATED, Qualifier.AT_LEAST)
MEASURES = ("value_usd", "capacity_mw", "chips")


@dataclass
class Figure:
    """One measure of one cell: the total and the parts of it stated with a qualifier."""

    total: float | None = None
    counted: int = 0  # deals with this measure stated
    qualified: dict[str, float] = field(default_factory=dict)  # qualifier → its part


@dataclass
class Cell:
    deals: int
    figures: dict[str, Figure]
    query: str  # the /deals query string listing exactly these deals


@dataclass
class CommitmentRow:
    organization: Organization
    group: str
    cells: dict[str, Cell]  # outcome → cell (absent: no deal)

    @property
    def label(self) -> str:
        return GROUP_LABELS[self.group]


def _statuses(f: DealFilters, outcome: str) -> tuple[str, ...]:
    """The statuses of an outcome that the table's status filter (if any) leaves in."""
    chosen = f.value("status")
    return tuple(s for s in OUTCOMES[outcome] if not chosen or s in chosen)


def cell_filters(f: DealFilters, slug: str, group: str, outcome: str) -> DealFilters:
    """The /deals view of one cell: the page's filters, the organization in the group's
    role, the outcome's statuses and `replaced=no`."""
    presets: dict[str, tuple[str, ...]] = {
        ROLE_GROUPS[group][0]: (slug,),
        "status": _statuses(f, outcome),
        "replaced": ("no",),
    }
    return f.with_preset(**presets).on_page(1)


def commitments(
    session: Session, rf: ResolvedFilters, organization_id: int | None = None
) -> list[CommitmentRow]:
    """The rows, organizations by most live value, then by most deals, then by name."""
    group_of = case(
        *((DealParty.role.in_(roles), literal(group)) for group, (_, roles) in ROLE_GROUPS.items()),
        else_=None,
    )
    pairs = select(
        DealParty.organization_id.label("org"), group_of.label("grp"), DealParty.deal_id
    ).where(group_of.is_not(None))
    if organization_id is not None:
        pairs = pairs.where(DealParty.organization_id == organization_id)
    pairs_sq = pairs.distinct().subquery()
    outcome = case((Deal.status.in_(DENIED_STATUSES), literal("ended")), else_=literal("live"))
    conditions: list[ColumnElement[bool]] = deal_conditions(rf)
    replaced = rf.filters.registry["replaced"].where(("no",), {}, rf.dialect)
    assert replaced is not None
    columns: list[Any] = [pairs_sq.c.org, pairs_sq.c.grp, outcome, func.count()]
    for measure in MEASURES:
        column = getattr(Deal, measure)
        qualifier = getattr(Deal, measure.split("_")[0] + "_qualifier")
        columns += [func.sum(column), func.count(column)]
        columns += [func.sum(case((qualifier == q, column), else_=None)) for q in QUALIFIED]
    stmt = (
        select(*columns)
        .join(Deal, Deal.id == pairs_sq.c.deal_id)
        .where(*conditions, replaced)
        .group_by(pairs_sq.c.org, pairs_sq.c.grp, outcome)
    )
    found = session.execute(stmt).all()
    orgs = {
        o.id: o
        for o in session.scalars(
            select(Organization).where(Organization.id.in_({r[0] for r in found}))
        )
    }
    rows: dict[tuple[int, str], CommitmentRow] = {}
    for record in found:
        org_id, group, out, deals, *sums = record
        organization = orgs[org_id]
        figures: dict[str, Figure] = {}
        for index, measure in enumerate(MEASURES):
            total, counted, *parts = sums[index * 5 : index * 5 + 5]
            figures[measure] = Figure(
                None if total is None else float(total),
                counted,
                {q: float(p) for q, p in zip(QUALIFIED, parts, strict=True) if p},
            )
        row = rows.setdefault((org_id, group), CommitmentRow(organization, group, {}))
        query = cell_filters(rf.filters, organization.slug, group, out).query_string(paging=False)
        row.cells[out] = Cell(deals, figures, query)

    def order(row: CommitmentRow) -> tuple[float, int, str, str]:
        live = row.cells.get("live")
        value = live.figures["value_usd"].total or 0 if live else 0
        deals = sum(c.deals for c in row.cells.values())
        return (-value, -deals, row.organization.name.lower(), row.group)

    return sorted(rows.values(), key=order)
