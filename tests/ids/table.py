"""One assertion for the per-module tables: a case is valid or fails with a given error."""

from __future__ import annotations

from types import ModuleType

import pytest

from piwarden.detect.ids.exceptions import ValidationError


def assert_case(module: ModuleType, number: str, expected: str | type[ValidationError]) -> None:
    """``expected`` is the compact form of a valid number, or the error ``validate`` raises."""
    if isinstance(expected, str):
        assert module.validate(number) == expected
        assert module.is_valid(number) is True
        assert module.validate(module.format(number)) == expected
    else:
        with pytest.raises(expected):
            module.validate(number)
        assert module.is_valid(number) is False
