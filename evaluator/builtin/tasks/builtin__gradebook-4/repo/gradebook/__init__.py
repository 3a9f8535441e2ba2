"""Turn numeric scores into letter grades and summaries."""

from gradebook.grades import letter_grade, summary

__all__ = ["letter_grade", "summary"]
