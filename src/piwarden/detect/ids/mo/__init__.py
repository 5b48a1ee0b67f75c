"""Macau identifiers."""
