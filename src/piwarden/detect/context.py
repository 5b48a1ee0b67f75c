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
# what re.IGNORECASE lets an ASCII letter match beyond its two cases (tests/detect/test_context.py)
_OTHER_CASES = {"i": "İı", "k": "\u212a", "s": "ſ"}


def _first_letter(letter: str) -> str:
    """Every character ``re.IGNORECASE`` matches to the ASCII ``letter``, as class members."""
    return letter + letter.upper() + _OTHER_CASES.get(letter, "")


def _branches(words: Iterable[str]) -> str:
    """The alternation of ``words``: one branch per first character where that finds the same.

    ``re`` tries every branch at every position of a window, so one branch per word (some
    forty per recognizer) cost forty tries a position; grouped by first character, a handful.
    At any position at most one group can match (different first characters; a camelCase
    group needs a lower-case letter before it, a plain one none), and each group keeps the
    words' order, so the matches are the same. A word starting with a non-ASCII cased letter
    (``ſ`` matches ``s`` too) could break that: then every word keeps its own branch.
    """
    groups: dict[str, list[str]] = {}  # a group's first element -> the rest of each word in it
    branches: list[str] = []  # the same, one branch per word
    for word in sorted({w.lower() for w in words if w}, key=len, reverse=True):
        tail = r"(?![a-z])" if _ASCII_WORD.match(word[-1]) and len(word) < 4 else ""
        if _ASCII_WORD.match(word[0]):
            # the boundary look-behind comes after the first character, so that every branch
            # starts with a class and ``re`` skips to the positions where a word can start
            # (3.5x faster on detection's windows; the same matches, see first_char_first)
            first = f"(?-i:[{_first_letter(word[0]) if word[0].isalpha() else word[0]}])(?<![a-z].)"
            parts = [(first, re.escape(word[1:]) + tail)]
            # a camelCase or glued boundary: "gmail.comQQ:", "alipayAccount"
            for cased in sorted({word.upper(), word.capitalize()}):
                if cased[0].isalpha():
                    c = re.escape(cased[0])
                    parts.append((f"(?-i:{c}(?<=[a-z]{c}))", f"(?-i:{re.escape(cased[1:])})" + tail))
        else:
            parts = [(re.escape(word[0]), re.escape(word[1:]) + tail)]
        for first, rest in parts:
            groups.setdefault(first, []).append(rest)
            branches.append(first + rest)
    if all(first[0] == "(" or first.lower() == first.upper() or first.isascii() for first in groups):
        return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())
    return "|".join(branches)


def _starts(words: Iterable[str]) -> str | None:
    """A class of every character a word can start with, or None where that is not known."""
    chars: set[str] = set()
    for word in {w.lower() for w in words if w}:
        first = word[0]
        if first.isascii():
            chars.update(_first_letter(first) if first.isalpha() else first)
        elif first.lower() != first.upper():
            return None  # a non-ASCII cased letter: re.IGNORECASE's matches for it are not listed here
        else:
            chars.add(first)
    return "(?-i:[" + "".join(re.escape(c) for c in sorted(chars)) + "])" if chars else None


def compile_words(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex that finds any of ``words`` (case-insensitive), or None for no words."""
    words = list(words)
    return re.compile(_branches(words), re.IGNORECASE) if any(words) else None


def compile_word_starts(words: Iterable[str]) -> re.Pattern[str] | None:
    """:func:`compile_words` led by a class of the words' first characters; group 1 is the word.

    ``re`` skips in C to the positions where that class matches (in Chinese windows, most
    positions hold none of them) instead of trying the word branches everywhere. The match
    itself is the first character only: :meth:`ContextWindow.found` reads group 1 and drops
    matches that start inside the previous word, as a search of the words would.
    """
    words = list(words)
    if not any(words):
        return None
    first = _starts(words)
    if first is None:  # the plain alternation, read the same way
        return re.compile(f"({_branches(words)})", re.IGNORECASE)
    return re.compile(f"{first}(?<=(?=({_branches(words)})){first})", re.IGNORECASE)


class ContextWindow:
    """Where to look for context around a match, in characters."""

    __slots__ = ("after", "before")

    def __init__(self, before: int = 24, after: int = 12) -> None:
        self.before = before
        self.after = after

    def found(self, words: re.Pattern[str], text: str, start: int, end: int, floor: int = 0) -> bool:
        """True when a context word ends within ``before`` chars before the match or starts after it.

        ``words`` comes from :func:`compile_word_starts`. A word after the match that is itself
        a key (``mobile=``, ``"phone":``) labels the next value, not this one, and does not count.
        ``floor``: no word before it counts (a clause boundary).
        """
        if words.search(text, max(floor, start - self.before), start):
            return True
        last = -1
        for m in words.finditer(text, end, min(len(text), end + self.after)):
            first, stop = m.span(1)
            if first < last:  # inside the previous word: a search of the words passes over it
                continue
            last = stop
            if text[stop : stop + 2].lstrip("\"' ")[:1] not in _KEY_MARKS:
                return True
        return False
