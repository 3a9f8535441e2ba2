"""The README and docs/ stay short, true to the tree and current with the code.

A newcomer reads the README first and follows its links; a path that no longer exists, a page
that was never written or a settings table that lags the config models sends them
the wrong way. Fast and docker-free: it reads files only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from godelbox.config_reference import render

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_MAX_LINES = 200
# Generated or local-only directories: a path into them is no claim about the repository.
NOT_SOURCE = {".git", ".venv", "node_modules", "runs", "__pycache__"}
ROOT_FILES = {"Makefile", "pyproject.toml", "README.md"}

_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_UPPER_DOC = re.compile(r"^[A-Z][A-Z0-9_-]*\.md$")
_PLACEHOLDER = re.compile(r"[<>*{}$~|=\[\]]")


def doc_files() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """Lines outside fenced code blocks (examples there name placeholders, not files)."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            lines.append((number, line))
    return lines


def top_level_dirs(root: Path) -> set[str]:
    return {
        p.name
        for p in root.iterdir()
        if p.is_dir() and p.name not in NOT_SOURCE and not p.name.endswith(".egg-info")
    }


def path_candidate(token: str, top: set[str]) -> str | None:
    """The repository path a code span names, or None when it is not one (a command, a
    placeholder such as RUN_DIR/x, a path inside a sandbox or an exercise)."""
    token = token.lstrip("(['\"").rstrip(")],;:.'\"")
    token = re.sub(r"(\.py):\w+$", r"\1", token)  # `module.py:Name`
    if not token or token.startswith("/") or _PLACEHOLDER.search(token):
        return None
    if token in ROOT_FILES or _UPPER_DOC.match(token):
        return token
    first = token.split("/", 1)[0]
    if "/" in token and first in top:
        return token
    return None


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {
        slug(line.lstrip("#"))
        for _, line in prose_lines(path.read_text(encoding="utf-8"))
        if line.startswith("#")
    }


def dangling(path: Path, root: Path) -> list[str]:
    """Every link, anchor or backticked repository path in `path` that does not resolve."""
    top = top_level_dirs(root)
    problems = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        where = f"{path.relative_to(root)}:{number}"
        for target in _LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            resolved = (path.parent / file) if file else path
            if not resolved.exists():
                problems.append(f"{where}: link to missing {file}")
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                problems.append(f"{where}: no heading #{anchor} in {file or path.name}")
        for _, span in _CODE_SPAN.findall(_LINK.sub("", line)):
            for token in span.split():
                candidate = path_candidate(token, top)
                if candidate and not (root / candidate).exists():
                    problems.append(f"{where}: `{candidate}` does not exist")
    return problems


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize("page", doc_files(), ids=lambda p: p.name)
def test_no_dangling_references(page: Path) -> None:
    assert dangling(page, ROOT) == []


def test_readme_links_every_docs_page() -> None:
    readme = README.read_text(encoding="utf-8")
    unlinked = [p.name for p in (ROOT / "docs").glob("*.md") if f"(docs/{p.name}" not in readme]
    assert unlinked == []


def test_configuration_reference_is_current() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/configuration.md is out of date: python -m godelbox.config_reference "
        "-o docs/configuration.md"
    )


def test_reference_names_every_setting() -> None:
    page = render()
    for key in ("`warm_pool`", "`run_budget_usd`", "[[evaluation.stages]]", "[models.<role>]"):
        assert key in page


def test_checker_finds_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "real.py").write_text("")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Title\n\n"
        "See [the other page](other.md), [here](#title) and [there](#nowhere).\n"
        "Run `python bench/real.py` and `bench/gone.py`; read `MISSING.md`.\n"
        "Not paths: `RUN_DIR/archive.db`, `/work/repo`, `<lang>/exercises/`, `config.py`.\n"
        "```\nbench/inside_a_fence.py\n```\n"
    )
    assert dangling(page, tmp_path) == [
        "docs/page.md:3: link to missing other.md",
        "docs/page.md:3: no heading #nowhere in page.md",
        "docs/page.md:4: `bench/gone.py` does not exist",
        "docs/page.md:4: `MISSING.md` does not exist",
    ]
