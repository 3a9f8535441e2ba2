"""Every choice of the rule-based web agent, as plain constants.

This file is the agent's genome: the offline web proposer (godelbox.proposer.web_operators)
evolves the agent by editing these assignments and by adding modules under rules/, so keep each
value a literal on one line (the operators rewrite them in place).
"""

RULES = ["click_target_button", "click_only_button"]
"""Rules tried in this order on every observation: modules under rules/. The first rule that
returns an action acts; when none does, the agent says "done"."""

GUARDS = []
"""Specialisations, "rule:word": a rule named here acts only when the task's utterance (lower
case) contains one of its words."""

MATCH = "exact"
"""How page text is compared with a target: exact, casefold (ignore case and surrounding
punctuation) or contains (the target is part of the text, ignoring case)."""

SUBMIT_WORDS = ["submit"]
"""Texts (lower case) of the controls that send a form."""
