"""The work behind each router, as plain classes around the open log (no HTTP in them)."""
