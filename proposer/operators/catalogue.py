"""The catalogue of program transformations on the repair agent's source.

A transformation lists the concrete changes it could make to a given agent (`changes`); an empty
list is its precondition failing, and every change it lists really changes a file, so a proposal
is never a no-op. Changes are whole new file texts keyed by path relative to the agent's root.

The mutator templates were written for the built-in suite's bug classes, and only for the classes
evolution may see: none targets a class of `builtin:unseen` (UNSEEN_CLASSES in
godelbox.evaluator.builtin), so gains measured there were not written in advance.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from godelbox import python_ast
from godelbox.proposer.operators.agent_source import CONFIG, AgentSource, template, templates

FORMULAS = ["tarantula", "ochiai", "dstar"]
SEARCH_ORDERS = ("by_operator", "by_suspiciousness", "by_rank")
TOP_LINES_RANGE = (1, 40)
CANDIDATES_RANGE = (3, 160)
"""Of CANDIDATES_PER_MUTATOR: the agent's budget is that many candidates per mutator."""
EXHAUSTED = ("no_fix", "no_fix_exhausted")
"""The search tried every edit it could make: new kinds of edit, or more lines, are the remedy."""
BUDGET = ("no_fix", "no_fix_budget")
"""The budget cut the search short: a bigger budget, a better order, cheaper candidates."""


@dataclass(frozen=True)
class Change:
    description: str
    files: dict[str, str]


class Transformation(Protocol):
    name: str
    weight: float
    """Prior weight of the draw: transformations that add a capability (an operator, a source
    of reproductions) are where improvements come from, so they are drawn more often than
    re-tunings of what is already there."""
    remedies: tuple[str, ...]
    """Agent outcomes (repair.json `outcome`; "overfit": fixed yet unresolved; `no_fix` split by
    why the search stopped, see proposer.Evidence) this transformation is meant to help with;
    evidence of them makes it likelier to be drawn."""

    def changes(self, agent: AgentSource) -> list[Change]: ...


def config_change(agent: AgentSource, name: str, value: object, description: str) -> Change:
    """The change that sets the agent's config constant `name` to `value`."""
    return Change(description, {CONFIG: agent.set(name, value)})


@dataclass(frozen=True)
class SetChoice:
    """A config constant that takes one of a few values: each other value is a change.
    `describe` is formatted with the `new` and the `old` value."""

    name: str
    key: str
    options: tuple[str, ...]
    remedies: tuple[str, ...]
    describe: str
    weight: float = 1.0

    def changes(self, agent: AgentSource) -> list[Change]:
        old = agent.get(self.key)
        return [
            config_change(agent, self.key, new, self.describe.format(new=new, old=old))
            for new in self.options
            if new != old
        ]


class AddMutator:
    name = "add_mutator"
    weight = 3.0
    remedies = EXHAUSTED

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("MUTATORS"))
        return [
            self._added(agent, new, position)
            for new in templates("mutators")
            if new not in current
            for position in range(len(current) + 1)
        ]

    def screens(self, agent: AgentSource) -> list[Change]:
        """Each new operator once, last: a search ordered by operator tries the operators
        already there first, and each operator brings its own share of the candidate budget.
        Described without its position, so the screen names the same capability on every
        agent (`godelbox.loop.planning`)."""
        current = list(agent.get("MUTATORS"))
        return [
            self._added(agent, new, len(current), f"add mutation operator {new!r} last")
            for new in templates("mutators")
            if new not in current
        ]

    def _added(self, agent: AgentSource, new: str, position: int, description: str = "") -> Change:
        current = list(agent.get("MUTATORS"))
        order = [*current[:position], new, *current[position:]]
        described = description or f"add mutation operator {new!r} at position {position}"
        change = config_change(agent, "MUTATORS", order, described)
        if new not in agent.mutator_modules:
            change.files[f"mutators/{new}.py"] = template("mutators", new)
        return change


class RemoveMutator:
    name = "remove_mutator"
    weight = 1.0
    remedies = ("overfit",)

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("MUTATORS"))
        if len(current) < 2:
            return []
        return [
            config_change(
                agent, "MUTATORS", [m for m in current if m != old], f"drop operator {old!r}"
            )
            for old in current
        ]


class PromoteMutator:
    name = "promote_mutator"
    weight = 1.0
    remedies = ("overfit", *BUDGET)

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("MUTATORS"))
        out = []
        for i in range(1, len(current)):
            order = [*current[: i - 1], current[i], current[i - 1], *current[i + 1 :]]
            out.append(
                config_change(
                    agent, "MUTATORS", order, f"try {current[i]!r} before {current[i - 1]!r}"
                )
            )
        return out


class SetFormula:
    name = "set_formula"
    weight = 1.0
    remedies = ("no_fix", "no_fix_exhausted", "no_fix_budget")

    def changes(self, agent: AgentSource) -> list[Change]:
        current = agent.get("FORMULA")
        return [
            config_change(agent, "FORMULA", f, f"localise with {f} instead of {current}")
            for f in FORMULAS
            if f != current
        ]


