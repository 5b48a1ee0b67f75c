"""Check-digit algorithms shared by several identifiers, one small module per algorithm."""
