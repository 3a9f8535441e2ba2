"""Invoices with line items, a percentage discount and tax."""

from invoicer.invoice import Invoice, Line

__all__ = ["Invoice", "Line"]
