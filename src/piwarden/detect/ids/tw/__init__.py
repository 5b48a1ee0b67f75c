"""Taiwan identifiers."""
