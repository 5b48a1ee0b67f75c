"""PRC resident ID numbers (GB 11643-1999)."""

from __future__ import annotations

import datetime

import pytest
from faker import Faker
from stdnum.cn import ric as stdnum_ric

from piwarden.detect.ids.cn import ric
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

from .table import assert_case


def _with_check(body: str) -> str:
    return body + ric.calc_check_digit(body)


_TOMORROW = (datetime.date.today() + datetime.timedelta(days=1)).strftime("%Y%m%d")

CASES = [
    ("11010519491231002X", "11010519491231002X"),  # the example printed in GB 11643-1999
    ("110105 19491231 002x", "11010519491231002X"),  # spaces and a lower-case x
    ("440304-19880808-0112", "440304198808080112"),  # dashes; check digit computed
    ("830000199001010012", "830000199001010012"),  # residence permit of a Taiwan resident
    ("810000198512310027", "810000198512310027"),  # residence permit of a Hong Kong resident
    ("110199200002290048", "110199200002290048"),  # unknown county 110199 is accepted; 29 Feb 2000
    ("350203190001010025", "350203190001010025"),  # born on the earliest accepted day
    ("110105491231002", "110105491231002"),  # legacy 15 digits, born 1949-12-31
    ("110105194912310021", InvalidChecksum),  # X replaced by 1
    ("11010519491231003X", InvalidChecksum),  # body of ...0038 with the check character X
    ("991105194912310029", InvalidComponent),  # 99 is no province
    ("101105194912310029", InvalidComponent),  # 10 is no province either
    ("840000199001010012", InvalidComponent),  # 84 is not used
    (_with_check("11010519490230002"), InvalidComponent),  # 30 February
    (_with_check("11010518991231002"), InvalidComponent),  # born before 1900
    (_with_check("110105" + _TOMORROW + "002"), InvalidComponent),  # born tomorrow
    ("810000851231002", InvalidComponent),  # no 15-digit residence permits
    ("110105491331002", InvalidComponent),  # month 13 in the legacy form
    ("11010519491231002", InvalidLength),  # 17 characters
    ("11010519491231002XX", InvalidLength),  # 19 characters
    ("1101051949123100X2", InvalidFormat),  # X only allowed last
    ("11010519491231002Y", InvalidFormat),  # Y is no check character
    ("１１０１０５１９４９１２３１００２Ｘ", InvalidFormat),  # full-width digits
    ("11010549123100X", InvalidFormat),  # no check character in the legacy form
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(ric, number, expected)


def test_extras():
    assert ric.birth_date("11010519491231002X") == datetime.date(1949, 12, 31)
    assert ric.birth_date("110105491231002") == datetime.date(1949, 12, 31)
    assert ric.gender("11010519491231002X") == "F"  # sequence 002 is even
    assert ric.gender("110105194912310038") == "M"  # sequence 003 is odd
    assert ric.gender("110105491231003") == "M"  # last digit of a legacy number
    assert ric.to_18("110105491231002") == "11010519491231002X"
    assert ric.to_18("11010519491231002X") == "11010519491231002X"
    with pytest.raises(InvalidComponent):
        ric.to_18("110105491331002")


def test_faker_resident_ids_are_valid():
    """Faker's zh_CN ssn() builds resident IDs independently (real county codes, check digit)."""
    fake = Faker("zh_CN")
    fake.seed_instance(20240601)
    for _ in range(500):
        number = fake.ssn()
        assert ric.is_valid(number), number
        assert ric.calc_check_digit(number) == stdnum_ric.calc_check_digit(number)
