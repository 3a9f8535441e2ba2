"""The archive as a networkx graph (parent → child): children, clades, depth, lineage, export.

The database is the truth; an `ArchiveGraph` is built from its rows and can then be kept in step
with every write (`add_node`, `set_status`, `add_results`), so selection never rebuilds it. Clade
statistics (task results of a node and all its descendants) are maintained incrementally by
walking up the ancestors of the node that got results, which is cheap because trees grown by
selection are shallow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from godelbox.archive.candidates import CandidatePool, CandidateRow, Candidates
from godelbox.archive.models import NodeStatus


@dataclass(frozen=True)
class NodeFacts:
    """What the graph needs of a node; `attrs` are carried along for export only."""

    id: int
    parent_id: int | None
    status: NodeStatus
    score: float | None = None
    tasks_resolved: int = 0
    tasks_attempted: int = 0
    attrs: Mapping[str, Any] = field(default_factory=dict)
    made_patch: bool | None = None
    tasks_tampered: int = 0


@dataclass(frozen=True)
class CladeStats:
    successes: int
    failures: int


class ArchiveGraph:
    def __init__(self) -> None:
        self.g: nx.DiGraph = nx.DiGraph()
        self._pool = CandidatePool()

    @classmethod
    def build(cls, nodes: Iterable[NodeFacts]) -> ArchiveGraph:
        """Build from rows in any order; parents must be among them (ids grow with creation).
        Attributes are computed in plain dicts and handed to networkx in bulk (fast at 100k)."""
        facts = sorted(nodes, key=lambda f: f.id)
        attrs: dict[int, dict[str, Any]] = {}
        for f in facts:
            attrs[f.id] = {
                **f.attrs,
                "status": NodeStatus(f.status),
                "score": f.score,
                "made_patch": f.made_patch,
                "resolved": f.tasks_resolved,
                "attempted": f.tasks_attempted,
                "tampered": f.tasks_tampered,
                "clade_resolved": f.tasks_resolved,
                "clade_attempted": f.tasks_attempted,
                "depth": 0 if f.parent_id is None else attrs[f.parent_id]["depth"] + 1,
            }
        # Children have higher ids than parents: one descending pass pushes every clade up.
        for f in reversed(facts):
            if f.parent_id is not None:
                parent, node = attrs[f.parent_id], attrs[f.id]
                parent["clade_resolved"] += node["clade_resolved"]
                parent["clade_attempted"] += node["clade_attempted"]
        graph = cls()
        graph.g.add_nodes_from(attrs.items())
        graph.g.add_edges_from((f.parent_id, f.id) for f in facts if f.parent_id is not None)
        graph._pool = CandidatePool.from_rows(
            graph._candidate_row(f.id) for f in facts if graph._eligible(f.id)
        )
        return graph

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def __contains__(self, node_id: int) -> bool:
        return node_id in self.g

    def add_node(self, facts: NodeFacts) -> None:
        if facts.parent_id is not None and facts.parent_id not in self.g:
            raise KeyError(f"parent {facts.parent_id} of node {facts.id} is not in the graph")
        depth = 0 if facts.parent_id is None else self.g.nodes[facts.parent_id]["depth"] + 1
        self.g.add_node(
            facts.id,
            **facts.attrs,
            status=NodeStatus(facts.status),
            score=facts.score,
            made_patch=facts.made_patch,
            resolved=0,
            attempted=0,
            tampered=0,
            clade_resolved=0,
            clade_attempted=0,
            depth=depth,
        )
        if facts.parent_id is not None:
            self.g.add_edge(facts.parent_id, facts.id)
            self._pool.add_child(facts.parent_id)
        if facts.tasks_attempted:
            self.add_results(
                facts.id, facts.tasks_resolved, facts.tasks_attempted, facts.tasks_tampered
            )
        self._refresh_eligibility(facts.id)

    def update(
        self,
        node_id: int,
        status: NodeStatus | None = None,
        score: float | None = None,
        made_patch: bool | None = None,
    ) -> None:
        """Change a node's status, score and/or made_patch (None = unchanged)."""
        node = self.g.nodes[node_id]
        if status is not None:
            node["status"] = NodeStatus(status)
        if score is not None:
            node["score"] = score
        if made_patch is not None:
            node["made_patch"] = made_patch
        self._refresh_eligibility(node_id)

    def add_results(self, node_id: int, resolved: int, attempted: int, tampered: int = 0) -> None:
        """Count `attempted` more task results (`resolved` of them successes, `tampered` of
        them caught forging their verdict) for `node_id`, in its own counters and in the clade
        counters of it and every ancestor. A tampered result makes the node ineligible."""
        node = self.g.nodes[node_id]
        node["resolved"] += resolved
        node["attempted"] += attempted
        if tampered:
            node["tampered"] += tampered
            self._refresh_eligibility(node_id)
        failures = attempted - resolved
        current: int | None = node_id
        while current is not None:
            data = self.g.nodes[current]
            data["clade_resolved"] += resolved
            data["clade_attempted"] += attempted
            self._pool.add_clade_results(current, resolved, failures)
            current = self.parent(current)

    def parent(self, node_id: int) -> int | None:
        return next(iter(self.g.predecessors(node_id)), None)

    def children_count(self, node_id: int) -> int:
        return int(self.g.out_degree(node_id))

    def children(self, node_id: int) -> list[int]:
        """Ids of the node's children, oldest first."""
        return sorted(self.g.successors(node_id))

    def clade(self, node_id: int) -> CladeStats:
        data = self.g.nodes[node_id]
        return CladeStats(data["clade_resolved"], data["clade_attempted"] - data["clade_resolved"])

    def depth(self, node_id: int) -> int:
        return int(self.g.nodes[node_id]["depth"])

    def lineage(self, node_id: int) -> list[int]:
        """Node ids from the root down to `node_id`."""
        chain = [node_id]
        while (up := self.parent(chain[-1])) is not None:
            chain.append(up)
        return chain[::-1]

    def best(self) -> int | None:
        """The eligible node with the highest score; ties go to the lowest id."""
        cands = self._pool.snapshot()
        if not len(cands):
            return None
        top = float(cands.scores.max())
        return int(cands.ids[cands.scores == top].min())

    def candidates(self) -> Candidates:
        """Eligible parents (evaluated, with a score, never caught tampering) as columns for the
        selection policies."""
        return self._pool.snapshot()

    def to_json(self) -> dict[str, Any]:
        """A self-describing dict: nodes with their attributes and derived stats, and edges."""
        nodes = [
            {"id": n, "parent_id": self.parent(n), **self._export_attrs(n)}
            for n in sorted(self.g.nodes)
        ]
        edges = [[p, c] for p, c in sorted(self.g.edges)]
        return {"format": "godelbox-archive-graph", "version": 1, "nodes": nodes, "edges": edges}

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), indent=1, default=str) + "\n"

    def to_graphml(self) -> str:
        """GraphML keeps scalar attributes only; None values are left out (GraphML has none)."""
        out = nx.DiGraph()
        for n in self.g.nodes:
            attrs = {
                k: _graphml_value(v) for k, v in self._export_attrs(n).items() if v is not None
            }
            out.add_node(n, **attrs)
        out.add_edges_from(self.g.edges)
        return "\n".join(nx.generate_graphml(out)) + "\n"

    def _export_attrs(self, node_id: int) -> dict[str, Any]:
        data = dict(self.g.nodes[node_id])
        clade = self.clade(node_id)
        data["status"] = str(data["status"])
        data["children"] = self.children_count(node_id)
        data["clade_successes"] = clade.successes
        data["clade_failures"] = clade.failures
        for key in ("clade_resolved", "clade_attempted", "resolved", "attempted"):
            data.pop(key)
        return data

    def _eligible(self, node_id: int) -> bool:
        data = self.g.nodes[node_id]
        return (
            data["status"] == NodeStatus.EVALUATED
            and data["score"] is not None
            and data.get("made_patch") is not False
            and not data["tampered"]
        )

    def _candidate_row(self, node_id: int) -> CandidateRow:
        data = self.g.nodes[node_id]
        clade = self.clade(node_id)
        return CandidateRow(
            id=node_id,
            score=float(data["score"]),
            children=self.children_count(node_id),
            clade_successes=clade.successes,
            clade_failures=clade.failures,
        )

    def _refresh_eligibility(self, node_id: int) -> None:
        if self._eligible(node_id):
            if node_id in self._pool:
                self._pool.set_score(node_id, float(self.g.nodes[node_id]["score"]))
            else:
                self._pool.add(self._candidate_row(node_id))
        else:
            self._pool.remove(node_id)


def _graphml_value(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)
