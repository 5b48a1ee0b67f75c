"""Context-word search: the start-class form must find exactly what the plain word regex finds."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.context import (
    _KEY_MARKS,
    ContextWindow,
    _first_letter,
    compile_word_starts,
    compile_words,
)
from piwarden.detect.recognizers.phone import _NOT_PHONE_WORDS, _PHONE_WORDS

WORDS = _PHONE_WORDS + _NOT_PHONE_WORDS + ("KEY", "身份证", "id", "12306", "$")
ODD_WORDS = (*WORDS, "ſms")  # a non-ASCII first letter that re.IGNORECASE equates with "s"
PIECES = [*ODD_WORDS, *(w.upper() for w in ODD_WORDS), *(w.capitalize() for w in ODD_WORDS),
          "a", "Z", "x", "İ", "ı", "ſ", "\u212a", " ", "=", ":", "：", '"', "'", "，", "的", "0", "9", "_"]


def _reference(words: tuple[str, ...]) -> re.Pattern[str]:
    """The word regex before grouping: one branch per word, longest first (the old compile_words)."""
    parts = []
    for word in sorted({w.lower() for w in words}, key=len, reverse=True):
        tail = r"(?![a-z])" if re.match("[a-z0-9]", word[-1]) and len(word) < 4 else ""
        if re.match("[a-z0-9]", word[0]):
            parts.append(re.escape(word[0]) + r"(?<![a-z].)" + re.escape(word[1:]) + tail)
            for cased in {word.upper(), word.capitalize()}:
                if cased[0].isalpha():
                    c = re.escape(cased[0])
                    parts.append(f"(?-i:{c}(?<=[a-z]{c}){re.escape(cased[1:])})" + tail)
        else:
            parts.append(re.escape(word) + tail)
    return re.compile("|".join(parts), re.IGNORECASE)


def test_first_letter_lists_what_ignorecase_matches() -> None:
    # every character re.IGNORECASE matches to an ASCII letter (a full scan of Unicode)
    cased = [chr(x) for x in range(0x110000) if re.fullmatch("(?i)[a-z]", chr(x))]
    for letter in string.ascii_lowercase:
        assert set(_first_letter(letter)) == {c for c in cased if re.fullmatch(letter, c, re.IGNORECASE)}


def _found_plain(plain: re.Pattern[str], window: ContextWindow, text: str, start: int, end: int) -> bool:
    """The reference: the plain word regex, searched and iterated as before the start class."""
    if plain.search(text, max(0, start - window.before), start):
        return True
    for m in plain.finditer(text, end, min(len(text), end + window.after)):
        if text[m.end() : m.end() + 2].lstrip("\"' ")[:1] not in _KEY_MARKS:
            return True
    return False


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16).map("".join), st.data(), st.sampled_from([WORDS, ODD_WORDS]))
def test_start_class_search_equals_plain_search(text: str, data: st.DataObject, words: tuple[str, ...]) -> None:
    reference, plain, fast = _reference(words), compile_words(words), compile_word_starts(words)
    assert plain is not None and fast is not None
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    for window in (ContextWindow(), ContextWindow(10, 0), ContextWindow(16, 10)):
        assert window.found(fast, text, start, end) == _found_plain(reference, window, text, start, end)
    # the words found, and where, are those of the reference: grouped and led by a start class
    expected = [m.span() for m in reference.finditer(text)]
    assert [m.span() for m in plain.finditer(text)] == expected
    found, last = [], -1
    for m in fast.finditer(text):
        if m.start(1) >= last:
            found.append(m.span(1))
            last = m.end(1)
    assert found == expected
