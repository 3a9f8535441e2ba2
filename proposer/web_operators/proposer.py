"""The offline proposer of web agents: one transformation from `WEB_CATALOGUE`, drawn by the
same weighted, deterministic rule as the repair agent's operators, with evidence read from
the parent's episodes (how each failed episode ended, from its readable log)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from godelbox.proposer.base import TaskEvidence
from godelbox.proposer.operators.proposer import Evidence, OperatorProposer
from godelbox.proposer.web_operators.catalogue import WEB_CATALOGUE

ENDED = re.compile(r"^episode \S+: ended (\w+)", re.MULTILINE)


def web_evidence(tasks: Iterable[TaskEvidence]) -> Evidence:
    """Failed episodes by kind: `no_rule` (the agent found no rule and gave up), `stuck` (it
    used up its steps), `wrong` (it acted and MiniWoB ended the episode unrewarded), else how
    it ended (timeout, error, ...)."""
    failures: Counter[str] = Counter()
    for task in tasks:
        if task.outcome == "resolved":
            continue
        ended = ENDED.search(task.log)
        if "no rule applies" in task.log:
            kind = "no_rule"
        elif ended and ended.group(1) == "step_limit":
            kind = "stuck"
        elif ended and ended.group(1) == "terminated":
            kind = "wrong"
        else:
            kind = ended.group(1) if ended else task.outcome
        failures[kind] += 1
    return Evidence(failures)


def web_operator_proposer() -> OperatorProposer:
    """The `godelbox.proposer.base.Proposer` of offline web runs."""
    return OperatorProposer(WEB_CATALOGUE, web_evidence, kind="web-operator")
