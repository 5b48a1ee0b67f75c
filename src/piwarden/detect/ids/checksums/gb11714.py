"""GB 11714-1997 MOD 11 check character of the organisation code (组织机构代码).

Eight body characters (digits, or capitals counting A=10 ... Z=35) are weighted
3, 7, 9, 10, 5, 8, 4, 2; the check is ``11 - sum mod 11``, written ``X`` for 10 and ``0``
for 11. The organisation code is characters 9-17 of every Unified Social Credit Code.

>>> calc_check_digit('M000100Y')  # inside the customary USCC example 91350100M000100Y43
'4'
>>> is_valid('M000100Y4'), is_valid('M000100Y5')
(True, False)
"""

from __future__ import annotations

from piwarden.detect.ids.exceptions import InvalidFormat

_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def calc_check_digit(number: str) -> str:
    """Return the check character for the first 8 characters of ``number``."""
    if len(number) < 8 or any(c not in _VALUES for c in number[:8]):
        raise InvalidFormat()
    value = 11 - sum(_VALUES[c] * w for c, w in zip(number, WEIGHTS, strict=False)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def is_valid(number: object) -> bool:
    """True when ``number`` is 8 body characters and the correct check character."""
    if not isinstance(number, str) or len(number) != 9:
        return False
    try:
        return calc_check_digit(number) == number[8]
    except InvalidFormat:
        return False
