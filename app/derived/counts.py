"""The unfiltered table's counts and the overview's figures, kept rather than recounted.

`facet_count` holds, for every facet of the deal table (app/filters/registry.py) and each of its
values, how many live deals have it, and under TOTAL the number of live deals: what the
unfiltered /deals shows, read in one statement by every worker alike. Beside them, what the
overview counts (app/queries/overview.py): live deals per quarter of first report (`quarter`)
and per quarter and hardware group (`quarter_group`), each rumor's outcome (`outcome`) and the
days its official word took (`official_days`), and each organization's deals as a provider
(`provider`). A fact with a measure keeps its sum too: `quarter_group_usd` and `provider_usd`
count the deals that state a value and hold the values' `total`; `…_mw`, their capacity.

The session hook keeps it exact in each writing transaction: before a flush it notes the facts
(none unless live) of every deal the flush may change, after it reads them again and adds the
differences, a few `n = n + delta` upserts in (dimension, value) order, so concurrent writers
neither lose an update nor deadlock. Bulk loads of new deals (app/exchange/bulk.py, the
archive's load, bench.generate) add their deals' facts with `count_new`; `recount` (`deals db
recount`) rebuilds the table from the deals for anything else that writes behind the ORM's back.
Both keep the network map's pairs (app/derived/pair_counts.py) too.
"""

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Double,
    Integer,
    Select,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from app.db import add_rows, batches
from app.derived.factlog import note_changes, note_everything
from app.derived.pair_counts import count_new_pairs, recount_pairs
from app.domain.figures import (
    HARDWARE_GROUPS,
    UNSPECIFIED,
    group_of,
    quarter_number,
    rumor_outcome,
)
from app.domain.vocabulary import DENIED_STATUSES, OFFICIAL_STATUSES, RUMOR_STATUSES, Role
from app.domain.vocabulary import label as word_for
from app.filters.kinds import Choice, FacetRow, Filter, Slugs
from app.filters.registry import FILTERS
from app.models import (
    Deal,
    DealDerived,
    DealHardware,
    DealParty,
    DealTypeRow,
    FacetCount,
    Hardware,
    Organization,
)

TOTAL = "deals"  # the dimension whose one value ("") counts the live deals
Fact = tuple[str, str]  # (dimension, value)
# A deal's facts, each with the amount it adds to the fact's total (0 where only deals count).
Facts = dict[Fact, float]
Delta = dict[Fact, tuple[int, float]]  # how many deals and how much each fact gains or loses
BATCH = 1000


