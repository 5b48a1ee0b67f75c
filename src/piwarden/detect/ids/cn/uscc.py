"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

The 18-character code of every legal person and other organisation in the PRC, written
with digits and capitals except I, O, S, V and Z::

    9   1   350100   M000100Y4   3
    |   |   |        |           MOD 31 check character (GB 32100, over the 31-char alphabet)
    |   |   |        organisation code (GB 11714-1997) with its own MOD 11 check character
    |   |   region code of the registering authority (GB/T 2260)
    |   institution category within that authority
    registration authority

Registration authorities and their categories (GB 32100-2015 and later additions):
1 organisation establishment (categories 1, 2, 3, 9), 2 foreign affairs (1, 9), 3 justice
(1-5, 9), 4 culture (1, 9), 5 civil affairs (1, 2, 3, 9), 6 tourism (1, 2, 9), 7 religion
(1, 2, 9), 8 trade unions (1, 9), 9 market regulation (1 enterprise, 2 individual
business, 3 farmers' co-operative), A Central Military Commission (1, 9), N agriculture
(1, 2, 3, 9), Y other (1 only). The region code is not checked: national registrations
use codes such as 100000 that are no county.

The embedded organisation code's check character is verified too: every published code
we tried (over 40 found online, individual businesses starting 92 included) satisfies it,
so a code failing it is a typo or a fabrication.

Why not ``stdnum.cn.uscc``: it requires the first two characters to be digits, so it rejects
the authorities A, N and Y that the standard defines; it checks neither the
authority/category pair nor the organisation code's own check character.

>>> validate('91350100M000100Y43')  # the customary example (zh.wikipedia)
'91350100M000100Y43'
>>> authority('91350100M000100Y43'), category('91350100M000100Y43')
('market regulation', 'enterprise')
>>> organization_code('91350100M000100Y43')
'M000100Y4'
>>> calc_check_digit('N2110101MA0000007')  # MA000000 + its GB 11714 check 7
'A'
>>> validate('N2110101MA0000007A')  # a village collective economic organisation
'N2110101MA0000007A'
>>> validate('91350100M000100Y44')  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
InvalidChecksum: ...
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.checksums import gb11714, gb32100
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

# authority code -> (authority, {category code: category})
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("organisation establishment", {"1": "government body", "2": "public institution",
                                         "3": "mass organisation", "9": "other"}),
    "2": ("foreign affairs", {"1": "foreign news agency office", "9": "other"}),
    "3": ("justice", {"1": "law firm", "2": "notary office", "3": "legal service office",
                      "4": "forensic institution", "5": "arbitration commission", "9": "other"}),
    "4": ("culture", {"1": "foreign cultural centre", "9": "other"}),
    "5": ("civil affairs", {"1": "social organisation", "2": "private non-enterprise unit",
                            "3": "foundation", "9": "other"}),
    "6": ("tourism", {"1": "foreign tourism office", "2": "HK/Macau/Taiwan tourism office",
                      "9": "other"}),
    "7": ("religion", {"1": "religious venue", "2": "religious college", "9": "other"}),
    "8": ("trade union", {"1": "grassroots trade union", "9": "other"}),
    "9": ("market regulation", {"1": "enterprise", "2": "individual business",
                                "3": "farmers' co-operative"}),
    "A": ("Central Military Commission", {"1": "military public institution", "9": "other"}),
    "N": ("agriculture", {"1": "group collective economic organisation",
                          "2": "village collective economic organisation",
                          "3": "township collective economic organisation", "9": "other"}),
    "Y": ("other", {"1": "other"}),
}

_FORM = re.compile(rf"[0-9A-Z]{{2}}[0-9]{{6}}[{gb32100.ALPHABET}]{{10}}")


def compact(number: str) -> str:
    """Remove spaces and dashes, upper-case."""
    return clean(number, " -")


def calc_check_digit(number: str) -> str:
    """Return the MOD 31 check character for the first 17 characters of ``number``."""
    return gb32100.calc_check_digit(number)


def validate(number: str) -> str:
    """Return the compact code, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) != 18:
        raise InvalidLength()
    if not _FORM.fullmatch(number):
        raise InvalidFormat()
    if number[1] not in AUTHORITIES.get(number[0], ("", {}))[1]:
        raise InvalidComponent("unknown registration authority or category")
    if not gb11714.is_valid(number[8:17]):
        raise InvalidChecksum("the organisation code's check character is wrong")
    if calc_check_digit(number) != number[17]:
        raise InvalidChecksum()
    return number


def is_valid(number: object) -> bool:
    """Check the code; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: the compact code."""
    return compact(number)


def authority(number: str) -> str:
    """Return the registration authority of a valid code, in English."""
    return AUTHORITIES[validate(number)[0]][0]


def category(number: str) -> str:
    """Return the institution category of a valid code, in English."""
    number = validate(number)
    return AUTHORITIES[number[0]][1][number[1]]


def organization_code(number: str) -> str:
    """Return the 9-character GB 11714 organisation code inside a valid code."""
    return validate(number)[8:17]
