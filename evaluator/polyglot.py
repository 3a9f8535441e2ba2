"""Aider Polyglot format adapter: all six tracks (C++, Go, Java, JavaScript, Python, Rust).

A checkout holds `<lang>/exercises/practice/<slug>/` with the stub, the tests,
`.docs/instructions*.md` and `.meta/config.json` (`files.solution`, `files.test`,
`files.example`). Aider's rules: the prompt is the exercise's docs plus Aider's own closing
paragraph; the agent sees the stub and the tests (never `.meta/`, which holds the reference
solution); only solution files may change; the tests are the pristine ones when grading; a failed
first try gets a second one with the first 50 lines of the test output appended. Task ids are
`<lang>/<slug>`. How each track runs its tests and reports them: `polyglot_tracks`; the verdict:
`polyglot_grading`. A task passes when every test the test files declare is reported passed and
the control run shows no forgery (docs/integrity.md), never on an exit code alone.

`polyglot:PATH` runs every track found under PATH; `polyglot:PATH#go,rust` a subset of tracks;
`polyglot:PATH#dgm-small` / `#dgm-medium` DGM's named subsets (10 and 50 exercises).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from godelbox.errors import UserError
from godelbox.evaluator.benchmark import GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.patching import allowlist_guard
from godelbox.evaluator.polyglot_grading import grade_polyglot
from godelbox.evaluator.polyglot_tracks import TRACKS, Track
from godelbox.evaluator.results import Grade
from godelbox.evaluator.workspace import commit_snapshot, diff_trees
from godelbox.sandbox.image import POLYGLOT_EXTRA, POLYGLOT_RECIPE, ImageRecipe

PRACTICE = Path("exercises") / "practice"
PROMPT_PARTS = ("introduction.md", "instructions.md", "instructions.append.md")
HIDDEN_DIRS = (".meta", ".docs")

INSTRUCTIONS_ADDENDUM = """
####

Use the above instructions to modify the supplied files: {file_list}
Don't change the names of existing functions or classes, as they may be referenced from other \
code like unit tests, etc.
Only use standard libraries, don't suggest installing any packages.
"""
"""Aider's closing paragraph of every Polyglot prompt."""

TEST_FAILURES = """
####

See the testing errors above.
The tests are correct, don't try and change them.
Fix the code in {file_list} to resolve the errors.
"""
"""Aider's second-try paragraph, after the test output."""

DGM_SUBSETS: dict[str, tuple[str, ...]] = {
    "dgm-small": (
        "go/dominoes", "cpp/all-your-base", "python/dominoes", "java/sgf-parsing",
        "javascript/robot-name", "rust/variable-length-quantity", "python/beer-song",
        "go/book-store", "javascript/bottle-song", "rust/bowling",
    ),
    "dgm-medium": (
        "javascript/queen-attack", "rust/wordy", "python/dot-dsl", "java/satellite",
        "cpp/diamond", "rust/accumulate", "go/error-handling", "cpp/queen-attack", "rust/poker",
        "python/sgf-parsing", "rust/react", "java/ledger", "go/connect", "rust/macros",
        "javascript/triangle", "java/zipper", "java/bowling", "python/tree-building",
        "javascript/say", "java/wordy", "python/food-chain", "javascript/wordy", "python/poker",
        "javascript/grade-school", "cpp/gigasecond", "java/forth", "python/dominoes",
        "go/word-search", "javascript/simple-linked-list", "go/counter", "java/react",
        "javascript/ocr-numbers", "python/scale-generator", "java/go-counting",
        "rust/doubly-linked-list", "python/grade-school", "javascript/forth", "python/wordy",
        "java/mazy-mice", "cpp/bank-account", "python/zipper", "java/custom-set",
        "java/rest-api", "go/transpose", "rust/gigasecond", "rust/say", "go/food-chain",
        "rust/pig-latin", "go/markdown", "go/crypto-square",
    ),
}  # fmt: skip
"""DGM's Polyglot subsets (its `polyglot/subsets/{small,medium}.json`, `lang__slug` there)."""


class PolyglotLayoutError(UserError):
    """The path does not look like an Aider Polyglot checkout."""


