"""ISO 7064 MOD 11-2 check character, used by the PRC resident ID (GB 11643-1999).

A pure system with radix 2: digit ``i`` places from the right (the check character being
place 1) has weight ``2**(i-1) mod 11``; the number is valid when the weighted sum, with
``X`` counting 10, is congruent to 1 modulo 11.

>>> calc_check_digit('11010519491231002')  # the example printed in GB 11643-1999
'X'
>>> is_valid('11010519491231002X'), is_valid('110105194912310021')
(True, False)
"""

from __future__ import annotations

from piwarden.detect.ids._clean import isdigits
from piwarden.detect.ids.exceptions import InvalidFormat


def checksum(number: str) -> int:
    """Return the weighted sum modulo 11 of ``number`` (check character included).

    A valid number gives 1.
    """
    body, check = number[:-1], number[-1:]
    if not (isdigits(body) and (isdigits(check) or check == "X")):
        raise InvalidFormat()
    total = 0
    for char in body:
        total = (total + ord(char) - 48) * 2 % 11
    return (total + (10 if check == "X" else int(check))) % 11


def calc_check_digit(number: str) -> str:
    """Return the check character (``0``-``9`` or ``X``) for ``number`` without one."""
    value = (1 - checksum(number + "0")) % 11
    return "X" if value == 10 else str(value)


def is_valid(number: object) -> bool:
    """True when ``number`` is digits followed by a correct check character."""
    try:
        return isinstance(number, str) and len(number) > 1 and checksum(number) == 1
    except InvalidFormat:
        return False
