"""Turning tokens back into values, for the holder of the key (the vault will wrap this)."""

from __future__ import annotations

import re

from piwarden.mask.keys import KeyRing
from piwarden.mask.operators import get_operator


def detokenize(token: str, keys: KeyRing, *, purpose: str = "default", prefix: str = "tok_") -> str:
    """The value behind one token made by the ``token`` operator for ``purpose``."""
    op = get_operator("token")({"prefix": prefix}, keys=keys, purpose=purpose)
    return op.unmask(token, "")


def detokenize_text(text: str, keys: KeyRing, *, purpose: str = "default", prefix: str = "tok_") -> str:
    """``text`` with every token of ``prefix`` replaced by its value (others left as they are)."""
    op = get_operator("token")({"prefix": prefix}, keys=keys, purpose=purpose)
    pattern = re.compile(re.escape(prefix) + r"[A-Za-z0-9_-]{22,}")

    def swap(m: re.Match[str]) -> str:
        try:
            return op.unmask(m.group(), "")
        except ValueError:
            return m.group()

    return pattern.sub(swap, text)
