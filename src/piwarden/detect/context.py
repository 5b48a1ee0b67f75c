"""Context words that raise (or lower) a candidate's score, made to work on Chinese text.

Presidio's context enhancer compares lemmas of tokens next to the match, which does nothing
for Chinese: there are no spaces to split on and no lemmas. Here a context word is searched
as a substring in a character window before and after the match. ASCII words must start a
word (``id`` must not fire inside ``valid``); short ones (under 4 letters) must also end one,
longer ones may run on into camelCase keys and suffixes (``waybillNo``, ``mobile_no``). CJK
words need no boundary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ASCII_WORD = re.compile(r"[a-z0-9]")
_KEY_MARKS = frozenset("=:：")


def compile_words(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex that finds any of ``words`` (case-insensitive), or None for no words."""
    parts = []
    for word in sorted({w.lower() for w in words if w}, key=len, reverse=True):
        escaped = re.escape(word)
        tail = r"(?![a-z])" if _ASCII_WORD.match(word[-1]) and len(word) < 4 else ""
        if _ASCII_WORD.match(word[0]):
            # the boundary look-behind comes after the first character, so that every branch
            # starts with a literal and ``re`` skips to the positions where a word can start
            # (3.5x faster on detection's windows; the same matches, see first_char_first)
            first, rest = re.escape(word[0]), re.escape(word[1:])
            parts.append(first + r"(?<![a-z].)" + rest + tail)
            # a camelCase or glued boundary: "gmail.comQQ:", "alipayAccount"
            for cased in {word.upper(), word.capitalize()}:
                if cased[0].isalpha():
                    c = re.escape(cased[0])
                    parts.append(f"(?-i:{c}(?<=[a-z]{c}){re.escape(cased[1:])})" + tail)
        else:
            parts.append(escaped + tail)
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


class ContextWindow:
    """Where to look for context around a match, in characters."""

    __slots__ = ("after", "before")

    def __init__(self, before: int = 24, after: int = 12) -> None:
        self.before = before
        self.after = after

    def found(self, words: re.Pattern[str], text: str, start: int, end: int) -> bool:
        """True when a context word ends within ``before`` chars before the match or starts after it.

        A word after the match that is itself a key (``mobile=``, ``"phone":``) labels the next
        value, not this one, and does not count.
        """
        if words.search(text, max(0, start - self.before), start):
            return True
        stop = min(len(text), end + self.after)
        for m in words.finditer(text, end, stop):
            if text[m.end() : m.end() + 2].lstrip("\"' ")[:1] not in _KEY_MARKS:
                return True
        return False
