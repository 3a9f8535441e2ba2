"""Proposals that edit an agent's Python source directly: parameter changes, AST mutations,
recombination of its functions and crossover with another archive member (see each module).

from godelbox.proposer.code import CodeProposer
proposal = CodeProposer("ast").propose(parent_evidence, workdir, rng, on_llm_call)
"""

from godelbox.proposer.code.proposer import LISTERS, CodeProposer

__all__ = ["LISTERS", "CodeProposer"]
