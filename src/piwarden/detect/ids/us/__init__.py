"""United States identifiers."""
