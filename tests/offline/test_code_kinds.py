"""Code-level proposal kinds: each edits the agent's own source the way its docstring says, keeps
everything else byte for byte, draws reproducibly, and reports when it has nothing to offer."""

from __future__ import annotations

import ast
import random
import shutil
from pathlib import Path

import pytest

from godelbox.proposer.base import Mate, ParentEvidence, ProposalError
from godelbox.proposer.code import CodeProposer, crossover, mutations, parameters, recombination
from godelbox.proposer.code.source import AgentCode
from godelbox.proposer.offline import KINDS, offline_proposer
from tests.offline.agent_runner import SEED, seed_config_line

TABLES = '''"""Plug-in tables."""

SWAPS = {"<": ["<=", ">"], "==": ["!="]}
LIMIT = 5


def pick(values, limit=3):
    """Docstring stays."""
    out = []
    for v in values:
        if v < limit:
            continue
        out.append(v)
    return out
'''
ALPHA = """import re

WORD = re.compile(r"\\w+")


def mutate(site):
    for word in WORD.findall(site):
        yield word.upper()
"""
BETA = """STEP = 2


def mutate(site):
    for index in range(0, len(site), STEP):
        yield site[index]
"""


def agent(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "agent"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "test_x.py").write_text("def test_x():\n    pass\n")
    return root


def by(candidates, transformation, contains=""):
    return [
        c for c in candidates if c.transformation == transformation and contains in c.description
    ]


def changed_lines(old: str, new: str) -> tuple[set[str], set[str]]:
    a, b = old.splitlines(), new.splitlines()
    return set(a) - set(b), set(b) - set(a)


def test_agent_code_reads_modules_but_never_tests(tmp_path):
    code = AgentCode.read(agent(tmp_path, {"m.py": TABLES, "broken.py": "def (:\n"}))
    assert sorted(code.modules) == ["m.py"]
    assert "tests/test_x.py" not in AgentCode.read(SEED).modules
    assert "config.py" in AgentCode.read(SEED).modules


def test_parameter_scales_one_knob_in_place(tmp_path):
    code = AgentCode.read(agent(tmp_path, {"m.py": TABLES}))
    found = parameters.candidates(code)
    descriptions = {c.description for c in found}
    assert "m.py:4: LIMIT 5 -> 10" in descriptions
    assert "m.py:7: default of pick() 3 -> 4" in descriptions
    (limit,) = [c for c in found if c.description == "m.py:4: LIMIT 5 -> 10"]
    files = limit.make()
    assert changed_lines(TABLES, files["m.py"]) == ({"LIMIT = 5"}, {"LIMIT = 10"})
    seed = {c.description for c in parameters.candidates(AgentCode.read(SEED))}
    assert f"config.py:{seed_config_line('TOP_LINES')}: TOP_LINES 5 -> 10" in seed


KNOBS = """import json

EXAMPLE = ("x = 1\\n", 1, "x = 2\\n")
WEIGHTS = (1, 2)


def score(values, scale=2):
    return json.dumps(values, indent=2)


def run():
    return score([1], scale=3)
"""


def test_parameter_leaves_records_and_library_options_alone(tmp_path):
    """Numbers in a record (a tuple that also holds text, such as an operator's EXAMPLE, which
    the agent's tests check) and options passed by keyword to a library call are not knobs; a
    keyword passed to the agent's own function is."""
    found = {
        c.description
        for c in parameters.candidates(AgentCode.read(agent(tmp_path, {"m.py": KNOBS})))
    }
    assert {
        "m.py:4: WEIGHTS 1 -> 2",
        "m.py:7: default of score() 2 -> 4",
        "m.py:12: scale= 3 -> 6",
    } <= found
    assert not [d for d in found if "EXAMPLE" in d or "indent" in d], found
    seed = {c.description for c in parameters.candidates(AgentCode.read(SEED))}
    assert seed and not [d for d in seed if "EXAMPLE" in d or "indent=" in d or "count=" in d]


def test_ast_extends_a_table_from_material_in_the_same_module(tmp_path):
    code = AgentCode.read(agent(tmp_path, {"m.py": TABLES}))
    (grow,) = by(mutations.candidates(code), "extend_collection", "[\"!=\"] gains '<='")
    new = grow.make()["m.py"]
    assert ast.literal_eval(new.split("SWAPS = ")[1].splitlines()[0])["=="] == ["!=", "<="]


def test_ast_statement_and_operator_edits(tmp_path):
    code = AgentCode.read(agent(tmp_path, {"m.py": TABLES}))
    found = mutations.candidates(code)
    (guard,) = by(found, "delete_statement", "delete 'if v < limit:'")
    assert "continue" not in guard.make()["m.py"] and "Docstring stays" in guard.make()["m.py"]
    (flip,) = by(found, "flip_operator", "'<' -> '<='")
    assert "if v <= limit:" in flip.make()["m.py"]
    (swap,) = by(found, "swap_statements", "lines 9 and 10")
    swapped = swap.make()["m.py"]
    assert swapped.index("for v in values") < swapped.index("out = []")
    (drop,) = by(found, "drop_element", 'loses ">"')
    assert '"<": ["<="]' in drop.make()["m.py"]


