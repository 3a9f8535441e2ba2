"""Offline proposer for the rule-based web agent (agents/webrules): transformations that add,
reorder, remove and specialise its rules.

from godelbox.proposer.web_operators import WEB_CATALOGUE, web_evidence, web_operator_proposer
"""

from godelbox.proposer.web_operators.catalogue import WEB_CATALOGUE
from godelbox.proposer.web_operators.proposer import web_evidence, web_operator_proposer

__all__ = ["WEB_CATALOGUE", "web_evidence", "web_operator_proposer"]
