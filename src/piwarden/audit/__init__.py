"""The tamper-evident audit log: RFC 6962 Merkle tree over access events, signed tree heads,
inclusion and consistency proofs, SQLite and PostgreSQL storage, bundles and their verifier.

``docs/audit.md`` explains the design and the bundle format.
"""