def deal_facts(connection: Connection, deal_ids: Iterable[int]) -> dict[int, Facts]:
    """What each of these deals counts towards, if it is live (a deleted or merged deal,
    towards nothing): the same rows `recount_statements` counts for all deals."""
    facts: dict[int, Facts] = {}
    for batch in batches(sorted(set(deal_ids)), BATCH):
        deals: dict[int, tuple[int, int | None, float | None]] = {}
        for (
            deal_id,
            status,
            confidence,
            reported,
            value,
            capacity,
            derived,
            first,
            on,
            days,
        ) in connection.execute(
            select(
                Deal.id,
                Deal.status,
                Deal.confidence,
                Deal.first_reported_on,
                Deal.value_usd,
                Deal.capacity_mw,
                DealDerived.deal_id,
                DealDerived.first_status,
                DealDerived.official_on,
                DealDerived.official_days,
            )
            .outerjoin(DealDerived, DealDerived.deal_id == Deal.id)
            .where(Deal.id.in_(batch), Deal.deleted_at.is_(None))
        ):
            quarter = quarter_number(reported)
            mine = facts[deal_id] = {
                (TOTAL, ""): 0.0,
                ("status", status): 0.0,
                ("confidence", confidence): 0.0,
                ("quarter", str(quarter)): 0.0,
            }
            if derived is not None:  # rendered: every deal is, but in a bulk load's midst
                mine[("outcome", rumor_outcome(first, on, status))] = 0.0
                if days is not None:
                    mine[("official_days", str(days))] = 0.0
            deals[deal_id] = (quarter, value, capacity)
        live = [deal_id for deal_id in batch if deal_id in facts]
        if not live:
            continue
        for deal_id, kind in connection.execute(
            select(DealTypeRow.deal_id, DealTypeRow.type).where(DealTypeRow.deal_id.in_(live))
        ):
            facts[deal_id][("deal_type", kind)] = 0.0
        groups: dict[int, set[str]] = {}
        for deal_id, kind, vendor_id in connection.execute(
            select(DealHardware.deal_id, Hardware.type, Hardware.vendor_id)
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .where(DealHardware.deal_id.in_(live))
        ):
            facts[deal_id] |= {("hardware_type", kind): 0.0, ("vendor", str(vendor_id)): 0.0}
            groups.setdefault(deal_id, set()).add(group_of(kind))
        for deal_id, organization_id, role in connection.execute(
            select(DealParty.deal_id, DealParty.organization_id, DealParty.role).where(
                DealParty.deal_id.in_(live)
            )
        ):
            facts[deal_id][("party", str(organization_id))] = 0.0
            if role == Role.PROVIDER:
                _measured(facts[deal_id], "provider", str(organization_id), deals[deal_id][1:])
        for deal_id in live:
            quarter, *measures = deals[deal_id]
            for group in groups.get(deal_id, {UNSPECIFIED.key}):
                _measured(facts[deal_id], "quarter_group", f"{quarter} {group}", measures)
    return facts


def _measured(facts: Facts, dimension: str, value: str, measures: Sequence[float | None]) -> None:
    """A deal counted under `value` of `dimension`, and, where it states them, its value (USD)
    under `dimension`_usd and its capacity (MW) under `dimension`_mw."""
    usd, mw = measures
    facts[(dimension, value)] = 0.0
    if usd is not None:
        facts[(f"{dimension}_usd", value)] = float(usd)
    if mw is not None:
        facts[(f"{dimension}_mw", value)] = float(mw)


def differences(before: dict[int, Facts], after: dict[int, Facts]) -> Delta:
    """How each count and total moves when these deals go from `before` to `after`."""
    delta: Delta = {}
    for deal_id in before.keys() | after.keys():
        old, new = before.get(deal_id, {}), after.get(deal_id, {})
        if old == new:
            continue
        for facts, sign in ((old, -1), (new, 1)):
            for fact, amount in facts.items():
                n, total = delta.get(fact, (0, 0.0))
                delta[fact] = (n + sign, total + sign * amount)
    return delta


def apply(connection: Connection, delta: Delta) -> None:
    """Add the differences to the kept counts: one upsert per changed count, in key order."""
    rows = [
        {"dimension": dimension, "value": value, "n": n, "total": total}
        for (dimension, value), (n, total) in sorted(delta.items())
        if n or total
    ]
    add_rows(connection, FacetCount, ["dimension", "value"], rows)


def count_new(connection: Connection, deal_ids: Collection[int]) -> None:
    """Count deals just inserted behind the ORM (a bulk load), their derived rows written:
    nothing of theirs was counted. Their pairs too (app/derived/pair_counts.py)."""
    apply(connection, differences({}, deal_facts(connection, deal_ids)))
    count_new_pairs(connection, deal_ids)
    note_changes(connection, deal_ids)


def recount(connection: Connection) -> int:
    """Rebuild the kept counts and the kept pairs (app/derived/pair_counts.py) from the deals,
    in the caller's transaction; how many rows."""
    connection.execute(delete(FacetCount))
    note_everything(connection)
    total = recount_pairs(connection)
    for statement in recount_statements(connection.dialect.name).values():
        total += connection.execute(
            insert(FacetCount).from_select(["dimension", "value", "n", "total"], statement)
        ).rowcount
    return total


