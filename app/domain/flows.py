"""Which way money and compute flow between two parties of a deal, read from their roles.

Money goes from the one who pays to the one who is paid: a customer pays its provider or
supplier (or the developer or operator that builds and runs for it), a licensee its licensor,
an investor or financier the company it funds. Compute — capacity, chips, systems — goes the
other way, from the provider or supplier to the customer. Roles that say nothing of a flow
(partner, co-developer, designer) leave a pair of parties merely associated.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from app.domain.vocabulary import Role


class Flow(StrEnum):
    MONEY = "money"
    COMPUTE = "compute"


# (the role it leaves, the role it reaches)
MONEY_ROLES: frozenset[tuple[str, str]] = frozenset(
    {
        (Role.CUSTOMER, Role.PROVIDER),
        (Role.CUSTOMER, Role.SUPPLIER),
        (Role.CUSTOMER, Role.DEVELOPER),
        (Role.CUSTOMER, Role.OPERATOR),
        (Role.LICENSEE, Role.LICENSOR),
        (Role.INVESTOR, Role.INVESTEE),
        (Role.FINANCIER, Role.INVESTEE),
        (Role.FINANCIER, Role.DEVELOPER),
    }
)
COMPUTE_ROLES: frozenset[tuple[str, str]] = frozenset(
    {
        (Role.PROVIDER, Role.CUSTOMER),
        (Role.SUPPLIER, Role.CUSTOMER),
        (Role.OPERATOR, Role.CUSTOMER),
        (Role.DEVELOPER, Role.CUSTOMER),
    }
)


@dataclass(frozen=True, order=True)
class Direction:
    """One flow of one kind from `source` to `target` (organization ids)."""

    kind: Flow
    source: int
    target: int


def role_flows(from_role: str, to_role: str) -> list[Flow]:
    """What flows from a party with `from_role` to one with `to_role`."""
    pair = (from_role, to_role)
    return [
        kind
        for kind, table in ((Flow.MONEY, MONEY_ROLES), (Flow.COMPUTE, COMPUTE_ROLES))
        if pair in table
    ]


def pair_flows(
    a: int, a_roles: Iterable[str], b: int, b_roles: Iterable[str]
) -> frozenset[Direction]:
    """Every flow between two parties of one deal, whichever way it goes."""
    if a == b:
        return frozenset()
    a_set, b_set = set(a_roles), set(b_roles)
    found: set[Direction] = set()
    for ra in a_set:
        for rb in b_set:
            found.update(Direction(kind, a, b) for kind in role_flows(ra, rb))
            found.update(Direction(kind, b, a) for kind in role_flows(rb, ra))
    return frozenset(found)


# A pair's flows in one deal as bits, `a` being the pair's first organization (the lower id):
# how the derived table `deal_pair` stores them (app/derived/pairs.py).
FLOW_BITS: dict[tuple[Flow, bool], int] = {
    (Flow.MONEY, True): 1,  # money from a to b
    (Flow.MONEY, False): 2,  # money from b to a
    (Flow.COMPUTE, True): 4,
    (Flow.COMPUTE, False): 8,
}


def flow_bits(a: int, flows: Iterable[Direction]) -> int:
    """The bits of these flows between `a` and another organization."""
    return sum({FLOW_BITS[(d.kind, d.source == a)] for d in flows})


@lru_cache(maxsize=65536)  # a map of 1,800 pairs asks for each every time it is drawn
def bits_flows(a: int, b: int, bits: int) -> frozenset[Direction]:
    """The flows between `a` and `b` (a the lower id) that these bits say."""
    return frozenset(
        Direction(kind, *((a, b) if forward else (b, a)))
        for (kind, forward), bit in FLOW_BITS.items()
        if bits & bit
    )
