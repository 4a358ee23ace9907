"""Accounts of the center's staff and of member companies, their API tokens and web sessions."""
