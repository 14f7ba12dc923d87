"""Circles: flows that come back to where they started (A pays B and B pays A; A → B → C → A).

Found in a directed graph of organization ids by a bounded depth-first search from each node,
keeping only cycles whose smallest node (by the given order) is where they start, so each is
found once, whichever node it is entered from.
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
    rank = {node: i for i, node in enumerate(sorted(_nodes(graph), key=key))}
    found: list[tuple[N, ...]] = []

    # Found in any order (sorted at the end): each path's way back to its start is a lookup,
    # and only paths still short enough go on.
    def walk(start: N, path: list[N]) -> None:
        targets = graph.get(path[-1], ())
        if len(path) >= 2 and start in targets:
            found.append(tuple(path))
        if len(path) < longest:
            first = rank[start]
            for nxt in targets:
                if rank[nxt] > first and nxt not in path:
                    walk(start, [*path, nxt])

    for start in graph:
        walk(start, [start])
    found.sort(key=lambda cycle: (len(cycle), [rank[n] for n in cycle]))
    return found[:limit]


def _nodes(graph: Mapping[N, set[N]]) -> set[N]:
    return set(graph) | {n for targets in graph.values() for n in targets}
