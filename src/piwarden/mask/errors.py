"""The errors of masking. Messages name the operator, the type or the record, never the value."""

from __future__ import annotations


class MaskError(ValueError):
    """An operator could not mask a value (wrong shape for the operator, unparseable date, ...)."""


class MissingKey(MaskError):
    """A keyed operator (hash, token, fpe, date_shift) was built without a key."""


class NotReversible(MaskError):
    """``unmask`` was called on an operator that cannot undo its masking."""


class PolicyError(ValueError):
    """A policy does not load or names something that does not exist."""