class _ScaleInt:
    """A config integer doubled (`factor` 2) or halved (`factor` 0.5) within `bounds`. Each
    direction is its own transformation, because the evidence calls for one or the other: a
    search that ran out of edits wants more lines, never fewer."""

    name = ""
    weight = 1.0
    constant = ""
    bounds = (1, 1)
    factor = 2.0
    remedies: tuple[str, ...] = ()

    def changes(self, agent: AgentSource) -> list[Change]:
        if self.constant not in agent.constants:
            return []  # an older agent: MAX_CANDIDATES, before the budget was per mutator
        current = int(agent.get(self.constant))
        low, high = self.bounds
        new = min(high, max(low, int(current * self.factor)))
        if new == current:
            return []
        return [config_change(agent, self.constant, new, f"{self.constant} {current} -> {new}")]


class SetTopLines(_ScaleInt):
    """Only up: on the seed, 2 lines break the agent's own tests (its fixture's bug is not
    among the two most suspicious), and no failure calls for fewer."""

    name = "set_top_lines"
    constant = "TOP_LINES"
    bounds = TOP_LINES_RANGE
    remedies = EXHAUSTED


class SetMaxCandidates(_ScaleInt):
    name = "set_max_candidates"
    constant = "CANDIDATES_PER_MUTATOR"
    bounds = CANDIDATES_RANGE
    remedies = BUDGET


class LowerMaxCandidates(_ScaleInt):
    """No failure calls for it (a smaller budget never fixes more); it only buys time."""

    name = "lower_max_candidates"
    constant = "CANDIDATES_PER_MUTATOR"
    bounds = CANDIDATES_RANGE
    factor = 0.5


class AddReproSource:
    name = "add_repro_source"
    weight = 3.0
    remedies = ("no_reproduction", "not_reproduced")

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("REPRO_SOURCES"))
        out = []
        for new in sorted(set(templates("extractors")) | agent.extractor_modules):
            if new in current or new.startswith("_"):
                continue
            change = config_change(
                agent, "REPRO_SOURCES", [*current, new], f"extract reproductions from {new}"
            )
            if new not in agent.extractor_modules:
                change.files[f"extractors/{new}.py"] = template("extractors", new)
            out.append(change)
        return out

    def screens(self, agent: AgentSource) -> list[Change]:
        """Each new source once (every change appends it already)."""
        return self.changes(agent)


class RemoveReproSource:
    name = "remove_repro_source"
    weight = 1.0
    remedies = ()

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("REPRO_SOURCES"))
        if len(current) < 2:
            return []
        return [
            config_change(
                agent,
                "REPRO_SOURCES",
                [s for s in current if s != old],
                f"stop extracting reproductions from {old}",
            )
            for old in current
        ]


class AddPrecheck:
    name = "add_precheck"
    weight = 1.0
    remedies = BUDGET

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("PRECHECKS"))
        return [
            config_change(
                agent, "PRECHECKS", [*current, check], f"pre-check candidates with {check}"
            )
            for check in _known_prechecks(agent)
            if check not in current
        ]


class RemovePrecheck:
    name = "remove_precheck"
    weight = 1.0
    remedies = ()

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("PRECHECKS"))
        return [
            config_change(
                agent, "PRECHECKS", [c for c in current if c != old], f"drop pre-check {old}"
            )
            for old in current
        ]


def _known_prechecks(agent: AgentSource) -> list[str]:
    """Keys of the CHECKS table in the agent's prechecks.py."""
    path = agent.root / "prechecks.py"
    if not path.is_file():
        return []
    for stmt in python_ast.parse(path.read_text(encoding="utf-8")).body:
        target = stmt.target if isinstance(stmt, ast.AnnAssign) else None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        if (
            isinstance(target, ast.Name)
            and target.id == "CHECKS"
            and isinstance(stmt.value, ast.Dict)
        ):
            return [k.value for k in stmt.value.keys if isinstance(k, ast.Constant)]
    return []


CATALOGUE: tuple[Transformation, ...] = (
    AddMutator(),
    RemoveMutator(),
    PromoteMutator(),
    SetFormula(),
    SetTopLines(),
    SetMaxCandidates(),
    LowerMaxCandidates(),
    AddReproSource(),
    RemoveReproSource(),
    SetChoice(
        "set_search_order",
        "SEARCH_ORDER",
        SEARCH_ORDERS,
        ("overfit", *BUDGET),
        "search {new} instead of {old}",
    ),
    AddPrecheck(),
    RemovePrecheck(),
)
"""Every transformation, in the fixed order the proposer draws from (determinism)."""


@runtime_checkable
class Screened(Protocol):
    """A transformation that adds a capability, and names the one change per capability that a
    screen of it should make (`godelbox.loop.planning`: each is tried once on the seed)."""

    name: str

    def screens(self, agent: AgentSource) -> list[Change]: ...


def screens(
    agent: AgentSource, catalogue: Sequence[Transformation] = CATALOGUE
) -> list[tuple[str, Change]]:
    """(transformation name, change): every capability the catalogue's transformations could add
    to the agent, once each, in catalogue order."""
    return [
        (t.name, change)
        for t in catalogue
        if isinstance(t, Screened)
        for change in t.screens(agent)
    ]
