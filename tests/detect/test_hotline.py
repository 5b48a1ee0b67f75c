"""The hotline pre-check may only skip parses that would say "not a hotline"."""

from __future__ import annotations

import re

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.recognizers import phone

_TYPES = (phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.PREMIUM_RATE,
          phonenumbers.PhoneNumberType.SHARED_COST, phonenumbers.PhoneNumberType.FIXED_LINE,
          phonenumbers.PhoneNumberType.MOBILE)
# national numbers of every type in every region sharing the hotline regions' country codes
EXAMPLES = sorted({
    phonenumbers.national_significant_number(n)
    for cc in (1, 86, 44) for region in phonenumbers.region_codes_for_country_code(cc) for t in _TYPES
    if (n := phonenumbers.example_number_for_type(region, t)) is not None
})
# country codes, national prefixes, carrier codes and international prefixes of US, CN and GB
PREFIXES = ["", "1", "86", "44", "0", "11234", "17912", "180020", "00", "011", "1123400", "860", "440", "10", "3"]


_TAIL = re.compile(f"(?:{phone._not_personal(phone._HOTLINE_REGIONS)})\\Z")


def _agree(value: str) -> None:
    """The same answer as before the shape check: any not-personal tail, then the parse."""
    number = phone._digits(value)
    before = (number.startswith(("+", "00", "011")) or _TAIL.search(number) is not None) and phone._parsed_hotline(number)
    assert phone._hotline.__wrapped__(value) == before, value


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(PREFIXES), st.sampled_from(EXAMPLES), st.integers(0, 30), st.sampled_from("0123456789-"))
def test_precheck_agrees_with_the_parse(prefix: str, national: str, at: int, char: str) -> None:
    number = prefix + national
    _agree(number)
    at %= len(number)
    _agree(number[:at] + char + number[at + 1:])  # one digit changed, or a dash put in


@settings(max_examples=400, deadline=None)
@given(st.text("0123456789", min_size=5, max_size=15))
def test_precheck_agrees_on_any_digits(number: str) -> None:
    _agree(number)


def test_hotlines_are_still_found() -> None:
    assert phone._hotline("4008123123") and phone._hotline("1-800-275-2273") and phone._hotline("08001111")
    assert not phone._hotline("13812345678")


_ANY_REGION = [*sorted({*phone._REGIONS, *phone._HOTLINE_REGIONS}), None]


@settings(max_examples=800, deadline=None)
@given(st.sampled_from([*PREFIXES, "+852", "+886", "+853", "+1", "+44", "+86"]),
       st.sampled_from([*EXAMPLES, "91234567", "223456789"]), st.integers(0, 30), st.sampled_from("0123456789"),
       st.sampled_from(_ANY_REGION))
def test_a_known_type_means_a_valid_number(prefix: str, national: str, at: int, char: str, region: str | None) -> None:
    """phone._valid_types asks number_type alone: it must be known exactly for valid numbers."""
    number = prefix + national
    at %= len(number)
    for value in (number, number[:at] + char + number[at + 1:]):
        try:
            parsed = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        known = phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.UNKNOWN
        assert known == phonenumbers.is_valid_number(parsed), value
