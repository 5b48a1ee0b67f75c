"""GB 32100-2015 MOD 31 check character of the Unified Social Credit Code.

The code is written over a 31-character alphabet (digits and capitals without I, O, S, V,
Z). Character ``i`` (0-based, left to right, 17 characters) has weight ``3**i mod 31``; the
check character is the one whose value brings the weighted sum to a multiple of 31.

>>> calc_check_digit('91350100M000100Y4')  # the customary example (zh.wikipedia)
'3'
>>> is_valid('91350100M000100Y43'), is_valid('91350100M000100Y44')
(True, False)
"""

from __future__ import annotations

from piwarden.detect.ids.exceptions import InvalidFormat

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def calc_check_digit(number: str) -> str:
    """Return the check character for the first 17 characters of ``number``."""
    if len(number) < 17 or any(c not in ALPHABET for c in number[:17]):
        raise InvalidFormat()
    total = sum(ALPHABET.index(c) * w for c, w in zip(number, WEIGHTS, strict=False))
    return ALPHABET[-total % 31]


def is_valid(number: object) -> bool:
    """True when ``number`` is 18 alphabet characters ending in the correct check character."""
    if not isinstance(number, str) or len(number) != 18 or number[17] not in ALPHABET:
        return False
    try:
        return calc_check_digit(number) == number[17]
    except InvalidFormat:
        return False
