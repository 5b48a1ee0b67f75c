"""Hong Kong identifiers."""
