"""Dense matrices as lists of rows, for code that cannot depend on numpy."""

from matrixlite.ops import identity, matmul, transpose, zeros

__all__ = ["identity", "matmul", "transpose", "zeros"]
