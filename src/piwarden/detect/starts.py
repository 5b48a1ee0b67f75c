"""Patterns that open with look-behinds, rewritten so that ``re`` skips to where they can start.

``re`` searches fast only for a pattern whose first element is a character or a class: it
then skips, in C, every position where that character cannot occur. A pattern that opens with
a look-behind or an optional group (``(?<![0-9])(?:\\+?86)?1[3-9]...``, most phone patterns)
instead enters the matcher at every position of the window. ``first_chars`` reads from the
parsed pattern the characters a match can start with, F, and ``with_start_class`` writes the
same pattern as ``F(?<=(?=(P))F)``: a class first, then, one character back, the original
pattern in a look-ahead whose group 1 holds the match. Because that match consumes only its
first character, the search resumes inside it; ``Engine`` drops any match that starts before
the previous one ended, which is what a search of ``P`` itself would have skipped.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parsed form of a regex: the only way to read its structure
import re._parser as sre_parse
from typing import cast

_MAX_CLASS = 256  # larger start sets skip too little to pay for the look-around


def first_chars(regex: str) -> frozenset[int] | None:
    """Code points a non-empty match of ``regex`` can start with, or None when unknown."""
    try:
        parsed = sre_parse.parse(regex)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _first(parsed)
    return frozenset(found) if found else None


def with_start_class(regex: str) -> re.Pattern[str] | None:
    """``regex`` led by the class of its first characters (group 1: the match), or None."""
    chars = first_chars(regex)
    if chars is None or len(chars) > _MAX_CLASS:
        return None
    start = "[" + "".join(re.escape(chr(c)) for c in sorted(chars)) + "]"
    return re.compile(f"{start}(?<=(?=({regex})){start})")


def _first(parsed: sre_parse.SubPattern) -> set[int] | None:
    """First characters of a sequence, or None when unknown or when it can match nothing at all."""
    out: set[int] = set()
    for op, av in parsed:
        if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
            continue  # consumes nothing
        if op is sre.LITERAL:
            out.add(av)
            return out
        if op is sre.IN:
            chars = _class(av)
            return None if chars is None else out | chars
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _, sub = av
            required = low > 0
            subs = [sub]
        elif op is sre.SUBPATTERN:
            _, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None
            required, subs = True, [sub]
        elif op is sre.BRANCH:
            required, subs = True, av[1]
        else:  # any character, back-references, conditionals: no cheap answer
            return None
        for sub in subs:
            if sub.getwidth()[1] == 0:  # look-arounds only: nothing consumed here
                continue
            chars = _first(sub)
            if chars is None:
                return None
            out |= chars
        if required and all(sub.getwidth()[0] > 0 for sub in subs):
            return out
    return None  # the pattern can match the empty string


def _class(items: list[tuple[object, object]]) -> set[int] | None:
    chars: set[int] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(av)  # type: ignore[arg-type]
        elif op is sre.RANGE:
            low, high = cast("tuple[int, int]", av)
            if high - low > _MAX_CLASS:
                return None
            chars.update(range(low, high + 1))
        else:  # NEGATE, CATEGORY (\d is any Unicode digit)
            return None
    return chars
