"""Small vector helpers for geometry code."""

from vectormath.vec import add, dot, norm, scale

__all__ = ["add", "dot", "norm", "scale"]
