from stockkeep.stock import Stock

__all__ = ["Stock"]
