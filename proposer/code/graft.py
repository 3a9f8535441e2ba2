"""Grafting: the parent receives a change that paid elsewhere in the archive.

A graft source is an archive member that scored above its own parent (`ParentEvidence.grafts`,
the largest gains first, none the parent descends from). Its change, the difference between
its parent's code and its own, is merged into the parent's code file by file, three ways (the
source's parent is the base), so the change lands where the parent's text still matches and a
conflict drops the graft. Why: a short run finds one or two changes that beat their parent,
usually on different branches; crossover joins two agents gene by gene with a coin flip, a
graft carries exactly the change that paid. Two changes that each added an element to one list
literal (two new operators on the `MUTATORS` line) are merged as ordered sets, not dropped as a
text conflict. Sources are drawn in proportion to their gain;
the loop offers only those that could make the parent the new best
(`godelbox.loop.proposing.leads`).
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from godelbox.proposer.base import Graft
from godelbox.proposer.code import conflicts
from godelbox.proposer.code.source import AgentCode, Candidate, compiles

KIND = "graft"
SOURCE = "graft_source"
"""The proposal field naming the node whose change a graft carried: the loop follows these
links to tell a graft of a graft from a new change (`godelbox.loop.planning`)."""
MERGE_TIMEOUT_S = 30.0


def candidates(
    agent: AgentCode, grafts: tuple[Graft, ...], tried: tuple[str, ...] = ()
) -> list[Candidate]:
    """One candidate per change that merges cleanly into `agent` and changes it. Merges run
    here, not when drawn, so that two sources carrying the same change (a graft of a graft)
    are offered once, and a change an earlier child of this parent already received (its
    digest is in a `tried` description) not again: evaluating it twice learns nothing."""
    out = []
    seen: set[str] = set()
    for graft in sorted(grafts, key=lambda g: (-g.gain, g.node_id)):
        before = AgentCode.read(graft.before_dir)
        after = AgentCode.read(graft.after_dir)
        changed = _changed(before, after)
        files = _merged(agent, before, after, changed)
        if not files:
            continue
        digest = _digest(files)
        if digest in seen or any(f"[{digest}]" in line for line in tried):
            continue
        seen.add(digest)
        description = (
            f"graft node {graft.node_id}'s change (+{graft.gain:.3f} over its parent) "
            f"[{digest}]: " + ", ".join(changed)
        )
        facts = {SOURCE: graft.node_id}
        out.append(Candidate(KIND, description, _given(files), weight=graft.gain, facts=facts))
    return out


def lands(agent_dir: Path, before_dir: Path, after_dir: Path) -> bool:
    """Whether the change from the tree at `before_dir` to the one at `after_dir` merges into
    the agent at `agent_dir` and changes it: False when the agent holds it already (made the
    same edit itself) or it conflicts. Only text is merged; nothing runs."""
    before, after = AgentCode.read(before_dir), AgentCode.read(after_dir)
    return bool(_merged(AgentCode.read(agent_dir), before, after, _changed(before, after)))


def _changed(before: AgentCode, after: AgentCode) -> list[str]:
    """The modules a change wrote: new in `after`, or with other text than in `before`."""
    return sorted(
        path
        for path, module in after.modules.items()
        if path not in before.modules or before.modules[path].text != module.text
    )


def _given(files: dict[str, str]) -> Callable[[], dict[str, str] | None]:
    return lambda: files


def _digest(files: dict[str, str]) -> str:
    """What the child's changed files will hold, in twelve hex digits."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return h.hexdigest()[:12]


def _merged(
    agent: AgentCode, before: AgentCode, after: AgentCode, changed: list[str]
) -> dict[str, str] | None:
    """The files of `agent` the change rewrites, merged; None when it conflicts, a side
    dropped a module of it, or the result does not compile; {} when `agent` holds it."""
    files = {}
    for path in changed:
        theirs = after.modules[path].text
        base = before.modules[path].text if path in before.modules else None
        mine = agent.modules[path].text if path in agent.modules else None
        if mine == theirs:
            continue
        if mine is None or base is None:
            if base is not None or mine is not None:
                return None  # one side dropped, or wrote otherwise, a module of the change
            files[path] = theirs
            continue
        merged = theirs if mine == base else _merge(mine, base, theirs)
        if merged is None:
            return None
        if merged != mine:
            files[path] = merged
    if files and not compiles(files):
        return None
    return files


def _merge(mine: str, base: str, theirs: str) -> str | None:
    """`git merge-file` of the three texts (only text is merged, nothing runs); a conflict
    between two edits of one list literal is resolved as an ordered set (`conflicts`), and
    None is returned for any other."""
    with tempfile.TemporaryDirectory(prefix="godelbox-graft-") as tmp:
        paths = []
        for name, text in (("mine", mine), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        try:
            done = subprocess.run(
                ["git", "merge-file", "-p", "-q", "--diff3", *paths],
                capture_output=True,
                timeout=MERGE_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None
    merged = done.stdout.decode("utf-8", errors="replace")
    if done.returncode == 0:
        return merged
    # git merge-file exits with the number of conflicts (capped at 127), negative on errors.
    if not 0 < done.returncode < 128 or any(map(conflicts.has_markers, (mine, base, theirs))):
        return None
    return conflicts.resolve(merged)
