"""Crossover between two archive members: the child is the parent with some of another good
agent's (a mate's) definitions.

The genes are top-level functions, classes and assignments, by name, in modules both agents
have and where they differ, plus definitions only the mate has. Each gene is taken with
probability 1/2 (at least one is), with what it reads from its module (imports, helpers). Modules
only the mate has (plug-ins it grew) come along whole: they are inert unless a taken gene (say,
a configuration list) names them.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Callable
from dataclasses import dataclass

from godelbox.proposer.base import Mate
from godelbox.proposer.code.source import (
    AgentCode,
    Candidate,
    Module,
    compiles,
    defined_names,
    dependencies,
    insertion_points,
    statement_text,
)

KIND = "crossover"


@dataclass(frozen=True)
class Gene:
    path: str
    name: str
    statement: ast.stmt
    """The mate's definition."""


def candidates(agent: AgentCode, mates: tuple[Mate, ...], rng: random.Random) -> list[Candidate]:
    out = []
    for mate in mates:
        other = AgentCode.read(mate.agent_dir)
        genes = _genes(agent, other)
        extra = sorted(set(other.modules) - set(agent.modules))
        if not genes and not extra:
            continue
        taken = [g for g in genes if rng.random() < 0.5] or ([rng.choice(genes)] if genes else [])
        names = [f"{g.path}:{g.name}" for g in taken] + extra
        description = f"crossover with node {mate.node_id}: takes {', '.join(names)}"
        out.append(Candidate("crossover", description, _maker(agent, other, taken, extra)))
    return out


def _genes(agent: AgentCode, other: AgentCode) -> list[Gene]:
    genes = []
    for path in sorted(set(agent.modules) & set(other.modules)):
        mine, theirs = agent.modules[path], other.modules[path]
        if mine.text == theirs.text:
            continue
        have = {name: stmt for stmt in mine.tree.body for name in _gene_names(stmt)}
        for stmt in theirs.tree.body:
            for name in _gene_names(stmt):
                if name not in have or ast.dump(have[name]) != ast.dump(stmt):
                    genes.append(Gene(path, name, stmt))
    return genes


def _gene_names(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [stmt.name]
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and len(defined_names(stmt)) == 1:
        return defined_names(stmt)
    return []


def _maker(
    agent: AgentCode, other: AgentCode, taken: list[Gene], extra: list[str]
) -> Callable[[], dict[str, str] | None]:
    def make() -> dict[str, str] | None:
        files = {path: other.modules[path].text for path in extra}
        for path in sorted({g.path for g in taken}):
            genes = [g for g in taken if g.path == path]
            text = _cross(agent.modules[path], other.modules[path], genes)
            if text is None:
                return None
            files[path] = text
        old = {p: m.text for p, m in agent.modules.items()}
        changed = {p: t for p, t in files.items() if old.get(p) != t}
        return changed if changed and compiles(changed) else None

    return make


def _cross(mine: Module, theirs: Module, genes: list[Gene]) -> str | None:
    """`mine` rebuilt statement by statement: a gene replaces the parent's definition of its
    name, or joins the module (after the imports, before the first function or class); the
    imports and helpers the genes read come along."""
    replace = {g.name: g for g in genes}
    needed: list[ast.stmt] = []
    for gene in genes:
        found = dependencies(theirs, gene.statement, mine)
        if found is None:
            return None
        needed.extend(s for s in found if s not in needed and s not in [g.statement for g in genes])
    body = mine.tree.body
    starts = [mine.statement_lines(s)[0] for s in body] + [len(mine.text)]
    header = mine.text[: starts[0]] if body else mine.text
    pieces: list[str] = [header]
    placed: set[str] = set()
    new_imports = [s for s in needed if isinstance(s, ast.Import | ast.ImportFrom)]
    new_defs = [s for s in needed if s not in new_imports]
    new_defs += [g.statement for g in genes if not any(g.name in _gene_names(s) for s in body)]
    new_defs.sort(key=lambda s: s.lineno)
    last_import, first_def = insertion_points(body)
    if last_import < 0:
        pieces.extend(statement_text(theirs, s) for s in new_imports)
    for index, stmt in enumerate(body):
        if index == first_def:
            pieces.extend(statement_text(theirs, s) for s in new_defs)
            placed.add("defs")
        segment = mine.text[starts[index] : starts[index + 1]]
        names = _gene_names(stmt)
        if names and names[0] in replace:
            stmt_end = mine.statement_lines(stmt)[1] - starts[index]
            segment = statement_text(theirs, replace[names[0]].statement) + segment[stmt_end:]
        pieces.append(segment)
        if index == last_import:
            pieces.extend(statement_text(theirs, s) for s in new_imports)
    if "defs" not in placed:
        pieces.extend(statement_text(theirs, s) for s in new_defs)
    return "".join(pieces)
