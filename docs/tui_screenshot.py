"""Regenerate docs/tui.svg: the archive TUI on a run's archive, cursor on the best node.

    .venv/bin/python docs/tui_screenshot.py RUN_DIR     # a real run's archive
    .venv/bin/python docs/tui_screenshot.py             # a generated 60-node archive

The generated archive is the one the view tests use (real Archive API, real git commits), so the
picture is honest about the layout; replace it with a real run's once one exists.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for godelbox.views.synthetic_archive when run as a script

from godelbox.tui.app import ArchiveApp  # noqa: E402
from godelbox.views.node_diffs import NodeDiffs  # noqa: E402
from godelbox.views.reader import ArchiveReader  # noqa: E402


async def screenshot(run_dir: Path, out: Path, size: tuple[int, int]) -> None:
    reader = ArchiveReader.open(run_dir)
    try:
        app = ArchiveApp(reader, NodeDiffs.for_run(reader), refresh_s=0)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.press("b")
            await pilot.pause()
            app.save_screenshot(out.name, str(out.parent))
    finally:
        reader.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "tui.svg")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="godelbox-shot-") as tmp:
        run_dir = args.run_dir
        if run_dir is None:
            from godelbox.views.synthetic_archive import build_archive

            run_dir = build_archive(
                Path(tmp) / "run", n_nodes=60, seed=11, name="generated demo archive"
            ).run_dir
        asyncio.run(screenshot(run_dir, args.output, (150, 44)))
    print(args.output)


if __name__ == "__main__":
    main()