@dataclass(frozen=True)
class PolyglotTask:
    exercise_dir: Path
    track: Track
    solution_files: tuple[str, ...]
    test_files: tuple[str, ...]
    example_files: tuple[str, ...]
    image: str | None = None
    """The Polyglot image (every toolchain): the agent and the grader both run there."""

    @property
    def task_id(self) -> str:
        return f"{self.track.name}/{self.exercise_dir.name}"

    @property
    def file_list(self) -> str:
        return " ".join(self.solution_files)

    def problem(self) -> str:
        docs = self.exercise_dir / ".docs"
        text = "".join(
            (docs / name).read_text(encoding="utf-8")
            for name in PROMPT_PARTS
            if (docs / name).is_file()
        )
        return text + INSTRUCTIONS_ADDENDUM.format(file_list=self.file_list)

    def materialize(self, dest: Path) -> None:
        shutil.copytree(
            self.exercise_dir,
            dest,
            symlinks=True,
            ignore=lambda d, names: [
                n for n in names if n in HIDDEN_DIRS and Path(d) == self.exercise_dir
            ],
        )
        commit_snapshot(dest)

    def oracle_patch(self) -> str:
        """The diff from the stubs to `.meta/` (examples pair with solutions in order; a
        track whose reference has fewer files than the solution keeps the rest as they are)."""
        with tempfile.TemporaryDirectory(prefix="godelbox-polyglot-") as tmp:
            before, after = Path(tmp) / "a", Path(tmp) / "b"
            for tree in (before, after):
                self.materialize(tree)
                shutil.rmtree(tree / ".git")
            for solution, example in reference_pairs(self):
                text = (self.exercise_dir / example).read_text(encoding="utf-8")
                if solution == "Cargo.toml":
                    text = offline_manifest(text)
                (after / solution).write_text(text, encoding="utf-8")
            return diff_trees(Path(tmp))


def reference_pairs(task: PolyglotTask) -> list[tuple[str, str]]:
    """(solution file, reference file) pairs. Examples pair with solutions by file name where
    names match (Java: `.meta/src/reference/java/X.java` -> `src/main/java/X.java`), else by
    suffix (Rust's `.meta/example.rs` -> `src/lib.rs`); Rust's `.meta/Cargo-example.toml`, the
    manifest the reference builds with, replaces `Cargo.toml`."""
    by_name = {Path(s).name: s for s in task.solution_files}
    pairs: list[tuple[str, str]] = []
    rest = list(task.solution_files)
    manifest = task.exercise_dir / ".meta" / "Cargo-example.toml"
    if "Cargo.toml" in rest and manifest.is_file():
        rest.remove("Cargo.toml")
        pairs.append(("Cargo.toml", ".meta/Cargo-example.toml"))
    for example in task.example_files:
        solution = by_name.get(Path(example).name)
        if solution is None:
            same_suffix = [s for s in rest if Path(s).suffix == Path(example).suffix]
            solution = same_suffix[0] if same_suffix else None
        if solution is None or solution not in rest:
            continue
        rest.remove(solution)
        pairs.append((solution, example))
    return pairs


def offline_manifest(text: str) -> str:
    """A reference's Cargo manifest for the offline registry: a requirement one of our
    stand-in crates meets (same caret class, e.g. rand `0.3.12` and our rand 0.3.23) is kept;
    any other is widened to `*`, since offline each crate is the one version Debian ships."""
    out, in_deps = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_deps = stripped in ("[dependencies]", "[dev-dependencies]")
        match = re.match(r'^([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"\s*$', stripped)
        if in_deps and match and not _stand_in_meets(match.group(1), match.group(2)):
            line = f'{match.group(1)} = "*"'
        out.append(line)
    return "\n".join(out) + "\n"


def _stand_in_meets(crate: str, requirement: str) -> bool:
    crates = POLYGLOT_EXTRA / "crates"
    for version in (d.name.removeprefix(f"{crate}-") for d in crates.glob(f"{crate}-*")):
        if _caret_class(version) == _caret_class(requirement):
            return True
    return False


def _caret_class(version: str) -> tuple[str, ...]:
    """What a caret requirement keeps fixed: `1.2.3` -> (1,), `0.3.12` -> (0, 3)."""
    parts = version.split(".")
    return tuple(parts[:1]) if parts[0] != "0" else tuple(parts[:2])


