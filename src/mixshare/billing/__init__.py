"""Prices and monthly statements (issue 9): contracts, statements, month close, credit notes."""
