"""How a score looks: one colour scale shared by the TUI, `show` and `plot`.

A single red → yellow → green scale over [0, 1] makes a node's quality readable at a glance in
every view; a node without a score (not evaluated yet, invalid, failed) is dim grey.
"""

from __future__ import annotations

from rich.text import Text

NO_SCORE_COLOUR = "#7f7f7f"


def score_rgb(score: float) -> tuple[float, float, float]:
    """Red (0) → yellow (0.5) → green (1), each channel in [0, 1]; scores are clamped."""
    s = min(1.0, max(0.0, score))
    if s < 0.5:
        return (0.85, 0.2 + 1.3 * s, 0.2)
    return (0.85 - 1.3 * (s - 0.5), 0.85, 0.2)


def score_colour(score: float | None) -> str:
    """A rich colour for `score` (hex), or grey when there is none."""
    if score is None:
        return NO_SCORE_COLOUR
    r, g, b = score_rgb(score)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def format_score(score: float | None) -> str:
    return "  -  " if score is None else f"{score:.3f}"


def score_text(score: float | None) -> Text:
    """The score as coloured text, e.g. `0.625` in yellow-green."""
    return Text(format_score(score), style=f"bold {score_colour(score)}")


def format_delta(before: float | None, after: float | None) -> str:
    """Signed change between two scores (`+0.125`), or `n/a` when either side has none."""
    if before is None or after is None:
        return "n/a"
    return f"{after - before:+.3f}"
