"""Scoring the judge against ground truth: agreement rate and confusion matrix.

Only attempts with both a verdict and a ground truth count; a judge error is counted apart (it
is neither agreement nor disagreement, but a judge that errs often is not usable either, so the
errors count against the flag: agreement is computed over verdicts, and the judge is flagged when
agreement is below the minimum or when more than half of the attempts got no verdict).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditResult:
    judged: int
    judge_errors: int
    true_pos: int
    false_pos: int
    false_neg: int
    true_neg: int
    min_agreement: float

    @property
    def agreement(self) -> float | None:
        if not self.judged:
            return None
        return (self.true_pos + self.true_neg) / self.judged

    @property
    def flagged(self) -> bool:
        agreement = self.agreement
        if agreement is not None and agreement < self.min_agreement:
            return True
        return self.judge_errors > 0 and self.judge_errors >= self.judged

    def describe(self) -> str:
        if self.agreement is None:
            text = "judge audit: no attempt has both a verdict and a ground truth"
            return f"{text} ({self.judge_errors} judge errors)"
        text = (
            f"judge agreement {self.agreement:.2f} over {self.judged} attempts "
            f"(TP {self.true_pos}, FP {self.false_pos}, FN {self.false_neg}, "
            f"TN {self.true_neg}; {self.judge_errors} judge errors)"
        )
        if self.flagged:
            text += (
                f": BELOW pae.judge_min_agreement = {self.min_agreement:.2f}, do not trust "
                "this judge's labels (use a stronger models.judge)"
            )
        return text


def audit(pairs: Iterable[tuple[bool | None, bool | None]], min_agreement: float) -> AuditResult:
    """`pairs` are (judge verdict, ground truth); None means missing. Attempts without ground
    truth are left out entirely; those with ground truth but no verdict are judge errors."""
    tp = fp = fn = tn = errors = 0
    for verdict, truth in pairs:
        if truth is None:
            continue
        if verdict is None:
            errors += 1
        elif verdict and truth:
            tp += 1
        elif verdict:
            fp += 1
        elif truth:
            fn += 1
        else:
            tn += 1
    return AuditResult(tp + fp + fn + tn, errors, tp, fp, fn, tn, min_agreement)
