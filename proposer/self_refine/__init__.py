"""SELF (c): answer, self-feedback, refinement; keep refinements the evaluator scores higher."""
