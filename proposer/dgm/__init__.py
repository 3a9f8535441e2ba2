"""The DGM self-improvement step: diagnose a parent's failure, let an agent change its own code."""

from godelbox.proposer.dgm.proposer import DGMProposer

__all__ = ["DGMProposer"]
