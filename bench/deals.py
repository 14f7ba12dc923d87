"""One synthetic deal at a time, as rows for every table it touches.

Shapes follow what analysts record: two to four parties (customer and provider most often), zero
to three hardware lines, one to four sources (relays pointing at the story they repeat) and one
to four status events in date order, the deal's status being the latest of them by the very rule
of `app.models.latest_event`. Numbers carry a qualifier exactly when present, as the CHECK
constraints demand; dates are partial (day, month, quarter or year) between 2019 and 2026.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.derived.search import words
from app.domain.dates import PartialDate, Precision
from app.domain.vocabulary import Confidence, DealType, OrgKind, Qualifier, Role, SourceTier, Status
from bench.world import Chip, Org, Picker, World, slugify

Row = dict[str, Any]

DEAL_TYPES = Picker.from_dict(
    {
        DealType.CLOUD_CAPACITY: 40,
        DealType.CHIP_PURCHASE: 20,
        DealType.EQUITY_INVESTMENT: 12,
        DealType.DATACENTER: 12,
        DealType.CUSTOM_CHIP: 6,
        DealType.JOINT_VENTURE: 6,
        DealType.LICENSING: 4,
    }
)
# The two roles a deal of each (first) type is between.
TYPE_ROLES: dict[str, tuple[str, str]] = {
    DealType.CLOUD_CAPACITY: (Role.CUSTOMER, Role.PROVIDER),
    DealType.CHIP_PURCHASE: (Role.CUSTOMER, Role.SUPPLIER),
    DealType.EQUITY_INVESTMENT: (Role.INVESTOR, Role.INVESTEE),
    DealType.DATACENTER: (Role.DEVELOPER, Role.CUSTOMER),
    DealType.CUSTOM_CHIP: (Role.DESIGNER, Role.CO_DEVELOPER),
    DealType.LICENSING: (Role.LICENSOR, Role.LICENSEE),
    DealType.JOINT_VENTURE: (Role.PARTNER, Role.PARTNER),
}
# Which kinds of organization play each role.
ROLE_KINDS: dict[str, Picker[str]] = {
    role: Picker.from_dict(kinds)
    for role, kinds in {
        Role.CUSTOMER: {"ai_lab": 60, "other": 12, "hyperscaler": 10, "sovereign": 6,
                        "neocloud": 12},
        Role.PROVIDER: {"hyperscaler": 45, "neocloud": 45, "datacenter_developer": 10},
        Role.SUPPLIER: {"chipmaker": 90, "other": 10},
        Role.INVESTOR: {"investor": 60, "hyperscaler": 15, "chipmaker": 10, "sovereign": 15},
        Role.INVESTEE: {"ai_lab": 60, "neocloud": 30, "datacenter_developer": 10},
        Role.DEVELOPER: {"datacenter_developer": 80, "neocloud": 10, "hyperscaler": 10},
        Role.OPERATOR: {"neocloud": 50, "datacenter_developer": 40, "hyperscaler": 10},
        Role.FINANCIER: {"investor": 80, "sovereign": 20},
        Role.DESIGNER: {"hyperscaler": 40, "ai_lab": 30, "chipmaker": 30},
        Role.CO_DEVELOPER: {"chipmaker": 80, "other": 20},
        Role.LICENSOR: {"chipmaker": 70, "other": 30},
        Role.LICENSEE: {"hyperscaler": 30, "chipmaker": 30, "ai_lab": 20, "other": 20},
        Role.PARTNER: {"other": 30, "ai_lab": 20, "hyperscaler": 15, "neocloud": 15,
                       "sovereign": 10, "datacenter_developer": 10},
    }.items()
}  # fmt: skip
EXTRA_ROLES = Picker.from_dict(
    {Role.FINANCIER: 25, Role.INVESTOR: 20, Role.OPERATOR: 20, Role.PARTNER: 20,
     Role.SUPPLIER: 10, Role.PROVIDER: 5}
)  # fmt: skip
PARTY_COUNT = Picker([2, 3, 4], [55, 30, 15])
HARDWARE_LINES = Picker([0, 1, 2, 3], [25, 50, 18, 7])
SOURCE_COUNT = Picker([1, 2, 3, 4], [35, 35, 20, 10])
EVENT_COUNT = Picker([1, 2, 3, 4], [35, 35, 20, 10])
TIERS = Picker.from_dict(
    {
        SourceTier.PRIMARY: 15,
        SourceTier.ORIGINAL: 35,
        SourceTier.SECONDARY: 30,
        SourceTier.RELAY: 20,
    }
)
QUALIFIERS = Picker.from_dict(
    {Qualifier.EXACT: 35, Qualifier.UP_TO: 25, Qualifier.AT_LEAST: 10, Qualifier.ESTIMATED: 30}
)
DATE_PRECISION = Picker.from_dict(
    {Precision.DAY: 60, Precision.MONTH: 25, Precision.QUARTER: 10, Precision.YEAR: 5}
)
LATER_PRECISION = Picker.from_dict({Precision.DAY: 80, Precision.MONTH: 15, Precision.QUARTER: 5})
# Reporting grows year on year, as the market did.
YEARS = Picker([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026], [2, 3, 4, 6, 10, 16, 24, 28])
FIRST_STATUS = Picker.from_dict(
    {Status.RUMORED: 45, Status.IN_TALKS: 15, Status.ANNOUNCED: 32, Status.CONFIRMED: 8}
)
# From each status, where the next event goes (terminal statuses rarely move again).
NEXT_STATUS: dict[str, Picker[str]] = {
    Status.RUMORED: Picker.from_dict(
        {Status.IN_TALKS: 45, Status.ANNOUNCED: 30, Status.DENIED: 15, Status.CANCELLED: 10}
    ),
    Status.IN_TALKS: Picker.from_dict(
        {Status.ANNOUNCED: 55, Status.CONFIRMED: 20, Status.DENIED: 10, Status.CANCELLED: 15}
    ),
    Status.ANNOUNCED: Picker.from_dict(
        {Status.CONFIRMED: 70, Status.CANCELLED: 15, Status.COMPLETED: 15}
    ),
    # A repeated status is a new report of the same state (an expansion, a second filing).
    Status.CONFIRMED: Picker.from_dict(
        {Status.COMPLETED: 70, Status.CONFIRMED: 10, Status.CANCELLED: 20}
    ),
    Status.COMPLETED: Picker.from_dict({Status.COMPLETED: 60, Status.CANCELLED: 40}),
    Status.DENIED: Picker.from_dict({Status.IN_TALKS: 40, Status.ANNOUNCED: 40, Status.DENIED: 20}),
    Status.CANCELLED: Picker.from_dict({Status.IN_TALKS: 50, Status.ANNOUNCED: 50}),
}
_CONFIDENCE_WEIGHTS: dict[str, dict[str, float]] = {
    Status.RUMORED: {Confidence.LOW: 45, Confidence.MEDIUM: 45, Confidence.HIGH: 10},
    Status.IN_TALKS: {Confidence.LOW: 25, Confidence.MEDIUM: 55, Confidence.HIGH: 20},
    Status.ANNOUNCED: {Confidence.LOW: 5, Confidence.MEDIUM: 40, Confidence.HIGH: 55},
    Status.CONFIRMED: {Confidence.MEDIUM: 15, Confidence.HIGH: 85},
    Status.COMPLETED: {Confidence.MEDIUM: 10, Confidence.HIGH: 90},
    Status.DENIED: {Confidence.LOW: 30, Confidence.MEDIUM: 50, Confidence.HIGH: 20},
    Status.CANCELLED: {Confidence.MEDIUM: 40, Confidence.HIGH: 60},
}
CONFIDENCE_BY_STATUS = {s: Picker.from_dict(w) for s, w in _CONFIDENCE_WEIGHTS.items()}
OUTLETS = Picker.zipf(
    ["The Compute Ledger", "Silicon Dispatch", "Datacenter Daily", "The Wire Report",
     "Cloud Economics Weekly", "Grid & Rack", "Foundry Insider", "The Inference",
     "Capital Markets Today", "Tensor Times", "Northern Business Journal", "Asia Chip Review",
     "Global Finance Herald", "The Interconnect", "Power & Compute", "Semiconductor Watch",
     "Morning Markets", "Tech Chronicle", "The Hyperscale Brief", "Lattice News"],
    0.8,
)  # fmt: skip
RELAY_OUTLETS = Picker.zipf(
    ["CoinFeed Aggregator", "TechRelay", "NewsPulse", "Daily Digest Wire", "AI Headlines Hub",
     "Market Scanner"],
    0.7,
)  # fmt: skip
# Project code names: CODENAMES[0] is the most common, and a good word to search for.
CODENAMES = Picker.zipf(
    ["Aurora", "Borealis", "Cascade", "Denali", "Everest", "Fathom", "Glacier", "Halcyon",
     "Ironwood", "Juniper", "Kestrel", "Lodestar", "Meridian", "Nimbus", "Obsidian", "Polaris",
     "Quasar", "Redwood", "Sequoia", "Tundra", "Umbra", "Vanguard", "Willow", "Zenith"],
    0.7,
)  # fmt: skip
SEARCH_WORD = "aurora"
REGIONS = Picker.zipf(
    ["United States", "Texas, US", "Virginia, US", "Ohio, US", "Arizona, US", "Norway",
     "Ireland", "Netherlands", "United Kingdom", "France", "Germany", "Japan", "Saudi Arabia",
     "United Arab Emirates", "India", "Singapore", "Australia", "Canada", "Brazil", "Malaysia"],
    0.8,
)  # fmt: skip
WORKLOADS = ("training", "inference", "frontier model training", "fine-tuning", "serving")
DETAILS = (
    "The agreement runs for several years and includes an option to expand.",
    "Terms were not disclosed.",
    "The capacity is expected to come online in phases.",
    "The cluster will be liquid-cooled and connected by a high-bandwidth interconnect.",
    "Power will come from a dedicated power purchase agreement.",
    "People familiar with the matter said talks could still fall apart.",
    "Neither company commented on the report.",
    "The deal follows a smaller pilot signed the previous year.",
    "Financing includes debt secured against the chips.",
    "The campus is planned to reach gigawatt scale.",
)
QUOTE = "We are pleased to expand our partnership."
DAY = timedelta(days=1)
LAST_DAY = date(2026, 12, 31)  # reports, sources and status events stay within 2019-2026


@dataclass
class DealRows:
    """Everything one deal writes, keyed by table name."""

    tables: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, table: str, row: Row) -> None:
        self.tables.setdefault(table, []).append(row)


@dataclass
class Counters:
    """The next primary key of each table with a generated id."""

    party: int = 1
    hardware_line: int = 1
    source: int = 1
    event: int = 1


def partial(day: date, precision: str) -> PartialDate:
    """The partial date of that precision containing `day`."""
    start = {
        Precision.DAY: day,
        Precision.MONTH: day.replace(day=1),
        Precision.QUARTER: date(day.year, 3 * ((day.month - 1) // 3) + 1, 1),
        Precision.YEAR: date(day.year, 1, 1),
    }[Precision(precision)]
    return PartialDate(start, Precision(precision))


def latest_status(events: Iterable[Row]) -> str:
    """The status of the latest event, by the key of app.models.latest_event."""
    latest = max(
        events,
        key=lambda e: (
            PartialDate(e["effective_on"], e["effective_precision"]).sort_key(),
            e["recorded_at"],
            e["id"],
        ),
    )
    return str(latest["status"])


def round_to(value: float, digits: int = 2) -> int:
    """A round number as reports give them: 2 significant digits."""
    scale = 10 ** max(0, len(str(int(value))) - digits)
    return int(round(value / scale) * scale)


class DealMaker:
    """Builds deals one after another from one random stream; same seed, same deals."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.ids = Counters()

    def deal(self, deal_id: int) -> DealRows:
        rng = self.rng
        out = DealRows()
        types = [DEAL_TYPES.pick(rng)]
        for _ in range(Picker([0, 1, 2], [75, 20, 5]).pick(rng)):
            extra = DEAL_TYPES.pick(rng)
            if extra not in types:
                types.append(extra)
        parties = self._parties(types[0])
        chips = self._hardware(types[0], parties)
        reported = self._first_reported()
        events = self._history(reported)
        text = self._text(types[0], parties, chips)
        sources = self._sources(deal_id, out, parties, reported, text[0])
        event_rows = self._events(deal_id, out, events, sources)
        status = latest_status(event_rows)
        updated_at: datetime = max(e["recorded_at"] for e in event_rows)
        out.add("deal", self._deal_row(deal_id, text, status, reported, events, chips, updated_at))
        for kind in types:
            out.add("deal_type", {"deal_id": deal_id, "type": kind})
        for position, (org, role) in enumerate(parties):
            out.add(
                "deal_party",
                {"id": self.ids.party, "deal_id": deal_id, "organization_id": org.id,
                 "role": role, "position": position},
            )  # fmt: skip
            self.ids.party += 1
        for position, (chip, count) in enumerate(chips):
            out.add(
                "deal_hardware",
                {"id": self.ids.hardware_line, "deal_id": deal_id, "hardware_id": chip.id,
                 "chips": count, "position": position},
            )  # fmt: skip
            self.ids.hardware_line += 1
        return out

    def _org(self, role: str, exclude: set[int]) -> Org:
        kinds = ROLE_KINDS[role]
        while True:
            org = self.world.by_kind[kinds.pick(self.rng)].pick(self.rng)
            if org.id not in exclude:
                return org

    def _parties(self, first_type: str) -> list[tuple[Org, str]]:
        rng = self.rng
        role_a, role_b = TYPE_ROLES[first_type]
        a = self._org(role_a, set())
        b = self._org(role_b, {a.id})
        parties = [(a, role_a), (b, role_b)]
        seen = {(a.id, role_a), (b.id, role_b)}
        for _ in range(PARTY_COUNT.pick(rng) - 2):
            role = EXTRA_ROLES.pick(rng)
            # Sometimes a party already in the deal takes a second role (investor and provider).
            if rng.random() < 0.2:
                org = rng.choice(parties)[0]
            else:
                org = self._org(role, {o.id for o, _ in parties})
            if (org.id, role) not in seen:
                seen.add((org.id, role))
                parties.append((org, role))
        return parties

    def _hardware(
        self, first_type: str, parties: list[tuple[Org, str]]
    ) -> list[tuple[Chip, int | None]]:
        rng = self.rng
        count = HARDWARE_LINES.pick(rng)
        if first_type == DealType.CHIP_PURCHASE and count == 0:
            count = 1
        chosen: list[Chip] = []
        makers = [o for o, role in parties if o.kind in (OrgKind.CHIPMAKER, OrgKind.HYPERSCALER)]
        for org in makers[:1]:
            own = self.world.chips_by_vendor.get(org.id)
            if own and count and rng.random() < 0.7:
                chosen.append(rng.choice(own))
        attempts = 0
        while len(chosen) < count and attempts < 10:
            attempts += 1
            chip = self.world.chips.pick(rng)
            if chip not in chosen:
                chosen.append(chip)
        return [
            (chip, round_to(rng.uniform(1_000, 400_000)) if rng.random() < 0.4 else None)
            for chip in chosen
        ]

    def _first_reported(self) -> PartialDate:
        rng = self.rng
        year = YEARS.pick(rng)
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        return partial(day, DATE_PRECISION.pick(rng))

    def _history(self, reported: PartialDate) -> list[tuple[str, PartialDate]]:
        """Statuses with their effective dates, never going back in (start, precision) order."""
        rng = self.rng
        status: str = FIRST_STATUS.pick(rng)
        steps: list[tuple[str, PartialDate]] = [(status, reported)]
        for _ in range(EVENT_COUNT.pick(rng) - 1):
            status = NEXT_STATUS[status].pick(rng)
            before = steps[-1][1]
            candidate = min(LAST_DAY, before.start + timedelta(days=rng.randrange(0, 400)))
            when = partial(candidate, LATER_PRECISION.pick(rng))
            if when.sort_key() < before.sort_key():
                when = PartialDate(candidate, Precision.DAY)  # day: highest rank, never earlier
            steps.append((status, when))
        return steps

    def _text(
        self,
        first_type: str,
        parties: list[tuple[Org, str]],
        chips: list[tuple[Chip, int | None]],
    ) -> tuple[str, str, str | None]:
        """Title, summary and region."""
        rng = self.rng
        a, b = parties[0][0].name, parties[1][0].name
        hw = chips[0][0].name if chips else rng.choice(("GPU", "accelerator", "AI"))
        region = REGIONS.pick(rng) if rng.random() < 0.55 else None
        titles: dict[str, str] = {
            DealType.CLOUD_CAPACITY: f"{a} to rent {hw} capacity from {b}",
            DealType.CHIP_PURCHASE: f"{a} buys {hw} chips from {b}",
            DealType.EQUITY_INVESTMENT: f"{a} invests in {b}",
            DealType.DATACENTER: f"{a} builds data center campus for {b}",
            DealType.CUSTOM_CHIP: f"{a} and {b} co-design a custom accelerator",
            DealType.LICENSING: f"{b} licenses {hw} technology from {a}",
            DealType.JOINT_VENTURE: f"{a} and {b} form a compute joint venture",
        }
        title = titles[first_type]
        codename = CODENAMES.pick(rng) if rng.random() < 0.25 else None
        if codename:
            title += f" (Project {codename})"
        sentences = [
            f"{a} and {b} agreed terms for {rng.choice(WORKLOADS)} compute"
            + (f" in {region}." if region else ".")
        ]
        sentences += rng.sample(DETAILS, rng.choice((1, 1, 2, 3)))
        return title, " ".join(sentences), region

    def _sources(
        self, deal_id: int, out: DealRows, parties: list[tuple[Org, str]], reported: PartialDate,
        title: str,
    ) -> list[Row]:  # fmt: skip
        rng = self.rng
        rows: list[Row] = []
        originals: list[int] = []
        path = f"{reported.start.year}/{'-'.join(words(title)[:8])}"
        for _ in range(SOURCE_COUNT.pick(rng)):
            tier = TIERS.pick(rng)
            relays_id = None
            if tier == SourceTier.PRIMARY:
                publisher = rng.choice(parties[:2])[0].name
            elif tier == SourceTier.RELAY:
                publisher = RELAY_OUTLETS.pick(rng)
                relays_id = rng.choice(originals) if originals else None
            else:
                publisher = OUTLETS.pick(rng)
            published = (
                partial(
                    min(LAST_DAY, reported.start + timedelta(days=rng.randrange(0, 30))),
                    DATE_PRECISION.pick(rng),
                )
                if rng.random() < 0.9
                else None
            )
            source_id = self.ids.source
            self.ids.source += 1
            if tier in (SourceTier.PRIMARY, SourceTier.ORIGINAL):
                originals.append(source_id)
            row: Row = {
                "id": source_id,
                "deal_id": deal_id,
                "url": f"https://{slugify(publisher)}.example.com/{path}-{source_id}",
                "publisher": publisher,
                "title": title if rng.random() < 0.5 else f"Report: {title.lower()}",
                "published_on": published.start if published else None,
                "published_precision": published.precision.value if published else None,
                "tier": tier,
                "quote": QUOTE if rng.random() < 0.15 else None,
                "relays_id": relays_id,
                "created_at": _at(reported.start, 8),
                "created_by_id": None,
            }  # fmt: skip
            rows.append(row)
            out.add("source", row)
        return rows

    def _events(
        self, deal_id: int, out: DealRows, steps: list[tuple[str, PartialDate]], sources: list[Row]
    ) -> list[Row]:
        rng = self.rng
        rows: list[Row] = []
        recorded = _at(steps[0][1].start, 9)
        for status, when in steps:
            # Recorded in the order they happened, a little after each took effect.
            recorded = max(recorded + timedelta(minutes=7), _at(when.start, 9 + rng.randrange(9)))
            row: Row = {
                "id": self.ids.event,
                "deal_id": deal_id,
                "status": status,
                "effective_on": when.start,
                "effective_precision": when.precision.value,
                "source_id": rng.choice(sources)["id"] if rng.random() < 0.6 else None,
                "note": f"Reported as {status.replace('_', ' ')}." if rng.random() < 0.3 else None,
                "recorded_by_id": None,
                "recorded_at": recorded,
            }
            self.ids.event += 1
            rows.append(row)
            out.add("status_event", row)
        return rows

    def _deal_row(
        self,
        deal_id: int,
        text: tuple[str, str, str | None],
        status: str,
        reported: PartialDate,
        steps: list[tuple[str, PartialDate]],
        chips: list[tuple[Chip, int | None]],
        updated_at: datetime,
    ) -> Row:
        rng = self.rng
        title, summary, region = text
        announced = next(
            (
                when
                for s, when in steps
                if s in (Status.ANNOUNCED, Status.CONFIRMED, Status.COMPLETED)
            ),
            None,
        )
        term_start = term_end = None
        if status in (Status.CONFIRMED, Status.COMPLETED) and rng.random() < 0.5:
            term_start = partial(
                reported.start + timedelta(days=rng.randrange(30, 700)),
                rng.choice((Precision.QUARTER, Precision.YEAR, Precision.MONTH)),
            )
            if rng.random() < 0.7:
                term_end = PartialDate(date(term_start.start.year + rng.randint(1, 10), 1, 1),
                                       Precision.YEAR)  # fmt: skip
        line_chips = sum(count or 0 for _, count in chips)
        chip_total = line_chips or (
            round_to(rng.uniform(1_000, 500_000)) if rng.random() < 0.1 else None
        )
        value = round_to(10 ** rng.uniform(7, 11.3)) if rng.random() < 0.6 else None
        capacity = round(10 ** rng.uniform(0.7, 3.7), 1) if rng.random() < 0.35 else None
        created = _at(reported.start, 8)
        return {
            "id": deal_id,
            "title": title,
            "summary": summary,
            "status": status,
            "confidence": CONFIDENCE_BY_STATUS[status].pick(rng),
            "confidence_note": "Single unnamed source." if rng.random() < 0.1 else None,
            "value_usd": value,
            "value_qualifier": QUALIFIERS.pick(rng) if value is not None else None,
            "capacity_mw": capacity,
            "capacity_qualifier": QUALIFIERS.pick(rng) if capacity is not None else None,
            "chips": chip_total,
            "chips_qualifier": QUALIFIERS.pick(rng) if chip_total is not None else None,
            **_partial_columns("first_reported", reported),
            **_partial_columns("announced", announced),
            **_partial_columns("term_start", term_start),
            **_partial_columns("term_end", term_end),
            "region": region,
            "notes": "Check the next quarterly filing." if rng.random() < 0.05 else None,
            "version": 1,
            # A few deals were deleted: pages must leave them out.
            "deleted_at": (updated_at + DAY) if rng.random() < 0.005 else None,
            "created_by_id": None,
            "updated_by_id": None,
            "created_at": created,
            "updated_at": updated_at,
        }  # fmt: skip


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour % 24), tzinfo=UTC)


def _partial_columns(prefix: str, value: PartialDate | None) -> Row:
    return {
        f"{prefix}_on": value.start if value else None,
        f"{prefix}_precision": value.precision.value if value else None,
    }