def load_exercise(exercise_dir: Path, track: Track, image: str | None = None) -> PolyglotTask:
    config_path = exercise_dir / ".meta" / "config.json"
    try:
        files = json.loads(config_path.read_text(encoding="utf-8"))["files"]
        task = PolyglotTask(
            exercise_dir=exercise_dir,
            track=track,
            solution_files=tuple(files["solution"]),
            test_files=tuple(files["test"]),
            example_files=tuple(files.get("example", ())),
            image=image,
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise PolyglotLayoutError(
            f"{config_path}: expected JSON with files.solution, files.test and files.example "
            f"lists ({type(err).__name__}: {err})"
        ) from None
    if not task.solution_files or not task.test_files:
        raise PolyglotLayoutError(f"{config_path}: files.solution and files.test must be non-empty")
    return task


def find_tracks(root: Path) -> dict[str, Path]:
    """Track name -> practice directory. Accepts the checkout's root, one track's directory
    (`go/`) or a practice directory itself (`go/exercises/practice`)."""
    found = {
        name: root / name / PRACTICE for name in TRACKS if _has_exercises(root / name / PRACTICE)
    }
    if found:
        return found
    if root.name in TRACKS and _has_exercises(root / PRACTICE):
        return {root.name: root / PRACTICE}
    track = root.parent.parent.name
    if track in TRACKS and _has_exercises(root):
        return {track: root}
    raise PolyglotLayoutError(
        f"{root} is not an Aider Polyglot checkout: expected <lang>/{PRACTICE}/<slug>/"
        f".meta/config.json for a language among {', '.join(TRACKS)}"
    )


def _has_exercises(practice: Path) -> bool:
    return practice.is_dir() and any(practice.glob("*/.meta/config.json"))


@dataclass
class PolyglotBenchmark:
    name: str
    task_list: list[PolyglotTask]
    max_tries: int = 2
    batch_size: int = 1
    recipe: ImageRecipe = POLYGLOT_RECIPE
    """The image every task runs in; `godelbox eval` builds it when missing."""
    control: bool = True
    """Grade untrusted answers with a control run (docs/integrity.md). Off only to measure
    what the control costs (bench/integrity.py)."""

    def tasks(self) -> list[Task]:
        return list(self.task_list)

    def grade(self, ctx: EvalContext, items: Sequence[GradeItem]) -> list[Grade]:
        grades = []
        for item in items:
            task = item.task
            assert isinstance(task, PolyglotTask)
            grades.append(
                grade_polyglot(
                    ctx,
                    task.track,
                    item.workspace,
                    item.solution.patch,
                    slug=task.exercise_dir.name,
                    guard=allowlist_guard(task.solution_files),
                    test_files=task.test_files,
                    image=task.image or self.recipe.tag,
                    control=self.control,
                )
            )
        return grades

    def retry_problem(self, task: Task, grade: Grade) -> str | None:
        """Aider's second try: the first prompt, then the test errors and its instruction."""
        assert isinstance(task, PolyglotTask)
        return f"{task.problem()}\n{grade.feedback}\n" + TEST_FAILURES.format(
            file_list=task.file_list
        )


def polyglot_benchmark(root: Path, tries: int = 2, select: str = "") -> PolyglotBenchmark:
    """`select`: comma-separated track names, or a DGM subset name (see the module doc)."""
    tracks = find_tracks(root)
    wanted = [s.strip() for s in select.split(",") if s.strip()]
    subset: set[str] | None = None
    if len(wanted) == 1 and wanted[0] in DGM_SUBSETS:
        subset = set(DGM_SUBSETS[wanted[0]])
        wanted = sorted({task_id.split("/")[0] for task_id in subset})
    unknown = [w for w in wanted if w not in TRACKS]
    if unknown:
        raise PolyglotLayoutError(
            f"unknown Polyglot track or subset {', '.join(unknown)}; use track names "
            f"({', '.join(TRACKS)}) or one of {', '.join(DGM_SUBSETS)}"
        )
    missing = [w for w in wanted if w not in tracks]
    if missing:
        raise PolyglotLayoutError(f"{root} has no {', '.join(missing)} track")
    image = POLYGLOT_RECIPE.tag
    tasks = [
        load_exercise(path, TRACKS[name], image)
        for name, practice in tracks.items()
        if not wanted or name in wanted
        for path in sorted(practice.iterdir())
        if (path / ".meta" / "config.json").is_file()
    ]
    if subset is not None:
        tasks = [t for t in tasks if t.task_id in subset]
        absent = sorted(subset - {t.task_id for t in tasks})
        if absent:
            raise PolyglotLayoutError(f"{root} lacks exercises of the subset: {', '.join(absent)}")
    suffix = f"#{select}" if select else ""
    return PolyglotBenchmark(name=f"polyglot:{root}{suffix}", task_list=tasks, max_tries=tries)
