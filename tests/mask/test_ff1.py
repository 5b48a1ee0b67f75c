"""FF1 against NIST's published samples (SP 800-38G, FF1samples.pdf, samples 1-9)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.mask.ff1 import FF1, decrypt_int, encrypt_int

K128 = "2B7E151628AED2A6ABF7158809CF4F3C"
K192 = K128 + "EF4359D8D580AA4F"
K256 = K192 + "7F036D6F04FC6A94"
T_EMPTY, T10, T11 = "", "39383736353433323130", "3737373770717273373737"
PT10, PT36 = "0123456789", "0123456789abcdefghi"

NIST_SAMPLES = [  # (sample, key, radix, tweak, plaintext, ciphertext)
    (1, K128, 10, T_EMPTY, PT10, "2433477484"),
    (2, K128, 10, T10, PT10, "6124200773"),
    (3, K128, 36, T11, PT36, "a9tv40mll9kdu509eum"),
    (4, K192, 10, T_EMPTY, PT10, "2830668132"),
    (5, K192, 10, T10, PT10, "2496655549"),
    (6, K192, 36, T11, PT36, "xbj3kv35jrawxv32ysr"),
    (7, K256, 10, T_EMPTY, PT10, "6657667009"),
    (8, K256, 10, T10, PT10, "1001623463"),
    (9, K256, 36, T11, PT36, "xs8a0azh2avyalyzuwd"),
]


@pytest.mark.parametrize(("sample", "key", "radix", "tweak", "plain", "cipher"), NIST_SAMPLES,
                         ids=[f"sample{s[0]}" for s in NIST_SAMPLES])
def test_nist_samples(sample: int, key: str, radix: int, tweak: str, plain: str, cipher: str) -> None:
    ff1 = FF1(bytes.fromhex(key), radix)
    assert ff1.encrypt(plain, bytes.fromhex(tweak)) == cipher
    assert ff1.decrypt(cipher, bytes.fromhex(tweak)) == plain


def test_domain_floor_and_bad_input() -> None:
    ff1 = FF1(bytes(16), 10)
    with pytest.raises(ValueError, match="minimum"):
        ff1.encrypt("12345")  # 10**5 values < a million
    with pytest.raises(ValueError, match="alphabet"):
        ff1.encrypt("12345a")
    with pytest.raises(ValueError):
        FF1(bytes(15), 10)


@settings(max_examples=40, deadline=None)
@given(st.text("0123456789", min_size=6, max_size=40), st.binary(max_size=20))
def test_round_trip_radix10(plain: str, tweak: bytes) -> None:
    ff1 = FF1(bytes(range(32)), 10)
    out = ff1.encrypt(plain, tweak)
    assert len(out) == len(plain) and out.isdigit()
    assert ff1.decrypt(out, tweak) == plain


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 365_999))
def test_cycle_walking_stays_in_the_domain(x: int) -> None:
    ff1 = FF1(bytes(range(16)), 10)
    y = encrypt_int(ff1, x, 6, 366_000, b"t")
    assert 0 <= y < 366_000
    assert decrypt_int(ff1, y, 6, 366_000, b"t") == x
