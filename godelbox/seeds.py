"""The seed agent of a run, chosen by the mode (offline or with models) and the benchmark.

| benchmark          | offline                   | with models        |
|--------------------|---------------------------|--------------------|
| coding             | `repair`                  | `coder`            |
| web (`miniwob:`)   | `webrules`                | `web`              |
| coding and web     | `repair+webrules`         | `coder+web`        |

A combined kind ("a+b") is one agent directory: the dispatcher of `godelbox/combined_agent`
(its run.py picks a part by contract) with the coding seed under `coding/` and the web seed under
`web/`. It is assembled once per content into the build cache, so its tree (and the seed's
commit) is the same on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from pathlib import Path

from godelbox.evaluator.bench_spec import is_coding, is_web
from godelbox.paths import seed_agent_dir

COMBINED = Path(__file__).resolve().parent / "combined_agent"
CODING_PART = "coding"
WEB_PART = "web"


def seed_kind(spec: str, offline: bool) -> str:
    coding = "repair" if offline else "coder"
    web = "webrules" if offline else "web"
    if is_web(spec) and is_coding(spec):
        return f"{coding}+{web}"
    return web if is_web(spec) else coding


def seed_dir(kind: str) -> Path:
    """The directory of seed `kind`: an agents/ directory, or the assembled combined agent."""
    if "+" not in kind:
        return seed_agent_dir(kind)
    coding, web = kind.split("+")
    parts = {CODING_PART: seed_agent_dir(coding), WEB_PART: seed_agent_dir(web)}
    from godelbox.sandbox.image import cache_dir

    dest = cache_dir() / "seeds" / f"{kind}-{_digest([COMBINED, *parts.values()])}"
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=dest.parent))
    tree = building / "agent"
    _copy(COMBINED, tree)
    for name, source in parts.items():
        _copy(source, tree / name)
    with contextlib.suppress(OSError):  # another process built it first
        tree.rename(dest)
    shutil.rmtree(building, ignore_errors=True)
    return dest


def _copy(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))


def _digest(roots: list[Path]) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or ".pytest_cache" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
