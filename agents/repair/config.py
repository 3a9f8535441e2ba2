"""Every tunable choice of the repair agent, as plain constants.

This file is the agent's genome: the offline proposer (godelbox.proposer.operators) evolves the
agent by editing these assignments and by adding modules under mutators/ and extractors/, so keep
each value a literal on one line (the operators rewrite them in place).
"""

FORMULA = "tarantula"
"""Spectrum formula ranking suspicious lines: one of localise.FORMULAS."""

MUTATORS = ["operator_swap", "off_by_one"]
"""Mutation operators tried on suspicious lines, in this order: modules under mutators/."""

REPRO_SOURCES = ["fenced", "expected", "repl", "traceback", "prose"]
"""Where failing checks come from in the problem statement: modules under extractors/."""

SEARCH_ORDER = "by_rank"
"""by_operator: every line for the first mutator, then the next mutator;
by_suspiciousness: every mutator on the most suspicious line, then the next line;
by_rank: the first edit of every mutator on every line, then the second of each, and so on.
by_rank, so a mutator with many alternatives (an arithmetic operator has eleven) cannot spend
the whole candidate budget before the next mutator is tried; with the seed's two mutators the
orders fix the same tasks."""

PRECHECKS = []
"""Cheap filters applied before a candidate costs a test run: names in prechecks.CHECKS."""

TOP_LINES = 5
"""How many of the most suspicious lines are mutated."""

CANDIDATES_PER_MUTATOR = 20
"""The search budget: how many candidate edits may be run against the tests, per mutator in
MUTATORS (40 for the seed's two). Per mutator, so that a new mutator brings its own share of the
budget instead of taking it from the mutators already there: a mutator that fixes new bugs
would otherwise cost the old ones the fixes they found late in their turn."""

REPRO_TIMEOUT_S = 10.0
"""Wall-clock timeout of one run of the reproduction script: the backstop for a run that
blocks without computing."""

REPRO_CPU_S = 2
"""CPU seconds one run of the reproduction script may use (a whole number): a mutant that
loops forever stops here, long before REPRO_TIMEOUT_S. CPU time, not wall time, so the
outcome does not depend on how busy the machine is."""

TESTS_TIMEOUT_S = 60.0
"""Timeout of one run of the repository's visible tests."""

TEST_TIMEOUT_S = 10.0
"""CPU seconds a single test may use: more counts as a failure (the buggy code may loop
forever). CPU time, not wall time, so the outcome does not depend on how busy the machine is."""

TIME_SAFETY = 0.8
"""Stop searching once this fraction of GODELBOX_TIME_BUDGET_S is spent (a safety net only:
the candidate budget, not the clock, is what normally ends the search, so runs are repeatable)."""
