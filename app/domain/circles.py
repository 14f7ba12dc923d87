"""Circles: flows that come back to where they started (A pays B and B pays A; A → B → C → A).

Found in a directed graph of organization ids by a bounded depth-first search from each node,
keeping only cycles whose smallest node (by the given order) is where they start, so each is
found once, whichever node it is entered from; shortest first and in order, so that the search
ends as soon as it has found as many as are asked for.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

N = TypeVar("N", bound=Hashable)


def find_circles(
    arcs: Iterable[tuple[N, N]],
    *,
    key: Callable[[N], Any],
    longest: int = 3,
    limit: int = 50,
) -> list[tuple[N, ...]]:
    """Elementary cycles of 2 to `longest` nodes, each as its nodes in flow order starting at
    the first by `key`; shortest first, then by the keys of their nodes; at most `limit`."""
    graph: dict[N, set[N]] = {}
    for source, target in arcs:
        if source != target:
            graph.setdefault(source, set()).add(target)
    order = sorted(_nodes(graph), key=key)
    rank = {node: i for i, node in enumerate(order)}
    after = {node: sorted(targets, key=rank.__getitem__) for node, targets in graph.items()}
    found: list[tuple[N, ...]] = []

    # Found in the order they are listed, so the search stops at `limit`: by length, then from
    # each start in order, walking its targets in order; each path's way back to its start is
    # a lookup.
    def walk(start: N, path: list[N], length: int) -> None:
        if len(path) == length:
            if start in graph.get(path[-1], ()):
                found.append(tuple(path))
            return
        first = rank[start]
        for nxt in after.get(path[-1], ()):
            if len(found) >= limit:
                return
            if rank[nxt] > first and nxt not in path:
                walk(start, [*path, nxt], length)

    for length in range(2, longest + 1):
        for start in order:
            if len(found) >= limit:
                return found
            walk(start, [start], length)
    return found


def _nodes(graph: Mapping[N, set[N]]) -> set[N]:
    return set(graph) | {n for targets in graph.values() for n in targets}
