"""`godelbox plot`: real PNG and SVG files, and the numbers and layout behind them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from godelbox.archive import events
from godelbox.archive.models import NodeStatus
from godelbox.cli import app
from godelbox.views.plot import build_graph, layered_layout, progress_series
from godelbox.views.reader import ArchiveReader
from godelbox.views.synthetic_archive import (
    TASKS,
    BuiltArchive,
    add_child,
    add_seed,
    evaluate,
    mutate,
    new_run,
    seed_source,
)


def test_plot_writes_valid_png_and_svg(generated_archive: BuiltArchive, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plot", str(generated_archive.run_dir), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["progress.png", "progress.svg", "tree.png", "tree.svg"]
    for png in ("progress.png", "tree.png"):
        with Image.open(tmp_path / png) as image:
            image.verify()
            assert image.format == "PNG" and image.size[0] > 300 and image.size[1] > 200
    for svg in ("progress.svg", "tree.svg"):
        root = ET.parse(tmp_path / svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert f"best #{generated_archive.best_id}" in (tmp_path / "tree.svg").read_text()


def test_progress_series_is_running_best_and_mean(generated_archive: BuiltArchive) -> None:
    reader = ArchiveReader.open(generated_archive.run_dir)
    try:
        series = progress_series(reader.all_summaries())
    finally:
        reader.close()
    evaluated = [
        n
        for n in sorted(generated_archive.nodes.values(), key=lambda n: n.id)
        if n.status is NodeStatus.EVALUATED
    ]
    scores = [n.score or 0.0 for n in evaluated]
    assert len(series.x) == len(evaluated)
    assert list(series.x) == [n.id for n in evaluated]  # ids are 1..N in creation order
    for i, (best, mean) in enumerate(zip(series.best, series.mean, strict=True)):
        assert best == max(scores[: i + 1])
        assert abs(mean - sum(scores[: i + 1]) / (i + 1)) < 1e-12


def test_layered_layout_centres_parents_and_layers_by_depth(
    generated_archive: BuiltArchive,
) -> None:
    reader = ArchiveReader.open(generated_archive.run_dir)
    try:
        graph = build_graph(reader.all_summaries())
    finally:
        reader.close()
    pos = layered_layout(graph)
    assert pos == layered_layout(graph), "the layout is deterministic"
    leaves = sorted(x for n, (x, _) in pos.items() if graph.children_count(n) == 0)
    assert leaves == [float(i) for i in range(len(leaves))], "leaves never overlap"
    for node, (x, y) in pos.items():
        assert y == -graph.depth(node)
        children = list(graph.g.successors(node))
        if children:
            assert abs(x - sum(pos[c][0] for c in children) / len(children)) < 1e-9


def test_progress_follows_the_loops_generations(tmp_path: Path) -> None:
    """Events interleaved as the loop writes them: seed, then per generation `planned`, the
    children, `finished`. x = generation (0 = the seed alone)."""
    resolved_by_generation = {1: [{"parse-dates"}, set()], 2: [set(TASKS), {"lru-cache"}]}
    archive = new_run(tmp_path / "run")
    with archive:
        archive.append_event(events.DAEMON_STARTED)
        seed = add_seed(archive, seed_source())
        evaluate(archive, seed, set())
        plans = [seed]
        for generation, resolved_sets in resolved_by_generation.items():
            archive.append_event(
                events.GENERATION_PLANNED, payload={"generation": generation, "parents": [1]}
            )
            for index, resolved in enumerate(resolved_sets):
                child = add_child(
                    archive, seed, mutate(seed.source, index, generation), {"diagnosis": "d"}
                )
                evaluate(archive, child, resolved)
                plans.append(child)
            archive.append_event(events.GENERATION_FINISHED, payload={"generation": generation})
        archive.append_event(events.DAEMON_STOPPED, payload={"active_s": 42.0, "reason": "done"})
    reader = ArchiveReader.open(tmp_path / "run")
    try:
        series = progress_series(reader.all_summaries(), reader.generations())
        progress = reader.progress(reader.best())
    finally:
        reader.close()
    assert series.x_label == "generation" and series.x == (0, 1, 2)
    for index, upto in enumerate((1, 3, 5)):
        scores = [p.score or 0.0 for p in plans[:upto]]
        assert series.best[index] == max(scores)
        assert abs(series.mean[index] - sum(scores) / len(scores)) < 1e-12
    assert series.best == (0.0, plans[1].score, 1.0)
    assert progress.generations == 2
    assert progress.daemon_active_s == 42.0
    assert progress.daemon_state == "daemon stopped: done"
