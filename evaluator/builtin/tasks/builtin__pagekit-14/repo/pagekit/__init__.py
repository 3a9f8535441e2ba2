"""Split sequences into numbered pages for list endpoints."""

from pagekit.pages import Page, page_count, paginate

__all__ = ["Page", "page_count", "paginate"]
