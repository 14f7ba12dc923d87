"""The controlled vocabularies of deals, parties, hardware and sources, with their labels."""

from enum import StrEnum
from functools import cache


class Status(StrEnum):
    RUMORED = "rumored"
    IN_TALKS = "in_talks"
    ANNOUNCED = "announced"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    DENIED = "denied"
    CANCELLED = "cancelled"


# Where a deal ended up, as the overview, track records and derived facts count it.
CONFIRMED_STATUSES = (Status.CONFIRMED.value, Status.COMPLETED.value)
# The official word: the deal announced, confirmed or completed (a rumor that came true).
OFFICIAL_STATUSES = (Status.ANNOUNCED.value, *CONFIRMED_STATUSES)
DENIED_STATUSES = (Status.DENIED.value, Status.CANCELLED.value)
RUMOR_STATUSES = (Status.RUMORED.value, Status.IN_TALKS.value)


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Qualifier(StrEnum):
    EXACT = "exact"
    UP_TO = "up_to"
    AT_LEAST = "at_least"
    ESTIMATED = "estimated"


class DealType(StrEnum):
    CLOUD_CAPACITY = "cloud_capacity"
    CHIP_PURCHASE = "chip_purchase"
    EQUITY_INVESTMENT = "equity_investment"
    DATACENTER = "datacenter"
    CUSTOM_CHIP = "custom_chip"
    LICENSING = "licensing"
    JOINT_VENTURE = "joint_venture"


class Role(StrEnum):
    CUSTOMER = "customer"
    PROVIDER = "provider"
    SUPPLIER = "supplier"
    INVESTOR = "investor"
    INVESTEE = "investee"
    DEVELOPER = "developer"
    OPERATOR = "operator"
    FINANCIER = "financier"
    DESIGNER = "designer"
    CO_DEVELOPER = "co_developer"
    LICENSOR = "licensor"
    LICENSEE = "licensee"
    PARTNER = "partner"


class OrgKind(StrEnum):
    AI_LAB = "ai_lab"
    HYPERSCALER = "hyperscaler"
    NEOCLOUD = "neocloud"
    CHIPMAKER = "chipmaker"
    DATACENTER_DEVELOPER = "datacenter_developer"
    INVESTOR = "investor"
    SOVEREIGN = "sovereign"
    OTHER = "other"


class HardwareType(StrEnum):
    GPU = "gpu"
    TPU = "tpu"
    TRAINIUM = "trainium"
    CUSTOM_ACCELERATOR = "custom_accelerator"
    WAFER_SCALE = "wafer_scale"
    LPU = "lpu"
    NPU = "npu"
    CPU = "cpu"
    OTHER = "other"


class SourceTier(StrEnum):
    PRIMARY = "primary"
    ORIGINAL = "original"
    SECONDARY = "secondary"
    RELAY = "relay"


class RelationKind(StrEnum):
    EXPANDS = "expands"
    SUPERSEDES = "supersedes"
    DUPLICATE_OF = "duplicate_of"


class UserRole(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"


class ViewPage(StrEnum):
    """The pages a saved view can hold the filters of."""

    DEALS = "deals"
    TIMELINE = "timeline"


class FollowTarget(StrEnum):
    DEAL = "deal"
    ORGANIZATION = "organization"
    HARDWARE = "hardware"
    VIEW = "view"


class EmailMode(StrEnum):
    """How a user hears of what they follow by email (only when SMTP is configured)."""

    OFF = "off"
    INSTANT = "instant"
    DIGEST = "digest"


class EmailState(StrEnum):
    """A notification's place in the mail outbox."""

    NONE = "none"  # the user takes no mail (or the digest leaves it out)
    PENDING = "pending"
    SENT = "sent"


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"


LABELS: dict[str, str] = {
    Status.IN_TALKS: "In talks",
    HardwareType.GPU: "GPU",
    HardwareType.TPU: "TPU",
    HardwareType.LPU: "LPU",
    HardwareType.NPU: "NPU",
    HardwareType.CPU: "CPU",
    HardwareType.CUSTOM_ACCELERATOR: "Custom accelerator",
    HardwareType.WAFER_SCALE: "Wafer-scale",
    OrgKind.AI_LAB: "AI lab",
    OrgKind.DATACENTER_DEVELOPER: "Data-center developer",
    DealType.CLOUD_CAPACITY: "Cloud capacity",
    DealType.EQUITY_INVESTMENT: "Equity investment",
    DealType.DATACENTER: "Data center",
    DealType.CUSTOM_CHIP: "Custom chip",
    DealType.CHIP_PURCHASE: "Chip purchase",
    DealType.JOINT_VENTURE: "Joint venture",
    Role.CO_DEVELOPER: "co-developer",
    Qualifier.UP_TO: "up to",
    Qualifier.AT_LEAST: "at least",
    Qualifier.ESTIMATED: "about",
    RelationKind.DUPLICATE_OF: "duplicate of",
}

# A relation read from the other deal: #17 supersedes #18 → #18 "superseded by" #17.
INVERSE_LABELS: dict[str, str] = {
    RelationKind.EXPANDS: "expanded by",
    RelationKind.SUPERSEDES: "superseded by",
    RelationKind.DUPLICATE_OF: "has duplicate",
}

# What a qualifier looks like in front of a number: "up to $10B", "~1.2 GW", "≥ 6 GW".
QUALIFIER_PREFIX: dict[str, str] = {
    Qualifier.EXACT: "",
    Qualifier.UP_TO: "up to ",
    Qualifier.AT_LEAST: "at least ",
    Qualifier.ESTIMATED: "~",
}


def label(value: str) -> str:
    """The word a person reads for a vocabulary value: `in_talks` → `In talks`."""
    if value in LABELS:
        return LABELS[value]
    if value in _values(Role):  # cached: a map labels thousands of statuses
        return value.replace("_", " ")
    return value.replace("_", " ").capitalize()


def values(enum: type[StrEnum]) -> list[str]:
    return list(_values(enum))


@cache
def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)
