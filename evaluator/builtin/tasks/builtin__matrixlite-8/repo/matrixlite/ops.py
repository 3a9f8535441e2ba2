"""Basic matrix operations; a matrix is a list of equally long rows."""

from __future__ import annotations

Matrix = list[list[float]]


def zeros(rows: int, cols: int) -> Matrix:
    return [[0.0] * cols for _ in range(rows)]


def identity(n: int) -> Matrix:
    m = zeros(n, n)
    for i in range(n):
        m[i][i] = 1.0
    return m


def transpose(m: Matrix) -> Matrix:
    return [list(col) for col in zip(*m, strict=True)]


def matmul(a: Matrix, b: Matrix) -> Matrix:
    """(n x k) @ (k x m) -> (n x m)."""
    if len(a[0]) != len(b):
        raise ValueError(f"cannot multiply {len(a)}x{len(a[0])} by {len(b)}x{len(b[0])}")
    out = zeros(len(b[0]), len(a))
    for i, row in enumerate(a):
        for j in range(len(b[0])):
            out[i][j] = sum(row[k] * b[k][j] for k in range(len(b)))
    return out
