"""Every rule the agent uses, and every rule module present, does what its EXAMPLES say; the
genome names only rules that exist."""

from __future__ import annotations

import importlib

import config
import pytest
from conftest import AGENT_DIR
from page import Page

MODULES = sorted(p.stem for p in (AGENT_DIR / "rules").glob("*.py") if p.stem != "__init__")


def test_the_genome_names_existing_rules() -> None:
    assert config.RULES, "the agent needs at least one rule"
    assert set(config.RULES) <= set(MODULES)
    assert len(set(config.RULES)) == len(config.RULES)
    for entry in config.GUARDS:
        rule, _, word = entry.partition(":")
        assert rule in config.RULES and word, entry
    assert config.MATCH in ("exact", "casefold", "contains")


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    module = importlib.import_module(f"rules.{name}")
    assert module.EXAMPLES, f"rules/{name}.py has no EXAMPLES"
    for obs, expected in module.EXAMPLES:
        assert module.act(Page(obs), {}) == expected, (name, obs["utterance"])
