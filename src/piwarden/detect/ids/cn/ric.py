"""PRC Resident Identity Card number (居民身份证号码, GB 11643-1999).

Structure of the 18-character number::

    6-digit address code   8-digit birth date   3-digit sequence   check character
    110105                 19491231             002                X

- The address code is the county of household registration (GB/T 2260). Its first two
  digits are a province-level code: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 (Taiwan),
  81 (Hong Kong), 82 (Macau), plus 83 used since 2018 on residence permits for Taiwan
  residents (830000; HK and Macau permit holders get 810000 and 820000).
  County codes are *not* checked: counties are renamed and merged, and numbers issued
  under retired codes stay valid for life.
- The birth date is YYYYMMDD, not before 1900-01-01 and not in the future.
- The sequence is odd for men and even for women.
- The check character is ISO 7064 MOD 11-2 over the first 17 digits (``X`` stands for 10).

The legacy 15-digit number (issued 1984-1999, still seen in old records) is the 6-digit
address code, a YYMMDD birth date in the 1900s, and the 3-digit sequence, without a check
character; ``to_18`` converts it as GB 11643-1999 describes.

Why not ``stdnum.cn.ric``: it rejects county codes that are missing from its table or that
did not exist in the birth year (people register later under new codes), accepts birth
dates in the future, and has no 15-digit form.

>>> validate('11010519491231002x')  # the example printed in GB 11643-1999
'11010519491231002X'
>>> birth_date('11010519491231002X'), gender('11010519491231002X')
(datetime.date(1949, 12, 31), 'F')
>>> to_18('110105491231002')
'11010519491231002X'
>>> calc_check_digit('44030419880808011')
'2'
>>> validate('110105194912310021')  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidChecksum: ...
>>> is_valid('991105194912310029'), is_valid(None)  # no province 99; not a string
(False, False)
"""

from __future__ import annotations

import datetime
import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.checksums import iso7064_mod11_2
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

MAINLAND_PROVINCES = frozenset(
    str(code)
    for code in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
                 *range(50, 55), *range(61, 66))
)
# Numbers of 18 digits may also start with Taiwan's code and the residence-permit codes;
# the 15-digit form predates the permits (2018) and was only issued on the mainland.
PROVINCES = MAINLAND_PROVINCES | {"71", "81", "82", "83"}
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

_FORM_18 = re.compile(r"[0-9]{17}[0-9X]")
_FORM_15 = re.compile(r"[0-9]{15}")


def compact(number: str) -> str:
    """Remove spaces and dashes, upper-case the check character."""
    return clean(number, " -")


def calc_check_digit(number: str) -> str:
    """Return the check character for the first 17 digits of ``number``."""
    return iso7064_mod11_2.calc_check_digit(number[:17])


def _birth_date(number: str) -> datetime.date:
    text = number[6:14] if len(number) == 18 else "19" + number[6:12]
    try:
        born = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise InvalidComponent("the birth date is not a date") from None
    if not EARLIEST_BIRTH_DATE <= born <= datetime.date.today():
        raise InvalidComponent("the birth date is out of range")
    return born


def validate(number: str) -> str:
    """Return the compact 18- or 15-digit number, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) not in (15, 18):
        raise InvalidLength()
    if not (_FORM_18 if len(number) == 18 else _FORM_15).fullmatch(number):
        raise InvalidFormat()
    if number[:2] not in (PROVINCES if len(number) == 18 else MAINLAND_PROVINCES):
        raise InvalidComponent("unknown province code")
    _birth_date(number)
    if len(number) == 18 and calc_check_digit(number) != number[17]:
        raise InvalidChecksum()
    return number


def is_valid(number: object) -> bool:
    """Check the number; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: the compact number, without separators."""
    return compact(number)


def birth_date(number: str) -> datetime.date:
    """Return the birth date of a valid number."""
    return _birth_date(validate(number))


def gender(number: str) -> str:
    """Return ``'M'`` or ``'F'``: the sequence code is odd for men, even for women."""
    number = validate(number)
    return "M" if int(number[16 if len(number) == 18 else 14]) % 2 else "F"


def to_18(number: str) -> str:
    """Convert a valid 15-digit number to 18 digits (an 18-digit one is returned as is)."""
    number = validate(number)
    if len(number) == 18:
        return number
    body = number[:6] + "19" + number[6:]
    return body + calc_check_digit(body)
