"""Dependency graphs: cycle detection and a stable topological order.

A graph maps each node to the nodes it depends on. Everything here is
iterative, so graph size never meets Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence


def find_cycles(graph: Mapping[str, Collection[str]]) -> list[list[str]]:
    """Every cycle of ``graph`` as a strongly connected component, nodes in graph order.

    A node that depends on itself is a cycle of one. Edges to nodes that are
    not keys of ``graph`` are ignored.
    """
    order = {node: position for position, node in enumerate(graph)}
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, [d for d in graph[root] if d in order])]
        index[root] = lowlink[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if child not in index:
                    index[child] = lowlink[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, [d for d in graph[child] if d in order]))
                elif child in on_stack:
                    lowlink[node] = min(lowlink[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    cycles.append(sorted(component, key=order.__getitem__))
    cycles.sort(key=lambda component: order[component[0]])
    return cycles


def topological_order(graph: Mapping[str, Collection[str]]) -> list[str]:
    """Nodes so that each comes after everything it depends on; ties keep graph order.

    The graph must be acyclic (check with :func:`find_cycles` first); edges to
    nodes that are not keys of ``graph`` are ignored.
    """
    return [node for wave in dependency_waves(graph) for node in wave]


def dependency_waves(graph: Mapping[str, Collection[str]]) -> list[list[str]]:
    """Groups of nodes that can be processed together: each group depends only on earlier ones."""
    order = {node: position for position, node in enumerate(graph)}
    remaining = {
        node: {d for d in deps if d in order and d != node} for node, deps in graph.items()
    }
    dependents: dict[str, list[str]] = {node: [] for node in graph}
    for node, deps in remaining.items():
        for dependency in deps:
            dependents[dependency].append(node)
    ready = [node for node, deps in remaining.items() if not deps]
    waves: list[list[str]] = []
    placed = 0
    while ready:
        wave = sorted(ready, key=order.__getitem__)
        waves.append(wave)
        placed += len(wave)
        ready = []
        for node in wave:
            for dependent in dependents[node]:
                deps = remaining[dependent]
                deps.discard(node)
                if not deps:
                    ready.append(dependent)
    if placed != len(graph):
        unplaced = [node for node in graph if remaining[node]]
        raise ValueError(f"graph has a cycle among {unplaced}")
    return waves


def format_names(names: Sequence[str]) -> str:
    """``[A, B, C]``, as CloudFormation lists logical IDs in its messages."""
    return "[" + ", ".join(names) + "]"