def quarter_sql(day: Any, dialect: str) -> Any:
    """app.domain.figures.quarter_number in SQL: year * 4 + the quarter's index, an integer."""
    year: Any
    month: Any
    if dialect == "postgresql":
        year = cast(func.extract("year", day), Integer)
        month = cast(func.extract("month", day), Integer)
    else:
        year = cast(func.strftime("%Y", day), Integer)
        month = cast(func.strftime("%m", day), Integer)
    return year * 4 + (month - 1) // 3


def group_case(hardware_type: Any) -> Any:
    """app.domain.figures.group_of in SQL."""
    return case(
        *((hardware_type.in_(g.types), g.key) for g in HARDWARE_GROUPS), else_=UNSPECIFIED.key
    )


def outcome_case(first_status: Any, official_on: Any, status: Any) -> Any:
    """app.domain.figures.rumor_outcome in SQL (a NULL first status is "other")."""
    rumor = first_status.in_(RUMOR_STATUSES)
    return case(
        (rumor & official_on.is_not(None), "official"),
        (rumor & status.in_(DENIED_STATUSES), "ended"),
        (rumor, "open"),
        (first_status.in_(OFFICIAL_STATUSES), "first"),
        else_="other",
    )


def recount_statements(dialect: str) -> dict[str, Select[Any]]:
    """(dimension, value, n, total) of every kept count, computed afresh, by dimension."""
    live = Deal.deleted_at.is_(None)
    none = literal(0.0, Double)

    def text(column: Any) -> ColumnElement[str]:
        return cast(column, String(100))

    def counted(name: str, rows: Any, value: Any) -> dict[str, Select[Any]]:
        """`name` counted by `value` over `rows` (a deal once per value), and its `_usd` and
        `_mw` sums over the deals that state them."""
        statements = {name: select(literal(name), value, func.count(), none).group_by(value)}
        for suffix, measure in (("_usd", rows.c.value_usd), ("_mw", rows.c.capacity_mw)):
            statements[name + suffix] = (
                select(
                    literal(name + suffix),
                    value,
                    func.count(measure),
                    cast(func.sum(measure), Double),
                )
                .group_by(value)
                .having(func.count(measure) > 0)
            )
        return {key: statement.select_from(rows) for key, statement in statements.items()}

    distinct = func.count(func.distinct(Deal.id))
    quarter = quarter_sql(Deal.first_reported_on, dialect)
    by_group = (
        select(
            Deal.id,
            quarter.label("quarter"),
            group_case(Hardware.type).label("grp"),
            Deal.value_usd,
            Deal.capacity_mw,
        )
        .outerjoin(DealHardware, DealHardware.deal_id == Deal.id)
        .outerjoin(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(live)
        .distinct()
        .subquery()
    )
    providers = (
        select(DealParty.organization_id, Deal.id, Deal.value_usd, Deal.capacity_mw)
        .join(Deal, Deal.id == DealParty.deal_id)
        .where(live, DealParty.role == Role.PROVIDER)
        .distinct()
        .subquery()
    )
    derived = select(Deal.id).join(DealDerived, DealDerived.deal_id == Deal.id).where(live)
    outcome = outcome_case(DealDerived.first_status, DealDerived.official_on, Deal.status)
    days = DealDerived.official_days
    return {
        TOTAL: select(literal(TOTAL), literal(""), func.count(), none)
        .select_from(Deal)
        .where(live),
        **{
            name: select(literal(name), column, func.count(), none).where(live).group_by(column)
            for name, column in (("status", Deal.status), ("confidence", Deal.confidence))
        },
        "deal_type": select(literal("deal_type"), DealTypeRow.type, func.count(), none)
        .join(Deal, Deal.id == DealTypeRow.deal_id)
        .where(live)
        .group_by(DealTypeRow.type),
        **{
            name: select(literal(name), text(column), distinct, none)
            .select_from(DealHardware)
            .join(Hardware, Hardware.id == DealHardware.hardware_id)
            .join(Deal, Deal.id == DealHardware.deal_id)
            .where(live)
            .group_by(column)
            for name, column in (("hardware_type", Hardware.type), ("vendor", Hardware.vendor_id))
        },
        "party": select(literal("party"), text(DealParty.organization_id), distinct, none)
        .join(Deal, Deal.id == DealParty.deal_id)
        .where(live)
        .group_by(DealParty.organization_id),
        "quarter": select(literal("quarter"), text(quarter), func.count(), none)
        .where(live)
        .group_by(text(quarter)),
        **counted(
            "quarter_group",
            by_group,
            text(by_group.c.quarter) + literal(" ") + by_group.c.grp,
        ),
        "outcome": derived.with_only_columns(
            literal("outcome"), outcome, func.count(), none
        ).group_by(outcome),
        "official_days": derived.with_only_columns(
            literal("official_days"), text(days), func.count(), none
        )
        .where(days.is_not(None))
        .group_by(text(days)),
        **counted("provider", providers, text(providers.c.organization_id)),
    }


def figure_rows(
    session: Session, dimensions: Collection[str], *, kept: bool = True
) -> dict[str, dict[str, tuple[int, float]]]:
    """Each value of these dimensions with its deals and total, where it has any deal: as
    kept (`facet_count`), or (`kept` false) counted afresh from the deals."""
    rows: dict[str, dict[str, tuple[int, float]]] = {name: {} for name in dimensions}
    if kept:
        found: Iterable[Any] = session.execute(
            select(FacetCount.dimension, FacetCount.value, FacetCount.n, FacetCount.total).where(
                FacetCount.dimension.in_(dimensions), FacetCount.n > 0
            )
        )
    else:
        statements = recount_statements(session.get_bind().dialect.name)
        found = (row for name in dimensions for row in session.execute(statements[name]))
    for dimension, value, n, total in found:
        rows[dimension][value] = (int(n), float(total))
    return rows


# --- reading ------------------------------------------------------------------------------------


def kept_total(session: Session) -> int:
    """The number of live deals."""
    n = session.scalar(
        select(FacetCount.n).where(FacetCount.dimension == TOTAL, FacetCount.value == "")
    )
    return n or 0


def kept_facet_counts(session: Session) -> dict[str, list[FacetRow]]:
    """The unfiltered facets' rows, as app.queries.facets.facet_counts gives them: a choice's
    values in its vocabulary's order, organizations most deals first (then by name)."""
    counts: dict[str, list[FacetRow]] = {}
    kept: dict[str, dict[str, int]] = {}
    # Core on the session's connection, all rows fetched at once: without the ORM's work per
    # row or a fetch per row, which took most of the read of some 2,000 organizations.
    connection = session.connection()
    for dimension, value, n in connection.execute(
        select(FacetCount.dimension, FacetCount.value, FacetCount.n).where(
            FacetCount.n > 0, FacetCount.dimension.in_(_choices())
        )
    ).all():
        kept.setdefault(dimension, {})[value] = n
    for flt in FILTERS:
        if isinstance(flt, Choice) and flt.facet is not None:
            found = kept.get(flt.name, {})
            counts[flt.name] = [(v, word_for(v), found[v]) for v in flt.vocabulary if v in found]
        elif isinstance(flt, Slugs) and flt.facet is not None:
            counts[flt.name] = _organizations(connection, flt)
    return counts


def _choices() -> list[str]:
    return [flt.name for flt in FILTERS if isinstance(flt, Choice) and flt.facet is not None]


def _organizations(connection: Connection, flt: Filter) -> list[FacetRow]:
    rows = connection.execute(
        select(Organization.slug, Organization.name, FacetCount.n)
        .join(FacetCount, FacetCount.value == cast(Organization.id, String(100)))
        .where(FacetCount.dimension == flt.name, FacetCount.n > 0)
        .order_by(FacetCount.n.desc(), Organization.name)
    ).all()
    return [(slug, name, n) for slug, name, n in rows]
