"""Patterns that match whole ASCII tokens, answered per token instead of by scanning.

A pattern ``NOT_AFTER_ALNUM + body + NOT_BEFORE_ALNUM`` whose body matches only ASCII letters
and digits can only match a whole token: a maximal run of ``[0-9A-Za-z]`` (the look-behind
puts the start at the token's start, the body cannot cross its end, the look-ahead puts the
end at it). So its matches in a text are exactly the tokens that ``body.fullmatch`` accepts.
Fourteen built-in patterns have this shape (card, ID, USCC, IMEI, waybill, permit numbers,
...): on text dense with digits, scanning each of them over a window cost a regex entry at
every digit, while one scan for long tokens and a length-filtered ``fullmatch`` per token
asks the same question once. ``tests/detect/test_engine.py`` checks the result against full
scans.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parsed form of a regex: the only way to read its structure
import re._parser as sre_parse
from dataclasses import dataclass
from typing import cast

from piwarden.detect.recognizer import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM

TOKEN_CHARS = "[0-9A-Za-z]"
_ALNUM = frozenset(map(ord, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


@dataclass(frozen=True, slots=True)
class TokenShape:
    """A whole-token pattern's body and the token lengths it can match."""

    body: re.Pattern[str]
    min_len: int
    max_len: int


def token_shape(regex: str) -> TokenShape | None:
    """The body of a whole-token pattern, or None when ``regex`` is not one."""
    if not (regex.startswith(NOT_AFTER_ALNUM) and regex.endswith(NOT_BEFORE_ALNUM)):
        return None
    body = regex[len(NOT_AFTER_ALNUM) : len(regex) - len(NOT_BEFORE_ALNUM)]
    try:
        parsed = sre_parse.parse(body)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE) or not _alnum_only(parsed):
        return None  # re.I would let "k" match the Kelvin sign, a character outside any token
    low, high = parsed.getwidth()
    if low < 2:  # a window's end may cut one character off a token: keep that from mattering
        return None
    return TokenShape(re.compile(body), low, high)


def _alnum_only(parsed: sre_parse.SubPattern) -> bool:
    """True when every character the parsed regex can consume is an ASCII letter or digit."""
    for op, av in parsed:
        if op is sre.LITERAL:
            if av not in _ALNUM:
                return False
        elif op is sre.IN:
            if not all(_alnum_item(item_op, item_av) for item_op, item_av in av):
                return False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            if not _alnum_only(av[2]):
                return False
        elif op is sre.SUBPATTERN:
            group, add_flags, del_flags, sub = av
            if group is not None or add_flags or del_flags or not _alnum_only(sub):
                return False
        elif op is sre.BRANCH:
            if not all(_alnum_only(sub) for sub in av[1]):
                return False
        else:  # look-arounds, anchors, back-references, categories such as \d (Unicode digits)
            return False
    return True


def _alnum_item(op: object, av: object) -> bool:
    if op is sre.LITERAL:
        return av in _ALNUM
    if op is sre.RANGE:
        low, high = cast("tuple[int, int]", av)
        return all(c in _ALNUM for c in range(low, high + 1))
    return False  # NEGATE, CATEGORY
