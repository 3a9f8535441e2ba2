"""No import cycle between godelbox's top-level packages.

The layering (ground → archive/sandbox → llm/evaluator → proposer → loop → views → tui/cli) is
what lets a reader find a concept from folder names alone and change one layer without the one
below. This test walks every import statement of every host module, at module level and inside
functions (a deferred import is still a dependency), and fails with the imports that close a
cycle. Top-level packages are `godelbox.<name>` packages; the modules directly in `godelbox/`
(config, errors, trash, ...) are the ground everything stands on, one node named `godelbox`.
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = {"godelbox.__main__": "godelbox.cli"}
"""`python -m godelbox` is the CLI's entry point, not part of the ground."""

Sites = dict[tuple[str, str], list[str]]


def package_dirs(root: Path) -> dict[str, Path]:
    """Dotted package -> folder, as pyproject's package-dir installs them."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = pyproject["tool"]["setuptools"]["package-dir"]
    return {package: root / folder for package, folder in mapping.items()}


def host_modules(root: Path) -> dict[str, Path]:
    """Every importable module: a .py file whose folders, from its package's root down, are all
    packages. Data copied into sandboxes (task snapshots, templates, the gateway client, the
    MiniWoB driver) lives in plain folders and is not the host's code."""
    found: dict[str, Path] = {}
    for package, folder in package_dirs(root).items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).parts
            dirs = [folder.joinpath(*parts[:i]) for i in range(1, len(parts))]
            if not all((d / "__init__.py").is_file() for d in dirs):
                continue
            names = [p for p in (*parts[:-1], path.stem) if p != "__init__"]
            found[".".join([package, *names])] = path
    return found


def imports_of(module: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(imported godelbox module, line) for every import in the file, wherever it is."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule if submodule in known else base), node.lineno


def top_level(module: str, packages: set[str]) -> str:
    if module in ENTRY_POINTS:
        return ENTRY_POINTS[module]
    parts = module.split(".")
    if len(parts) >= 2 and ".".join(parts[:2]) in packages:
        return ".".join(parts[:2])
    return parts[0]


def package_graph(root: Path) -> tuple[nx.DiGraph, Sites]:
    modules = host_modules(root)
    known = set(modules)
    packages = {m for m, p in modules.items() if p.name == "__init__.py" and m.count(".") == 1}
    graph: nx.DiGraph = nx.DiGraph()
    sites: Sites = defaultdict(list)
    for module, path in modules.items():
        source = top_level(module, packages)
        graph.add_node(source)
        for target_module, line in imports_of(module, path, known):
            if target_module.split(".")[0] != "godelbox":
                continue
            target = top_level(target_module, packages)
            if target != source:
                graph.add_edge(source, target)
                rel = path.relative_to(root)
                sites[(source, target)].append(f"{rel}:{line} imports {target_module}")
    return graph, sites


def cycles(graph: nx.DiGraph, sites: Sites) -> list[str]:
    """Each strongly connected group of packages, with the imports that tie it together."""
    out = []
    for group in nx.strongly_connected_components(graph):
        if len(group) > 1:
            edges = [e for e in graph.subgraph(group).edges]
            lines = [f"  {a} -> {b}: {'; '.join(sites[(a, b)][:3])}" for a, b in sorted(edges)]
            out.append(f"cycle among {sorted(group)}:\n" + "\n".join(lines))
    return out


def test_no_import_cycle_between_top_level_packages() -> None:
    graph, sites = package_graph(ROOT)
    found = cycles(graph, sites)
    assert not found, "\n".join(found)


def test_the_walk_sees_every_layer_and_deferred_imports() -> None:
    """The walk must see the code it judges: every top-level package, and the function-level
    imports that a module-level walk would miss (else the test above could pass vacuously)."""
    graph, sites = package_graph(ROOT)
    assert {
        "godelbox",
        "godelbox.archive",
        "godelbox.sandbox",
        "godelbox.llm",
        "godelbox.evaluator",
        "godelbox.proposer",
        "godelbox.loop",
        "godelbox.views",
        "godelbox.tui",
        "godelbox.cli",
    } <= set(graph.nodes)
    assert graph.has_edge("godelbox.loop", "godelbox.archive")
    assert graph.has_edge("godelbox.llm", "godelbox.sandbox")
    # `check_models` imports the LLM client inside the function, not at module level.
    assert any("setup.py" in site for site in sites[("godelbox.loop", "godelbox.llm")])
    assert any(
        "imports godelbox.proposer.dgm" in site
        for site in sites[("godelbox.loop", "godelbox.proposer")]
    )


def test_a_cycle_through_a_deferred_import_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools.package-dir]\n"godelbox" = "godelbox"\n"godelbox.store" = "store"\n'
    )
    for folder in ("godelbox", "godelbox/views", "store"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "godelbox" / "views" / "show.py").write_text("from godelbox.store import db\n")
    (tmp_path / "store" / "db.py").write_text(
        "def render():\n    from godelbox.views import show\n    return show\n"
    )
    (tmp_path / "store" / "data").mkdir()  # a plain folder: copied somewhere, never imported
    (tmp_path / "store" / "data" / "agent.py").write_text("import godelbox.views.show\n")

    graph, sites = package_graph(tmp_path)
    found = cycles(graph, sites)

    assert len(found) == 1
    assert "['godelbox.store', 'godelbox.views']" in found[0]
    assert "store/db.py:2 imports godelbox.views.show" in found[0]
    assert "agent.py" not in found[0]
