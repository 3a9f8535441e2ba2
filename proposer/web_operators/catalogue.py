"""The transformations of the rule-based web agent's source (agents/webrules).

Its genome is `config.py`: `RULES` (rule modules tried in order), `GUARDS` ("rule:word"
specialisations), `MATCH` and `SUBMIT_WORDS`; its skills are the modules under `rules/`. Every
change listed really changes a file (the protocol of `godelbox.proposer.operators.catalogue`),
and rules come from `templates/rules/`, each carrying EXAMPLES the agent's own tests check.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from godelbox.proposer.operators.agent_source import CONFIG, AgentSource
from godelbox.proposer.operators.catalogue import (
    Change,
    SetChoice,
    Transformation,
    config_change,
)

TEMPLATES = Path(__file__).resolve().parent / "templates" / "rules"
GUARD_WORDS = (
    "click",
    "enter",
    "type",
    "select",
    "focus",
    "expand",
    "find",
    "copy",
    "switch",
    "mark",
    "search",
)
"""Words a rule can be specialised to: the verbs web tasks are phrased with, not task names."""
MATCHES = ("exact", "casefold", "contains")
SUBMIT_WORDS = ("submit", "login", "ok", "search", "yes", "next", "done")


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES.glob("*.py"))


def rule_modules(agent: AgentSource) -> frozenset[str]:
    rules = agent.root / "rules"
    return frozenset(p.stem for p in rules.glob("*.py") if p.stem != "__init__")


class AddRule:
    name = "add_rule"
    weight = 3.0
    remedies = ("no_rule", "stuck", "wrong")
    """A page no rule handles, or one an earlier rule gets wrong: a new rule (anywhere in the
    order, so also before the one that misfires) is the likeliest remedy."""

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("RULES"))
        have = rule_modules(agent)
        out = []
        for new in template_names():
            if new in current:
                continue
            for position in range(len(current) + 1):
                order = [*current[:position], new, *current[position:]]
                change = config_change(
                    agent, "RULES", order, f"add rule {new!r} at position {position}"
                )
                if new not in have:
                    change.files[f"rules/{new}.py"] = (TEMPLATES / f"{new}.py").read_text()
                out.append(change)
        return out


class RemoveRule:
    name = "remove_rule"
    weight = 1.0
    remedies = ("wrong",)

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("RULES"))
        if len(current) < 2:
            return []
        guards = list(agent.get("GUARDS"))
        out = []
        for old in current:
            change = config_change(
                agent, "RULES", [r for r in current if r != old], f"drop rule {old!r}"
            )
            kept = [g for g in guards if g.partition(":")[0] != old]
            if kept != guards:  # its guards go with it (the agent's tests check GUARDS)
                edited = replace(agent, config_text=change.files[CONFIG])
                change.files[CONFIG] = edited.set("GUARDS", kept)
            out.append(change)
        return out


class MoveRule:
    """Reorder: move one rule to any other place. Order decides which rule acts when several
    apply, and a catch-all placed early (a lone button clicked at once) silences every rule
    after it; one move can hand a whole group of pages to the rules that fit them."""

    name = "move_rule"
    weight = 1.5
    remedies = ("wrong", "stuck")

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("RULES"))
        out = []
        for i, rule in enumerate(current):
            rest = current[:i] + current[i + 1 :]
            for j in range(len(current)):
                if j == i:
                    continue
                order = [*rest[:j], rule, *rest[j:]]
                description = f"move rule {rule!r} from position {i} to {j}"
                out.append(config_change(agent, "RULES", order, description))
        return out


class GuardRule:
    """Specialise a rule to tasks phrased with a verb, so a rule that misfires elsewhere
    leaves those pages to the rules after it."""

    name = "guard_rule"
    weight = 1.5
    remedies = ("wrong",)

    def changes(self, agent: AgentSource) -> list[Change]:
        guards = list(agent.get("GUARDS"))
        out = []
        for rule in agent.get("RULES"):
            for word in GUARD_WORDS:
                entry = f"{rule}:{word}"
                if entry not in guards:
                    description = f"rule {rule!r} acts only on tasks that say {word!r}"
                    out.append(config_change(agent, "GUARDS", [*guards, entry], description))
        return out


class UnguardRule:
    name = "unguard_rule"
    weight = 1.0
    remedies = ("no_rule",)

    def changes(self, agent: AgentSource) -> list[Change]:
        guards = list(agent.get("GUARDS"))
        return [
            config_change(
                agent, "GUARDS", [g for g in guards if g != old], f"drop the guard {old!r}"
            )
            for old in guards
        ]


class AddSubmitWord:
    name = "add_submit_word"
    weight = 1.0
    remedies = ("stuck", "no_rule")

    def changes(self, agent: AgentSource) -> list[Change]:
        current = list(agent.get("SUBMIT_WORDS"))
        return [
            config_change(
                agent, "SUBMIT_WORDS", [*current, word], f"treat {word!r} as a submit control"
            )
            for word in SUBMIT_WORDS
            if word not in current
        ]


WEB_CATALOGUE: tuple[Transformation, ...] = (
    AddRule(),
    RemoveRule(),
    MoveRule(),
    GuardRule(),
    UnguardRule(),
    SetChoice(
        "set_match",
        "MATCH",
        MATCHES,
        ("no_rule", "wrong"),
        "match page text {new} instead of {old}",
    ),
    AddSubmitWord(),
)
"""Every web transformation, in the fixed order the proposer draws from (determinism)."""
