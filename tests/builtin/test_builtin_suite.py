"""The built-in suite is sound: every task's gold patch resolves it and the empty patch does not,
the splits and bug classes are spread as docs/evaluation.md says, and snapshots hash
reproducibly."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from godelbox.errors import UserError
from godelbox.evaluator.builtin import SnapshotMismatchError, load_builtin, materialize
from tests.builtin.builtin_checks import apply_patch, patched_paths, verify_all, verify_task

BUG_CLASSES = {
    "off_by_one",
    "wrong_comparison",
    "wrong_boolean",
    "missing_negation",
    "wrong_constant",
    "swapped_args",
    "wrong_arithmetic",
    "string_handling",
    "missing_edge_case",
    "exception_not_raised",
    "wrong_return",
    "wrong_index",
}


@pytest.mark.slow  # make unit leaves it out (see the Makefile)
def test_every_task_is_resolved_by_gold_and_not_by_empty_patch():
    failures = verify_all(load_builtin("all"))
    assert failures == {}


def test_split_sizes_and_bug_class_spread():
    dev, heldout = load_builtin("dev"), load_builtin("heldout")
    assert len(dev) + len(heldout) == len(load_builtin("all")) >= 44
    # About two thirds for evolution, one third never shown to the loop.
    assert 0.6 <= len(dev) / (len(dev) + len(heldout)) <= 0.72
    overall = Counter(t.metadata["bug_class"] for t in dev + heldout)
    assert overall == dict.fromkeys(BUG_CLASSES, 4), "docs/evaluation.md: every class has 4 tasks"
    for tasks in (dev, heldout):
        spread = Counter(t.metadata["bug_class"] for t in tasks)
        assert set(spread) == BUG_CLASSES, "every bug class appears in both splits"
        assert max(spread.values()) <= 2 * min(spread.values()) + 1


def test_problem_statement_styles_match_documented_mix():
    tasks = load_builtin("all")
    fenced = sum("```python" in t.problem_statement for t in tasks)
    doctest = sum(">>> " in t.problem_statement and "```" not in t.problem_statement for t in tasks)
    assert fenced / len(tasks) >= 0.65
    assert doctest >= 4
    assert len(tasks) - fenced - doctest >= 3, "some issues are prose only"


def test_tasks_are_ordered_and_ids_unique():
    ids = [t.instance_id for t in load_builtin("all")]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_hidden_tests_are_not_in_the_snapshot():
    for task in load_builtin("all"):
        snapshot = "".join(
            p.read_text()
            for p in sorted(task.workspace.rglob("test_*.py"))  # type: ignore[union-attr]
        )
        for test_id in task.FAIL_TO_PASS:
            name = test_id.split("::")[-1].split("[")[0]
            assert f"def {name}(" not in snapshot, f"{task.instance_id}: {name} is visible"


def test_materialize_is_deterministic(tmp_path: Path):
    task = load_builtin("dev")[0]
    first = materialize(task, tmp_path / "one")
    second = materialize(task, tmp_path / "two")
    assert first == second == task.base_commit


def test_materialize_detects_edited_snapshot(tmp_path: Path):
    task = load_builtin("dev")[0]
    copy = tmp_path / "snapshot"
    materialize(task, copy)
    (copy / patched_paths(task.patch)[0]).write_text("# edited\n")
    edited = replace(task, workspace=copy)
    with pytest.raises(SnapshotMismatchError):
        materialize(edited, tmp_path / "out")


def test_gold_patch_applies_to_materialized_repo(tmp_path: Path):
    task = load_builtin("heldout")[0]
    materialize(task, tmp_path / "repo")
    apply_patch(tmp_path / "repo", task.patch)


def test_unknown_split_is_a_user_error():
    with pytest.raises(UserError, match="dev, heldout, seen, unseen or all"):
        load_builtin("train")  # type: ignore[arg-type]


def test_materialize_refuses_non_empty_destination(tmp_path: Path):
    (tmp_path / "junk").write_text("x")
    with pytest.raises(UserError, match="not empty"):
        materialize(load_builtin("dev")[0], tmp_path)


NOOP_PATCH = """diff --git a/NOTES.md b/NOTES.md
new file mode 100644
index 0000000..3b18e51
--- /dev/null
+++ b/NOTES.md
@@ -0,0 +1 @@
+hello world
"""


def test_checker_rejects_a_patch_that_fixes_nothing():
    task = load_builtin("dev")[0]
    problems = verify_task(replace(task, patch=NOOP_PATCH))
    assert any("gold patch does not resolve it" in p for p in problems)


def test_checker_rejects_fail_to_pass_that_already_passes():
    task = load_builtin("heldout")[0]
    problems = verify_task(replace(task, FAIL_TO_PASS=task.PASS_TO_PASS[:1]))
    assert any("pass before the fix" in p for p in problems)


def test_class_split_partitions_the_suite_by_bug_class():
    from godelbox.evaluator.builtin import UNSEEN_CLASSES

    seen, unseen = load_builtin("seen"), load_builtin("unseen")
    everything = {t.instance_id for t in load_builtin("all")}
    assert {t.instance_id for t in seen} | {t.instance_id for t in unseen} == everything
    assert not {t.instance_id for t in seen} & {t.instance_id for t in unseen}
    assert Counter(t.metadata["bug_class"] for t in unseen) == dict.fromkeys(UNSEEN_CLASSES, 4)
    assert not {t.metadata["bug_class"] for t in seen} & set(UNSEEN_CLASSES)
