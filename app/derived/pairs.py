"""Each deal's pairs of organizations, stored in `deal_pair` for the network map.

One row per deal and pair of its organizations (`org_a` < `org_b`), with what flows between
them in that deal as bits (app.domain.flows.FLOW_BITS), and one row per deal and organization
with `org_a` = `org_b` (and no flows) saying the organization is in the deal: the map counts
an organization's deals and aggregates its edges with one GROUP BY each over this table joined
to the filtered deals (app/queries/network.py). Kept in step with `deal_party` by
app.derived.refresh.refresh_derived.
"""

from collections import defaultdict
from collections.abc import Collection
from itertools import combinations
from typing import Any

from sqlalchemy import Connection, select

from app.domain.flows import flow_bits, pair_flows
from app.models import DealParty


def pair_rows(connection: Connection, deal_ids: Collection[int]) -> list[dict[str, Any]]:
    """The `deal_pair` rows of these deals, recomputed from their parties."""
    roles: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for deal_id, organization_id, role in connection.execute(
        select(DealParty.deal_id, DealParty.organization_id, DealParty.role).where(
            DealParty.deal_id.in_(deal_ids)
        )
    ):
        roles[deal_id][organization_id].add(role)
    rows: list[dict[str, Any]] = []
    for deal_id, parties in sorted(roles.items()):
        orgs = sorted(parties)
        rows.extend({"deal_id": deal_id, "org_a": o, "org_b": o, "flows": 0} for o in orgs)
        for a, b in combinations(orgs, 2):
            bits = flow_bits(a, pair_flows(a, parties[a], b, parties[b]))
            rows.append({"deal_id": deal_id, "org_a": a, "org_b": b, "flows": bits})
    return rows
