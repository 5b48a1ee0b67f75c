"""Dates of birth: any calendar date, but only where the words around it say birth."""

from __future__ import annotations

import re
from datetime import date

from piwarden.detect.context import ContextWindow
from piwarden.detect.recognizer import Pattern, Recognizer

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\.?"
_YMD = re.compile(r"([0-9]{4})\D{1,2}([0-9]{1,2})\D{1,2}([0-9]{1,2})")
_DMY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")


def _parse(value: str) -> date | None:
    low = value.lower()
    try:
        if m := _YMD.search(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.search(value):  # month/day order is ambiguous; accept either reading
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            return date(y, a, b) if a <= 12 else date(y, b, a)
        nums = [int(n) for n in re.findall(r"[0-9]+", value)]
        month = next(i + 1 for i, name in enumerate(_MONTHS) if name[:3] in low)
        year = next(n for n in nums if n > 31)
        day = next(n for n in nums if n <= 31)
        return date(year, month, day)
    except (ValueError, StopIteration):
        return None


class DateOfBirthRecognizer(Recognizer):
    entity = "DATE_OF_BIRTH"
    patterns = (
        Pattern("ymd", r"(?<![0-9])(?:19|20)[0-9]{2}(?:年 ?[0-9]{1,2}月 ?[0-9]{1,2}日?|[-/.][0-9]{1,2}[-/.][0-9]{1,2})"
                r"(?![0-9])", 0.3),
        Pattern("dmy", r"(?<![0-9])[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:19|20)[0-9]{2}(?![0-9])", 0.3),
        Pattern("mdy_words", rf"(?<![A-Za-z]){_MON} [0-9]{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)[0-9]{{2}}(?![0-9])", 0.3),
        Pattern("dmy_words", rf"(?<![0-9])[0-9]{{1,2}}(?:st|nd|rd|th)? {_MON},? (?:19|20)[0-9]{{2}}(?![0-9])", 0.3),
    )
    context = ("出生", "生日", "出生日期", "出生年月", "生于", "出生于", "birth", "date of birth", "dob", "born",
               "birthday", "d.o.b")
    context_required = True
    context_boost = 0.5
    window = ContextWindow(before=16, after=4)

    def validate(self, value: str) -> bool | None:
        born = _parse(value)
        if born is None or born > date.today() or born.year < 1900:
            return False
        return None
