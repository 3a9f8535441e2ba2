"""The grammar kind grows the agent's operator table from the grammar, directed by the operators
the agent logged on its suspicious lines; the child it makes passes the agent's own tests and
fixes a bug its parent had no way to fix."""

from __future__ import annotations

import ast
import random
import shutil
import subprocess
import sys
from pathlib import Path

from godelbox.proposer.base import ParentEvidence, TaskEvidence
from godelbox.proposer.code import CodeProposer, grammar
from godelbox.proposer.code.proposer import _draw
from godelbox.proposer.code.source import AgentCode, Candidate
from tests.offline.agent_runner import AGENT_ENV, SEED, self_test

LEDGER = {
    "ledger.py": (
        "def balance(deposits, withdrawals):\n"
        '    """What is left after the withdrawals."""\n'
        "    return sum(deposits) + sum(withdrawals)\n"
    ),
    "tests/test_ledger.py": (
        "from ledger import balance\n\n\n"
        "def test_nothing():\n    assert balance([], []) == 0\n\n\n"
        "def test_withdrawal():\n    assert balance([10, 5], [3]) == 12\n"
    ),
}
PROBLEM = "balance([10, 5], [3]) returns 18 instead of 12: withdrawals are added, not taken.\n"
SUSPECTS = (
    "localisation (tarantula): 2 suspicious line(s); top:\n"
    "  ledger.py:3 score=1.000 operators=Add\n"
    "  ledger.py:1 score=0.500 operators=-\n"
)


def swaps(agent: Path) -> dict[str, list[str]]:
    return swaps_of((agent / "mutators" / "operator_swap.py").read_text())


def swaps_of(source: str) -> dict[str, list[str]]:
    tree = ast.parse(source)
    table = next(
        s.value for s in tree.body if isinstance(s, ast.Assign) and s.targets[0].id == "SWAPS"
    )
    return ast.literal_eval(table)


def repair(agent: Path, tmp_path: Path) -> tuple[str, str]:
    """Run `agent` on the ledger bug; (its outcome, ledger.py afterwards)."""
    repo = tmp_path / f"repo-{agent.name}"
    for rel, text in LEDGER.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    problem = tmp_path / "problem.md"
    problem.write_text(PROBLEM)
    logs = tmp_path / f"logs-{agent.name}"
    command = [sys.executable, str(agent / "run.py"), "--workspace", str(repo)]
    command += ["--problem", str(problem), "--log-dir", str(logs)]
    subprocess.run(command, check=True, timeout=120, env=AGENT_ENV)
    log = (logs / "agent.log").read_text()
    return log, (repo / "ledger.py").read_text()


def evidence(agent: Path, tasks: list[TaskEvidence], tried: tuple[str, ...] = ()):
    return ParentEvidence(node_id=1, agent_dir=agent, score=0.0, tasks=tasks, tried=tried)


def test_seed_table_grows_one_class_at_a_time_from_the_grammar():
    listed = grammar.candidates(AgentCode.read(SEED), [])
    new = {c.description.split(" gains ")[1] for c in listed if c.transformation == "new_entry"}
    assert "Add -> Sub" in new and "And -> Or" in new and "Sub -> Add, Mult" in new
    assert not any(d.startswith("Lt ") for d in new), "the seed already swaps Lt"
    widen = [c.description for c in listed if c.transformation == "widen_entry"]
    assert "mutators/operator_swap.py: SWAPS['Eq'] gains Lt" in widen
    child = next(c for c in listed if c.description.endswith("gains Add -> Sub")).make()
    assert child is not None
    text = child["mutators/operator_swap.py"]
    assert '    "NotIn": ["In"],\n    "Add": ["Sub"],\n}\n' in text
    original = (SEED / "mutators" / "operator_swap.py").read_text()
    assert text.replace('    "Add": ["Sub"],\n', "", 1) == original


def test_a_whole_family_enters_at_once_each_class_mapped_to_all_siblings_nearest_first():
    listed = grammar.candidates(AgentCode.read(SEED), [])
    families = {c.description: c for c in listed if c.transformation == "new_family"}
    assert sorted(d.split(" gains the ")[1].split()[0] for d in families) == [
        "boolop",
        "operator",
        "unaryop",
    ], "the seed already swaps every comparison, so cmpop is no new family"
    arithmetic = next(c for d, c in families.items() if " operator family" in d).make()
    assert arithmetic is not None
    grown = swaps_of(arithmetic["mutators/operator_swap.py"])
    assert grown["Add"][:3] == ["Sub", "Mult", "MatMult"] and len(grown["Add"]) == 12
    assert grown["FloorDiv"][:2] == ["BitAnd", "BitXor"] and "Div" in grown["FloorDiv"]
    assert {k: grown[k] for k in swaps(SEED)} == swaps(SEED), "existing entries are kept"
    assert len(grown) == len(swaps(SEED)) + 13


