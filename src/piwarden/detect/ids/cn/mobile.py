"""PRC mainland mobile phone number (手机号码, numbering plan of the MIIT).

Eleven digits: a 3-digit network segment (网号) allocated by the Ministry of Industry and
Information Technology to one operator, a 4-digit HLR code and a 4-digit subscriber number
(``138 1234 5678``). ``compact`` drops a +86, 0086 or 86 country prefix.

Segments accepted (MIIT allocations; the tests cross-check them with libphonenumber's
metadata): 130-139, 145-149, 150-153, 155-159, 1610 (China Broadnet: in libphonenumber's
metadata, no MIIT notice found), 162, 165-167, 170-173, 1740 (satellite; the rest of 174
is not in public use), 175-178, 180-189, 190-193, 195-199. 146 and 148 (IoT) and 149
(data-only SIMs) are accepted although libphonenumber does not list them. Not accepted:
140-144 (13-digit IoT numbers), 154, 160, the rest of 161, 163, 164, 168, 169, 179, 194
(unallocated when checked).

``carrier`` names the operator the segment was allocated to: since mobile number
portability (携号转网, nationwide from 2019) a subscriber may have moved to another one.
Segments 162, 165, 167, 170 and 171 belong to mobile virtual network operators and
answer ``'virtual'``.

>>> validate('+86 138-1234-5678')
'13812345678'
>>> format('008613812345678')
'138 1234 5678'
>>> carrier('19212345678'), carrier('17012345678'), segment('13912345678')
('China Broadnet', 'virtual', '139')
>>> is_valid('15412345678'), is_valid('１３８１２３４５６７８')  # unallocated; full-width digits
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import (
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

MOBILE, UNICOM, TELECOM = "China Mobile", "China Unicom", "China Telecom"
BROADNET, VIRTUAL = "China Broadnet", "virtual"


def _segments(operator: str, prefixes: str) -> dict[str, str]:
    return dict.fromkeys(prefixes.split(), operator)


# network segment -> operator it was allocated to
SEGMENTS: dict[str, str] = {
    **_segments(MOBILE, "134 135 136 137 138 139 147 148 150 151 152 157 158 159 172 178 "
                        "182 183 184 187 188 195 197 198"),
    **_segments(UNICOM, "130 131 132 145 146 155 156 166 175 176 185 186 196"),
    **_segments(TELECOM, "133 149 153 173 177 180 181 189 190 191 193 199"),
    **_segments(BROADNET, "192"),
    **_segments(VIRTUAL, "162 165 167 170 171"),
}
# 4-digit blocks of otherwise unallocated segments
PARTIAL_SEGMENTS: dict[str, str] = {"1610": BROADNET, "1740": TELECOM}
# 4-digit exceptions inside a segment
_SUBSEGMENTS = {"1349": TELECOM}  # satellite phones carved out of China Mobile's 134
_FORM = re.compile(r"1[0-9]{10}")
_COUNTRY_PREFIX = re.compile(r"(?:\+86|0086|86)(?=1[0-9]{10}\Z)")


def compact(number: str) -> str:
    """Remove spaces, dashes, parentheses and a +86 / 0086 / 86 country prefix."""
    return _COUNTRY_PREFIX.sub("", clean(number, " -()"), count=1)


def validate(number: str) -> str:
    """Return the 11-digit number, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) != 11:
        raise InvalidLength()
    if not _FORM.fullmatch(number):
        raise InvalidFormat()
    if number[:3] not in SEGMENTS and number[:4] not in PARTIAL_SEGMENTS:
        raise InvalidComponent("not an allocated mobile segment")
    return number


def is_valid(number: object) -> bool:
    """Check the number; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str, international: bool = False) -> str:
    """Display as ``138 1234 5678``, or ``+86 138 1234 5678`` when ``international``."""
    number = validate(number)
    local = f"{number[:3]} {number[3:7]} {number[7:]}"
    return "+86 " + local if international else local


def segment(number: str) -> str:
    """Return the 3-digit network segment of a valid number (``161`` for 1610x)."""
    return validate(number)[:3]


def carrier(number: str) -> str | None:
    """Return the operator the number's segment was allocated to, or None if unknown."""
    number = validate(number)
    return _SUBSEGMENTS.get(number[:4]) or PARTIAL_SEGMENTS.get(number[:4]) or SEGMENTS.get(number[:3])
