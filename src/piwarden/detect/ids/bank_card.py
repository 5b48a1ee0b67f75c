"""Payment card number (PAN, ISO/IEC 7812-1), with China UnionPay and Chinese bank BINs.

13 to 19 digits: an issuer identification number (IIN/BIN, the first 6 or 8 digits), the
account number, and a Luhn check digit (ISO/IEC 7812-1 Annex B). A leading 0 (major
industry identifier 0, ISO/TC 68) is never a payment card.

``issuer`` names the card scheme from public IIN ranges: UnionPay 62 and 81 (the 622126-
622925 block that Discover also accepts is UnionPay-issued), American Express 34/37, JCB
3528-3589 (and the legacy 2131 and 1800), Diners Club 300-305/3095/36/38/39, Discover
6011/644-649/65, Mastercard 51-55/2221-2720, Visa 4. ``is_domestic`` is true for UnionPay
cards and for the Chinese bank BINs in ``CHINESE_BANK_BINS`` (some Chinese banks issue Visa
or Mastercard BINs); ``bank`` names the bank for those BINs. The table is short on purpose:
a handful of the most common BINs of the big banks, each found in several independent BIN
lists.

Numbers failing Luhn are rejected, although a few old Chinese domestic cards (non-UnionPay
9xxxx BINs) are reported not to follow it. The examples are the schemes' public test
numbers or computed here.

>>> validate('6222 0212 3456 7890 128')
'6222021234567890128'
>>> issuer('6222021234567890128'), bank('6222021234567890128'), is_domestic('6222021234567890128')
('UnionPay', 'ICBC', True)
>>> issuer('4111111111111111'), is_domestic('4111111111111111')
('Visa', False)
>>> format('378282246310005')  # American Express is grouped 4-6-5
'3782 822463 10005'
>>> calc_check_digit('622202123456789012')
'8'
>>> is_valid('4111111111111112')  # wrong check digit
False
"""

from __future__ import annotations

from piwarden.detect.ids._clean import clean, isdigits
from piwarden.detect.ids.checksums import luhn
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

# BIN prefix -> bank (short English name)
CHINESE_BANK_BINS: dict[str, str] = {
    "622200": "ICBC", "622202": "ICBC", "622208": "ICBC", "621226": "ICBC",
    "621700": "CCB", "622700": "CCB", "622280": "CCB", "436742": "CCB",
    "622845": "ABC", "622848": "ABC", "622849": "ABC",
    "621660": "BOC", "621661": "BOC", "601382": "BOC", "456351": "BOC",
    "622580": "CMB", "622588": "CMB", "621483": "CMB", "410062": "CMB",
    "622260": "BOCOM", "622262": "BOCOM",
    "621799": "PSBC", "622188": "PSBC", "622150": "PSBC",
}

# (scheme, first prefix, last prefix), prefixes compared on their own length; first match wins
_IIN_RANGES: tuple[tuple[str, str, str], ...] = (
    ("UnionPay", "62", "62"),
    ("UnionPay", "81", "81"),
    ("American Express", "34", "34"),
    ("American Express", "37", "37"),
    ("JCB", "3528", "3589"),
    ("JCB", "2131", "2131"),  # legacy 15-digit JCB ranges
    ("JCB", "1800", "1800"),
    ("Diners", "300", "305"),
    ("Diners", "3095", "3095"),
    ("Diners", "36", "36"),
    ("Diners", "38", "39"),
    ("Discover", "6011", "6011"),
    ("Discover", "644", "649"),
    ("Discover", "65", "65"),
    ("Mastercard", "51", "55"),
    ("Mastercard", "2221", "2720"),
    ("Visa", "4", "4"),
)


def compact(number: str) -> str:
    """Remove spaces and dashes."""
    return clean(number, " -")


def calc_check_digit(number: str) -> str:
    """Return the Luhn check digit for ``number`` given without its check digit."""
    return luhn.calc_check_digit(number)


def validate(number: str) -> str:
    """Return the compact card number, or raise a ``ValidationError``."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if not 13 <= len(number) <= 19:
        raise InvalidLength()
    if number[0] == "0":
        raise InvalidComponent("major industry identifier 0 is not a payment card")
    if luhn.checksum(number) != 0:
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
    """Groups of four digits (4-6-5 for 15-digit American Express cards)."""
    number = validate(number)
    if len(number) == 15 and issuer(number) == "American Express":
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def issuer(number: str) -> str | None:
    """Return the card scheme of a valid number, or None for an unknown IIN range."""
    return _issuer(validate(number))


def _issuer(number: str) -> str | None:
    for scheme, low, high in _IIN_RANGES:
        if low <= number[: len(low)] <= high:
            return scheme
    return None


def bank(number: str) -> str | None:
    """Return the Chinese bank for the well-known BINs in ``CHINESE_BANK_BINS``, else None."""
    return _bank(validate(number))


def _bank(number: str) -> str | None:
    return CHINESE_BANK_BINS.get(number[:6])


def is_domestic(number: str) -> bool:
    """True for UnionPay cards and the Chinese bank BINs in ``CHINESE_BANK_BINS``."""
    number = validate(number)  # once: detection asks this of every card it reports
    return _issuer(number) == "UnionPay" or _bank(number) is not None