def test_recombination_transplants_splices_and_unites_with_what_the_code_needs(tmp_path):
    code = AgentCode.read(agent(tmp_path, {"mutators/alpha.py": ALPHA, "mutators/beta.py": BETA}))
    found = recombination.candidates(code)
    kinds = {c.transformation for c in found}
    assert kinds == {"transplant", "union"}, "one-statement bodies have no cut point"
    (transplant,) = by(found, "transplant", "of mutators/alpha.py with mutators/beta.py")
    text = transplant.make()["mutators/alpha.py"]
    assert "STEP = 2" in text, "the helper constant the body reads comes along"
    assert "range(0, len(site), STEP)" in text and "WORD.findall" not in text
    (union,) = by(found, "union", "of mutators/beta.py with mutators/alpha.py")
    text = union.make()["mutators/beta.py"]
    namespace: dict = {}
    exec(compile(text, "beta", "exec"), namespace)
    assert list(namespace["mutate"]("ab c")) == ["a", " ", "AB", "C"]


def test_recombination_refuses_a_name_the_modules_define_differently(tmp_path):
    clash = BETA.replace("STEP = 2", "STEP = 2\nWORD = None")
    code = AgentCode.read(agent(tmp_path, {"mutators/alpha.py": ALPHA, "mutators/beta.py": clash}))
    (into_beta,) = by(recombination.candidates(code), "transplant", "of mutators/beta.py")
    assert into_beta.make() is None


def test_crossover_takes_genes_and_new_modules_from_the_mate(tmp_path):
    parent = agent(tmp_path / "p", {"config.py": 'A = 1\nB = ["x"]\nC = 3\n', "m.py": TABLES})
    mate = agent(
        tmp_path / "m",
        {
            "config.py": 'A = 2\nB = ["x", "y"]\nC = 3\n',
            "m.py": TABLES,
            "mutators/y.py": BETA,
        },
    )
    mates = (Mate(7, 0.5, mate),)
    texts = set()
    for seed in range(20):
        (offer,) = crossover.candidates(AgentCode.read(parent), mates, random.Random(seed))
        files = offer.make()
        assert files["mutators/y.py"] == BETA
        assert offer.description.startswith("crossover with node 7: takes ")
        config = files.get("config.py", 'A = 1\nB = ["x"]\nC = 3\n')
        assert config.endswith("C = 3\n")
        texts.add(config)
    assert len(texts) == 3, "each gene is taken or not (at least one of them)"


def test_proposer_draws_reproducibly_skips_tried_changes_and_copies_the_parent(tmp_path):
    evidence = ParentEvidence(1, SEED, 0.2, [])
    first = CodeProposer("parameter").propose(evidence, tmp_path / "a", random.Random(4), print)
    again = CodeProposer("parameter").propose(evidence, tmp_path / "b", random.Random(4), print)
    assert first.kind == "parameter" and first.info == again.info
    assert (first.child_dir / "run.py").read_text() == (SEED / "run.py").read_text()
    assert first.info["changed_files"] and first.info["transformation"] == "parameter"
    skipped = ParentEvidence(1, SEED, 0.2, [], tried=(first.info["description"],))
    other = CodeProposer("parameter").propose(skipped, tmp_path / "c", random.Random(4), print)
    assert other.info["description"] != first.info["description"]


def test_kind_with_nothing_to_change_is_a_proposal_error(tmp_path):
    root = agent(tmp_path, {"run.py": "print('hi')\n"})
    with pytest.raises(ProposalError, match="the recombination kind has no applicable change"):
        CodeProposer("recombination").propose(
            ParentEvidence(1, root, 0.0, []), tmp_path / "w", random.Random(0), print
        )
    with pytest.raises(ProposalError, match="crossover"):
        CodeProposer("crossover").propose(
            ParentEvidence(1, root, 0.0, []), tmp_path / "w2", random.Random(0), print
        )


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in ("crossover", "graft")])
def test_every_kind_proposes_a_real_change_to_the_seed(kind, tmp_path):
    proposal = offline_proposer([kind]).propose(
        ParentEvidence(1, SEED, 0.2, []), tmp_path, random.Random(11), print
    )
    assert proposal.kind == kind and proposal.info["bandit"]["drawn"] == kind
    changed = proposal.info["changed_files"]
    assert changed and all(not path.startswith("tests/") for path in changed)
    assert any(
        (proposal.child_dir / p).read_text() != (SEED / p).read_text()
        for p in changed
        if (SEED / p).exists()
    ) or any(not (SEED / p).exists() for p in changed)


def test_crossover_with_an_archive_member(tmp_path):
    mate = tmp_path / "mate"
    shutil.copytree(SEED, mate, ignore=shutil.ignore_patterns("__pycache__"))
    config = mate / "config.py"
    config.write_text(config.read_text().replace("TOP_LINES = 5", "TOP_LINES = 20"))
    evidence = ParentEvidence(1, SEED, 0.2, [], mates=(Mate(3, 0.4, mate),))
    proposal = offline_proposer(["crossover"]).propose(
        evidence, tmp_path / "w", random.Random(0), print
    )
    assert "TOP_LINES = 20" in (proposal.child_dir / "config.py").read_text()
    assert proposal.info["description"] == "crossover with node 3: takes config.py:TOP_LINES"


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown offline proposal kinds"):
        offline_proposer(["template", "telepathy"])
