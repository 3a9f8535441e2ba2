"""Offline proposals for a combined agent (coding/ and web/ parts, see godelbox.seeds): each
child changes one part, with that part's own proposer and the evidence of that part's tasks.

The part is drawn with weights 1 + the number of its failed tasks, so the part that fails more
is edited more often, yet neither is ever starved. A child's description is prefixed with its
part ("web: add rule ..."), and each part's proposer sees only its own earlier changes.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Mapping
from pathlib import Path

from godelbox.proposer.base import LLMCallSink, ParentEvidence, Proposal, Proposer, TaskEvidence


def part_of(task: TaskEvidence) -> str:
    return "web" if task.episode is not None else "coding"


class CombinedProposer:
    kind = "combined"

    def __init__(self, parts: Mapping[str, Proposer]) -> None:
        self.parts = dict(parts)

    def propose(
        self,
        parent: ParentEvidence,
        workdir: Path,
        rng: random.Random,
        on_llm_call: LLMCallSink,
    ) -> Proposal:
        names = sorted(self.parts)
        failed = {n: sum(1 for t in parent.tasks if part_of(t) == n and t.outcome != "resolved")
                  for n in names}  # fmt: skip
        part = rng.choices(names, weights=[1 + failed[n] for n in names])[0]
        prefix = f"{part}: "
        evidence = ParentEvidence(
            node_id=parent.node_id,
            agent_dir=parent.agent_dir / part,
            score=parent.score,
            tasks=[t for t in parent.tasks if part_of(t) == part],
            tried=tuple(d[len(prefix) :] for d in parent.tried if d.startswith(prefix)),
        )
        (workdir / part).mkdir(parents=True)
        made = self.parts[part].propose(evidence, workdir / part, rng, on_llm_call)
        child = workdir / "child"
        shutil.copytree(parent.agent_dir, child, ignore=shutil.ignore_patterns(".git"))
        shutil.rmtree(child / part)
        shutil.copytree(made.child_dir, child / part)
        info = {**made.info, "part": part}
        if "description" in info:
            info["description"] = prefix + str(info["description"])
        if "changed_files" in info:
            info["changed_files"] = [f"{part}/{f}" for f in info["changed_files"]]
        return Proposal(child_dir=child, kind=f"{self.kind}:{made.kind}", info=info)
