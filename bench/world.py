"""The synthetic world the benchmark deals happen in: organizations, aliases and hardware.

Every name is invented (syllables, not real companies), so nobody mistakes benchmark rows for
reporting. Popularity is skewed the way real coverage is: a few organizations and chips appear
in a large share of deals, most appear rarely (Zipf-like weights by rank).
"""

import bisect
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from app.derived.search import words
from app.domain.vocabulary import HardwareType, OrgKind

T = TypeVar("T")

# When the world was "entered": created_at of organizations and hardware.
WORLD_CREATED_AT = datetime(2019, 1, 1, 9, 0, tzinfo=UTC)

ORG_KIND_WEIGHTS: dict[str, float] = {
    OrgKind.AI_LAB: 28,
    OrgKind.NEOCLOUD: 16,
    OrgKind.OTHER: 20,
    OrgKind.INVESTOR: 12,
    OrgKind.DATACENTER_DEVELOPER: 10,
    OrgKind.CHIPMAKER: 5.5,
    OrgKind.SOVEREIGN: 4,
    OrgKind.HYPERSCALER: 0.6,
}
ORG_SUFFIXES: dict[str, tuple[str, ...]] = {
    OrgKind.AI_LAB: ("AI", "Labs", "Research", "Intelligence", "AI Labs"),
    OrgKind.NEOCLOUD: ("Cloud", "Compute", "GPU Cloud", "Hyperscale", "Cloudworks"),
    OrgKind.OTHER: ("Energy", "Telecom", "Systems", "Robotics", "Networks", "Group", "Holdings"),
    OrgKind.INVESTOR: ("Capital", "Ventures", "Partners", "Investment Fund", "Asset Management"),
    OrgKind.DATACENTER_DEVELOPER: (
        "Data Centers",
        "Digital Infrastructure",
        "Digital Realty",
        "Campus",
    ),
    OrgKind.CHIPMAKER: ("Semiconductor", "Silicon", "Devices", "Microsystems", "Chips"),
    OrgKind.SOVEREIGN: ("National AI Fund", "Sovereign Compute", "State Technology Fund"),
    OrgKind.HYPERSCALER: ("Cloud Platform", "Web Services", "Cloud"),
}
COUNTRIES: dict[str, float] = {
    "US": 50, "CN": 8, "GB": 6, "FR": 4, "DE": 4, "JP": 4, "KR": 3, "CA": 3, "IN": 3,
    "AE": 2, "SA": 2, "SG": 2, "NL": 2, "SE": 1, "NO": 1, "IL": 1, "TW": 2, "AU": 1,
}  # fmt: skip
SYLLABLES = (
    "ka", "ri", "vor", "nex", "lu", "tor", "ze", "phi", "mar", "quo", "sa", "len", "dra", "vi",
    "co", "rel", "tan", "oro", "bel", "syn", "al", "ter", "mi", "nova", "gal", "ex", "ion",
    "ver", "ux", "pra", "cel", "do", "ra", "hel", "ix", "um", "bra", "sol", "ny", "ar",
)  # fmt: skip
HARDWARE_TYPE_WEIGHTS: dict[str, float] = {
    HardwareType.GPU: 55,
    HardwareType.CUSTOM_ACCELERATOR: 9,
    HardwareType.NPU: 7,
    HardwareType.CPU: 8,
    HardwareType.TPU: 5,
    HardwareType.TRAINIUM: 3,
    HardwareType.WAFER_SCALE: 3,
    HardwareType.LPU: 3,
    HardwareType.OTHER: 7,
}
IN_HOUSE_TYPES = (
    HardwareType.TPU,
    HardwareType.TRAINIUM,
    HardwareType.CUSTOM_ACCELERATOR,
    HardwareType.NPU,
)
MODEL_NUMBERS = ("100", "200", "300", "250", "400", "500", "X", "Ultra", "Pro", "v2", "v3")


