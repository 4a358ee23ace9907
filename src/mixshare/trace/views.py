"""A trace as the page draws it: a tree of batches (no web imports). Forward, each batch's
children are the batches that consumed it; backward, the batches it consumed. A batch that two
parents share (an FB consuming two masterbatches of one lot) appears under each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from mixshare.trace.service import BackwardTrace, ForwardTrace, Genealogy, TraceResult


@dataclass
class Node:
    batch_id: int
    code: str
    line: str
    stage: str
    compound: str
    member: str
    state: str
    delivery: str | None
    children: list[Node] = field(default_factory=list)
    raw_lots: list[str] = field(default_factory=list)
    results: list[TraceResult] = field(default_factory=list)


def _tree(genealogy: Genealogy, roots: list[int], edges: dict[int, list[int]]) -> list[Node]:
    by_id = genealogy.by_id()

    def grow(batch_id: int, path: frozenset[int]) -> Node:
        b = by_id[batch_id]
        node = Node(b.id, b.code, b.line, b.stage, b.compound, b.member, b.state, b.delivery)
        for child in edges.get(batch_id, []):
            if child not in path:  # a bad document that consumed its own descendant
                node.children.append(grow(child, path | {child}))
        return node

    return [grow(r, frozenset({r})) for r in roots]


def forward_tree(trace: ForwardTrace) -> list[Node]:
    roots = [b.id for b in trace.genealogy.batches if b.id in trace.weighed]
    return _tree(trace.genealogy, roots, trace.genealogy.consumers())


def backward_tree(trace: BackwardTrace) -> list[Node]:
    nodes = _tree(trace.genealogy, trace.delivered, trace.genealogy.inputs())
    lots: dict[str, list[str]] = defaultdict(list)
    for use in trace.raw_lots:
        for code in use.batches:
            lots[code].append(use.lot.code)
    results: dict[str, list[TraceResult]] = defaultdict(list)
    for result in trace.results:
        results[result.batch].append(result)

    def annotate(node: Node) -> None:
        node.raw_lots = lots.get(node.code, [])
        node.results = results.get(node.code, [])
        for child in node.children:
            annotate(child)

    for node in nodes:
        annotate(node)
    return nodes
