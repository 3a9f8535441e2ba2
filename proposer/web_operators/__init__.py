"""Offline proposer for the rule-based web agent (agents/webrules): transformations that add,
reorder, remove and specialise its rules.

from godelbox.proposer.web_operators import WEB_CATALOGUE, WebOperatorProposer, web_evidence
"""

from godelbox.proposer.web_operators.catalogue import WEB_CATALOGUE
from godelbox.proposer.web_operators.proposer import WebOperatorProposer, web_evidence

__all__ = ["WEB_CATALOGUE", "WebOperatorProposer", "web_evidence"]
