"""The deals a report may be about, by the entry form's duplicate rules (same organizations,
overlapping or unspecified hardware, reported within about four months), best first; and
`extract_article`, which reads a report and matches it in one go."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate
from app.domain.vocabulary import SourceTier, label
from app.extract.directory import is_generic, load_directory
from app.extract.draft import Draft, DraftMatch
from app.extract.reader import read_article
from app.models import Deal, DealHardware, DealParty, Hardware, Organization, Source
from app.services.deals import DUPLICATE_WINDOW_DAYS, find_duplicates

MAX_MATCHES = 5


def extract_article(
    session: Session,
    text: str,
    *,
    publisher: str | None = None,
    published_on: date | None = None,
    url: str | None = None,
) -> Draft:
    """The draft of a report against this database's directory, with the deals it may update."""
    directory = load_directory(session)
    draft = read_article(text, directory, publisher=publisher, published_on=published_on, url=url)
    draft.matches = match_deals(session, draft)
    return draft


def match_deals(session: Session, draft: Draft) -> list[DraftMatch]:
    """Live deals of the draft's known organizations, best first; the best one's original
    reports become what the draft's relays repeat."""
    slugs = [p.slug for p in draft.parties if p.slug]
    orgs = list(session.scalars(select(Organization).where(Organization.slug.in_(slugs))))
    if len(orgs) < 2:
        return []
    named = [h.slug for h in draft.hardware if h.slug and not is_generic(h.name)]
    hardware = list(session.scalars(select(Hardware).where(Hardware.slug.in_(named))))
    reported = PartialDate.parse(draft.first_reported_on) if draft.first_reported_on else None
    if reported is not None:
        deals = find_duplicates(session, orgs, hardware, reported)
    else:
        deals = _same_parties(session, orgs, hardware)
    lines = _hardware_lines(session, [d.id for d in deals])
    ranked = _rank(session, draft, deals, lines, reported)[:MAX_MATCHES]
    if not ranked:
        return []
    notes = _credit_relays(session, draft, ranked[0])
    names = ", ".join(o.name for o in orgs)
    return [
        DraftMatch(
            id=deal.id,
            title=deal.title,
            url=f"/deals/{deal.id}",
            why=_why(names, deal, reported, lines.get(deal.id, {})) + (notes if i == 0 else ""),
        )
        for i, deal in enumerate(ranked)
    ]


def _same_parties(session: Session, orgs: list[Organization], hws: list[Hardware]) -> list[Deal]:
    """Without a date to go by: the same organizations and hardware rule, at any time."""
    org_ids = {o.id for o in orgs}
    shared = (
        select(DealParty.deal_id)
        .where(DealParty.organization_id.in_(org_ids))
        .group_by(DealParty.deal_id)
        .having(func.count(func.distinct(DealParty.organization_id)) == len(org_ids))
    )
    stmt = (
        select(Deal)
        .where(Deal.deleted_at.is_(None), Deal.id.in_(shared))
        .order_by(Deal.first_reported_on.desc())
        .limit(50)
    )
    deals = list(session.scalars(stmt))
    lines = _hardware_lines(session, [d.id for d in deals])
    hw_ids = {h.id for h in hws}
    return [d for d in deals if not hw_ids or not lines.get(d.id) or hw_ids & set(lines[d.id])]


def _hardware_lines(session: Session, deal_ids: list[int]) -> dict[int, dict[int, str]]:
    """Each deal's hardware ids with their types, in one read."""
    found: dict[int, dict[int, str]] = {}
    if not deal_ids:
        return found
    rows = session.execute(
        select(DealHardware.deal_id, Hardware.id, Hardware.type)
        .join(Hardware, Hardware.id == DealHardware.hardware_id)
        .where(DealHardware.deal_id.in_(deal_ids))
    )
    for deal_id, hardware_id, type_ in rows:
        found.setdefault(deal_id, {})[hardware_id] = type_
    return found


def _rank(
    session: Session,
    draft: Draft,
    deals: list[Deal],
    lines: dict[int, dict[int, str]],
    reported: PartialDate | None,
) -> list[Deal]:
    """Best first: the same kind of hardware, no other parties, the same status, closest date."""
    if not deals:
        return []
    ids = [d.id for d in deals]
    parties = dict(
        session.execute(
            select(DealParty.deal_id, func.count(func.distinct(DealParty.organization_id)))
            .where(DealParty.deal_id.in_(ids))
            .group_by(DealParty.deal_id)
        ).all()
    )
    wanted = set(draft.hardware_types)
    known = sum(1 for p in draft.parties if p.known)

    def key(deal: Deal) -> tuple[int, int, int]:
        types = set(lines.get(deal.id, {}).values())
        score = 2 * bool(wanted & types) + (parties.get(deal.id) == known)
        score += deal.status == draft.status
        distance = abs((deal.first_reported_on - reported.start).days) if reported else 0
        return (-score, distance, -deal.id)

    return sorted(deals, key=key)


def _why(names: str, deal: Deal, reported: PartialDate | None, lines: dict[int, str]) -> str:
    types = sorted(set(lines.values()))
    parts = [f"same organizations ({names})"]
    parts.append(
        "hardware: " + ", ".join(label(t) for t in types) if types else "hardware unspecified"
    )
    when = f"first reported {deal.first_reported}"
    if reported is not None:
        when += f", within {DUPLICATE_WINDOW_DAYS} days of {reported}"
    else:
        when += " (the report gives no date: any time matches)"
    parts.append(when)
    parts.append(f"status {label(deal.status)}")
    return "; ".join(parts)


def _credit_relays(session: Session, draft: Draft, deal: Deal) -> str:
    """Point the draft's relays that name no original at the matched deal's first original
    report; say which of the draft's outlets the deal already cites."""
    sources = list(
        session.scalars(
            select(Source).where(Source.deal_id == deal.id).order_by(Source.published_on, Source.id)
        )
    )
    originals = [s for s in sources if s.tier in (SourceTier.ORIGINAL, SourceTier.PRIMARY)]
    on_deal = {s.publisher.lower(): s for s in sources}
    notes = []
    for source in draft.sources:
        if source.tier == SourceTier.RELAY and source.relays is None and originals:
            source.relays = originals[0].publisher
        cited = on_deal.get(source.publisher.lower())
        if cited is not None:
            notes.append(f"{cited.publisher} is already cited ({cited.tier})")
    return ("; " + "; ".join(notes)) if notes else ""
