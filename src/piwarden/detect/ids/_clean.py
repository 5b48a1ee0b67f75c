"""Input clean-up shared by the identifier modules (private: not an identifier itself).

Two rules keep ``is_valid`` honest on hostile input:

- only ``str`` is accepted; anything else fails with ``InvalidFormat``;
- only ASCII letters are upper-cased. ``str.upper`` would turn the dotless ``ı`` into ``I`` and
  the long ``ſ`` into ``S``; and ``str.isdigit`` or ``int`` accept full-width and other Unicode
  digits. Identifier modules therefore match with explicit ``[0-9]`` classes or ``isdigits``.
"""

from __future__ import annotations

import string

from piwarden.detect.ids.exceptions import InvalidFormat

_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_TABLES: dict[str, dict[int, int | None]] = {}


def _table(deletechars: str) -> dict[int, int | None]:
    """One translate table that deletes ``deletechars`` and upper-cases ASCII letters."""
    table = _TABLES.get(deletechars)
    if table is None:
        table = _TABLES[deletechars] = {**_ASCII_UPPER, **dict.fromkeys(map(ord, deletechars))}
    return table


def clean(number: object, deletechars: str = " -") -> str:
    """Strip surrounding whitespace, drop ``deletechars`` and upper-case ASCII letters.

    >>> clean(' 110105-1949 1231002x ')
    '11010519491231002X'
    >>> clean(None)
    Traceback (most recent call last):
        ...
    piwarden.detect.ids.exceptions.InvalidFormat: the value has an invalid format
    """
    if not isinstance(number, str):
        raise InvalidFormat()
    return number.strip().translate(_table(deletechars))


def isdigits(number: str) -> bool:
    """True when ``number`` is non-empty and made of ASCII digits only.

    >>> isdigits('0123'), isdigits(''), isdigits('１２'), isdigits('²')
    (True, False, False, False)
    """
    return number.isascii() and number.isdigit()