def test_a_family_is_weighted_by_its_most_suspected_class():
    tasks = [TaskEvidence("a", "unresolved", log="  x.py:9 score=0.2 operators=Or,Mult\n")]
    weights = {
        c.description.split(" gains the ")[1].split()[0]: c.weight
        for c in grammar.candidates(AgentCode.read(SEED), tasks)
        if c.transformation == "new_family"
    }
    assert weights == {"operator": 5.0, "boolop": 5.0, "unaryop": 1.0}


def test_operators_on_suspicious_lines_of_unresolved_tasks_weigh_the_draw():
    tasks = [
        TaskEvidence("a", "unresolved", log=SUSPECTS),
        TaskEvidence("b", "unresolved", log="  x.py:9 score=0.2 operators=Add,BitXor,Mult\n"),
        TaskEvidence("c", "resolved", log="  x.py:9 score=0.2 operators=Mod\n"),
    ]
    assert grammar.operator_evidence(tasks) == {"Add": 1.0, "BitXor": 0.5, "Mult": 0.5}
    weights = {c.description: c.weight for c in grammar.candidates(AgentCode.read(SEED), tasks)}
    assert weights["mutators/operator_swap.py: SWAPS gains Add -> Sub"] == 5.0
    assert weights["mutators/operator_swap.py: SWAPS gains Mult -> Sub, MatMult"] == 3.0
    assert weights["mutators/operator_swap.py: SWAPS gains Mod -> Div, Pow"] == 1.0


def test_agent_log_text_counts_only_names_of_the_grammar():
    hostile = [
        TaskEvidence("a", "unresolved", log="  x.py:1 score=1 operators=Add,Import,Evil\n"),
        TaskEvidence("b", "unresolved", log="  x.py:1 score=1 operators=" + "Add," * 500 + "\n"),
        TaskEvidence("c", "error", log="operators=Sub\n  x.py:1 score=1 operators=Sub;rm\n"),
    ]
    assert grammar.operator_evidence(hostile) == {"Add": 1 / 3}


def test_only_tables_of_one_family_per_entry_are_grown(tmp_path):
    (tmp_path / "m.py").write_text(
        'SIGNS = {"<": ["<="]}\n'
        'MIXED = {"Lt": ["Add"]}\n'
        'INLINE = {"And": ["Or"]}\n'
        "def f(x):\n    return {'Lt': ['Gt']}\n"
    )
    listed = grammar.candidates(AgentCode.read(tmp_path), [])
    assert {c.description.split(":")[1].split()[0] for c in listed} == {"INLINE"}
    grown = next(c for c in listed if c.description.endswith("gains Not -> Invert, UAdd")).make()
    assert grown is not None
    assert 'INLINE = {"And": ["Or"], "Not": ["Invert", "UAdd"]}\n' in grown["m.py"]
    family = next(c for c in listed if "unaryop family" in c.description).make()
    assert family is not None
    assert (
        'INLINE = {"And": ["Or"], "Invert": ["Not", "UAdd", "USub"], '
        '"Not": ["Invert", "UAdd", "USub"], "UAdd": ["Not", "USub", "Invert"], '
        '"USub": ["UAdd", "Not", "Invert"]}\n'
    ) in family["m.py"]


def test_grammar_child_passes_its_own_tests_and_fixes_what_its_parent_could_not(tmp_path):
    parent = tmp_path / "parent"
    shutil.copytree(SEED, parent, ignore=shutil.ignore_patterns("__pycache__", ".benchmarks"))
    log, source = repair(parent, tmp_path)
    assert "outcome: no_fix" in log and source == LEDGER["ledger.py"]
    assert "  ledger.py:3 score=" in log and "operators=Add" in log

    wanted = "mutators/operator_swap.py: SWAPS gains Add -> Sub"
    tasks = [TaskEvidence("ledger", "unresolved", problem=PROBLEM, log=log)]
    others = tuple(
        c.description
        for c in grammar.candidates(AgentCode.read(parent), tasks)
        if c.description != wanted
    )
    proposal = CodeProposer("grammar").propose(
        evidence(parent, tasks, others), tmp_path / "draft", random.Random(0), print
    )
    assert proposal.kind == "grammar" and proposal.info["description"] == wanted
    child = proposal.child_dir
    assert swaps(child) == {**swaps(parent), "Add": ["Sub"]}

    own_tests = self_test(child)
    assert own_tests.returncode == 0, own_tests.stdout[-2000:]

    log, source = repair(child, tmp_path)
    assert "outcome: fixed" in log
    assert source == LEDGER["ledger.py"].replace("+ sum(withdrawals)", "- sum(withdrawals)")


def test_weighted_candidates_are_drawn_by_weight_and_uniform_ones_as_before():
    def pool(*weights):
        return [Candidate("t", str(i), lambda: None, w) for i, w in enumerate(weights)]

    rng = random.Random(0)
    picks = [_draw(pool(1.0, 1.0, 98.0), rng) for _ in range(200)]
    assert picks.count(2) > 170
    uniform, reference = random.Random(5), random.Random(5)
    assert [_draw(pool(1.0, 1.0, 1.0), uniform) for _ in range(20)] == [
        reference.randrange(3) for _ in range(20)
    ]