class Picker(Generic[T]):
    """Draws items with fixed weights: a bisect on cumulative weights, fast in a hot loop."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if not items:
            raise ValueError("nothing to pick from")
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    @classmethod
    def from_dict(cls, weights: Mapping[T, float]) -> "Picker[T]":
        return cls(list(weights), list(weights.values()))

    @classmethod
    def zipf(cls, items: Sequence[T], exponent: float = 1.0) -> "Picker[T]":
        """Rank 1 most likely; rank r weighted 1 / r**exponent."""
        return cls(items, [1 / (rank**exponent) for rank in range(1, len(items) + 1)])

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


@dataclass
class Org:
    id: int
    name: str
    slug: str
    kind: str
    country: str | None
    aliases: list[str]


@dataclass
class Chip:
    id: int
    name: str
    slug: str
    vendor_id: int
    type: str
    family: str
    in_house: bool


@dataclass
class World:
    organizations: list[Org]
    hardware: list[Chip]
    by_kind: dict[str, Picker[Org]]
    chips: Picker[Chip]
    chips_by_vendor: dict[int, list[Chip]]


def slugify(name: str) -> str:
    return "-".join(words(name))


def _base_name(rng: random.Random) -> str:
    count = rng.choice((2, 2, 2, 3))
    return "".join(rng.choice(SYLLABLES) for _ in range(count)).capitalize()


def _aliases(rng: random.Random, base: str, name: str, taken: set[str]) -> list[str]:
    wanted = Picker([0, 1, 2, 3], [50, 30, 15, 5]).pick(rng)
    initials = "".join(w[0] for w in name.split()).upper()
    candidates = [base.upper()[:4], base, initials + "X", base.upper()[:3] + initials[-1]]
    chosen: list[str] = []
    for alias in candidates[:wanted]:
        if len(alias) >= 2 and alias.lower() not in taken:
            taken.add(alias.lower())
            chosen.append(alias)
    return chosen


def make_organizations(rng: random.Random, count: int) -> list[Org]:
    """`count` organizations with unique names, slugs and aliases (all case-insensitively)."""
    kinds = Picker.from_dict(ORG_KIND_WEIGHTS)
    countries = Picker.from_dict(COUNTRIES)
    names: set[str] = set()
    taken_aliases: set[str] = set()
    orgs: list[Org] = []
    # At least a few of each kind, so every role has someone to play it.
    forced = [kind for kind in ORG_KIND_WEIGHTS for _ in range(4)]
    while len(orgs) < count:
        kind = forced[len(orgs)] if len(orgs) < len(forced) else kinds.pick(rng)
        base = _base_name(rng)
        name = f"{base} {rng.choice(ORG_SUFFIXES[kind])}"
        if name.lower() in names or base.lower() in names:
            continue
        names.add(name.lower())
        # An alias equal to some other organization's name would make entry ambiguous.
        taken_aliases.add(name.lower())
        country = countries.pick(rng) if rng.random() < 0.9 else None
        aliases = _aliases(rng, base, name, taken_aliases)
        org = Org(len(orgs) + 1, name, slugify(name), kind, country, aliases)
        orgs.append(org)
    return orgs


def make_hardware(rng: random.Random, orgs: list[Org], count: int) -> list[Chip]:
    """`count` hardware models, made by the chipmakers and (in-house) the hyperscalers."""
    vendors = [o for o in orgs if o.kind in (OrgKind.CHIPMAKER, OrgKind.HYPERSCALER)]
    vendor_picker = Picker.zipf(vendors, 0.8)
    types = Picker.from_dict(HARDWARE_TYPE_WEIGHTS)
    families: dict[int, list[str]] = {}
    names: set[str] = set()
    chips: list[Chip] = []
    while len(chips) < count:
        vendor = vendor_picker.pick(rng)
        in_house = vendor.kind == OrgKind.HYPERSCALER
        kind = rng.choice(IN_HOUSE_TYPES) if in_house else types.pick(rng)
        vendor_families = families.setdefault(vendor.id, [])
        if not vendor_families or (len(vendor_families) < 3 and rng.random() < 0.3):
            vendor_families.append(_base_name(rng))
        family = rng.choice(vendor_families)
        name = f"{family} {rng.choice(MODEL_NUMBERS)}"
        if name.lower() in names:
            continue
        names.add(name.lower())
        chip = Chip(len(chips) + 1, name, slugify(name), vendor.id, kind, family, in_house)
        chips.append(chip)
    return chips


def make_world(rng: random.Random, organizations: int = 2000, hardware: int = 150) -> World:
    orgs = make_organizations(rng, organizations)
    chips = make_hardware(rng, orgs, hardware)
    by_kind = {
        kind: Picker.zipf([o for o in orgs if o.kind == kind], 0.9) for kind in ORG_KIND_WEIGHTS
    }
    # GPUs first in popularity, so the GPU share of deals is larger than of models.
    ranked = sorted(chips, key=lambda c: (c.type != HardwareType.GPU, c.id))
    chips_by_vendor: dict[int, list[Chip]] = {}
    for chip in chips:
        chips_by_vendor.setdefault(chip.vendor_id, []).append(chip)
    return World(orgs, chips, by_kind, Picker.zipf(ranked, 0.9), chips_by_vendor)


def organization_rows(world: World) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Rows for the organization and organization_alias tables."""
    orgs: list[dict[str, object]] = []
    aliases: list[dict[str, object]] = []
    for org in world.organizations:
        orgs.append(
            {
                "id": org.id,
                "name": org.name,
                "slug": org.slug,
                "kind": org.kind,
                "country": org.country,
                "website": f"https://{org.slug}.example.com",
                "created_at": WORLD_CREATED_AT,
                "updated_at": WORLD_CREATED_AT,
            }
        )
        for alias in org.aliases:
            aliases.append({"id": len(aliases) + 1, "organization_id": org.id, "alias": alias})
    return orgs, aliases


def hardware_rows(world: World) -> list[dict[str, object]]:
    return [
        {
            "id": chip.id,
            "name": chip.name,
            "slug": chip.slug,
            "vendor_id": chip.vendor_id,
            "type": chip.type,
            "family": chip.family,
            "in_house": chip.in_house,
            "created_at": WORLD_CREATED_AT,
            "updated_at": WORLD_CREATED_AT,
        }
        for chip in world.hardware
    ]
