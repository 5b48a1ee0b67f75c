"""E-mail addresses: pragmatic RFC 5321/5322 syntax."""

from __future__ import annotations

import pytest
from faker import Faker

from piwarden.detect.ids import email
from piwarden.detect.ids.exceptions import InvalidComponent, InvalidFormat, InvalidLength

from .table import assert_case

CASES = [
    ("zhang.san@example.com", "zhang.san@example.com"),  # plain
    (" Zhang.San@Example.COM ", "Zhang.San@example.com"),  # domain lower-cased, local kept
    ("user+tag@mail.example.cn", "user+tag@mail.example.cn"),  # sub-addressing, 3 labels
    ("o'brien@example.ie", "o'brien@example.ie"),  # apostrophe is atext
    ("a!#$%&'*+/=?^_`{|}~-z@example.org", "a!#$%&'*+/=?^_`{|}~-z@example.org"),  # all atext
    ("123456@qq.com", "123456@qq.com"),  # QQ mail: a digit-only local part
    ("user@example.xn--fiqs8s", "user@example.xn--fiqs8s"),  # IDN top-level domain (.中国)
    ("user@xn--fsqu00a.xn--3lr804guic", "user@xn--fsqu00a.xn--3lr804guic"),  # punycode labels
    ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),  # longest local part
    ("user@localhost", InvalidFormat),  # a single label is no Internet domain
    ("a..b@example.com", InvalidFormat),  # consecutive dots
    (".ab@example.com", InvalidFormat),  # leading dot
    ("ab.@example.com", InvalidFormat),  # trailing dot
    ('"a b"@example.com', InvalidFormat),  # quoted local parts are refused
    ("user@-example.com", InvalidFormat),  # label starts with a hyphen
    ("user@example-.com", InvalidFormat),  # label ends with a hyphen
    ("user@example..com", InvalidFormat),  # empty label
    ("user@[192.0.2.1]", InvalidFormat),  # address literal
    ("user@example.c", InvalidComponent),  # one-letter top-level domain
    ("user@example.123", InvalidComponent),  # numeric top-level domain
    ("user.example.com", InvalidFormat),  # no @
    ("用户@例子.中国", InvalidFormat),  # internationalised address (RFC 6531) is refused
    ("ｕｓｅｒ@example.com", InvalidFormat),  # full-width letters
    ("a" * 65 + "@example.com", InvalidLength),  # local part over 64
    ("a@" + ".".join(["c" * 60] * 5) + ".com", InvalidLength),  # 310 characters, over 254
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(email, number, expected)


def test_extras():
    assert email.local_part("Zhang.San@Example.com") == "Zhang.San"
    assert email.domain("Zhang.San@Example.com") == "example.com"


def test_faker_addresses_are_valid():
    for locale in ("zh_CN", "en_US"):
        fake = Faker(locale)
        fake.seed_instance(99)
        for _ in range(200):
            address = fake.email()
            assert email.is_valid(address), address
