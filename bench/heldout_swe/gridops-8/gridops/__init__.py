from gridops.grid import flip_rows, transpose

__all__ = ["flip_rows", "transpose"]
