"""FF1 format-preserving encryption (NIST SP 800-38G, section 5.1), over AES from ``cryptography``.

FF1 is a 10-round Feistel network whose round function is AES-CBC-MAC; it maps a string of
``n`` numerals in base ``radix`` to another string of ``n`` numerals, under a key and an
optional tweak. FF3/FF3-1 are withdrawn in the 2025 draft of SP 800-38G Rev. 2, so only FF1
is built. Checked against NIST's published FF1 samples 1-9 (``tests/mask/test_ff1.py``).

The domain must hold at least a million values (``radix ** n >= 1_000_000``, SP 800-38G
Rev. 1): callers with smaller domains enlarge them (see ``operators/fpe.py``).

>>> key = bytes.fromhex('2B7E151628AED2A6ABF7158809CF4F3C')
>>> FF1(key, 10).encrypt('0123456789')  # NIST sample 1
'2433477484'
>>> FF1(key, 10).decrypt('2433477484')
'0123456789'
"""

from __future__ import annotations

import math
import string
import threading
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ROUNDS = 10
MIN_DOMAIN = 1_000_000
ALPHABET_36 = string.digits + string.ascii_lowercase


class FF1:
    """FF1 under one AES key (16, 24 or 32 bytes) for one radix (2 to 65536)."""

    def __init__(self, key: bytes, radix: int, alphabet: str | None = None) -> None:
        if len(key) not in (16, 24, 32):
            raise ValueError("FF1 needs an AES key of 16, 24 or 32 bytes")
        if not 2 <= radix <= 1 << 16:
            raise ValueError("radix must be between 2 and 65536")
        self._cipher = Cipher(algorithms.AES(key), modes.ECB())
        self._local = threading.local()  # one ECB context per thread: a context is not shared across threads
        self.radix = radix
        self.alphabet = alphabet if alphabet is not None else ALPHABET_36[:radix] if radix <= 36 else None
        if self.alphabet is not None and len(self.alphabet) != radix:
            raise ValueError("the alphabet must have exactly radix characters")

    # -- string interface -------------------------------------------------------------------
    def encrypt(self, text: str, tweak: bytes = b"") -> str:
        return self._text(self.encrypt_numerals(self._numerals(text), tweak))

    def decrypt(self, text: str, tweak: bytes = b"") -> str:
        return self._text(self.decrypt_numerals(self._numerals(text), tweak))

    def _numerals(self, text: str) -> list[int]:
        if self.alphabet is None:
            raise ValueError("no alphabet for this radix; use the numeral interface")
        try:
            return [self.alphabet.index(c) for c in text]
        except ValueError:
            raise ValueError("a character is outside the alphabet") from None

    def _text(self, numerals: list[int]) -> str:
        assert self.alphabet is not None
        return "".join(self.alphabet[x] for x in numerals)

    # -- numeral interface (SP 800-38G Algorithms 7 and 8) -----------------------------------
    def _ecb(self) -> Any:
        ecb = getattr(self._local, "ecb", None)
        if ecb is None:
            ecb = self._local.ecb = self._cipher.encryptor()
        return ecb

    def encrypt_numerals(self, numerals: list[int], tweak: bytes = b"") -> list[int]:
        n, u, v, a, b = self._split(numerals)
        prf = self._prf(n, u, v, tweak)
        for i in range(ROUNDS):
            m = u if i % 2 == 0 else v
            y = self._round(prf, i, b)
            a, b = b, (a + y) % self.radix**m
        return self.digits(a, u) + self.digits(b, v)

    def decrypt_numerals(self, numerals: list[int], tweak: bytes = b"") -> list[int]:
        n, u, v, a, b = self._split(numerals)
        prf = self._prf(n, u, v, tweak)
        for i in reversed(range(ROUNDS)):
            m = u if i % 2 == 0 else v
            y = self._round(prf, i, a)
            a, b = (b - y) % self.radix**m, a
        return self.digits(a, u) + self.digits(b, v)

    def _split(self, numerals: list[int]) -> tuple[int, int, int, int, int]:
        n = len(numerals)
        if n < 2 or self.radix**n < MIN_DOMAIN:
            raise ValueError("the domain is smaller than FF1's minimum of a million values")
        if any(not 0 <= x < self.radix for x in numerals):
            raise ValueError("a numeral is outside the radix")
        u = n // 2
        return n, u, n - u, self.num(numerals[:u]), self.num(numerals[u:])

    def _prf(self, n: int, u: int, v: int, tweak: bytes) -> tuple[int, bytes, int, int]:
        """What every round's PRF shares: the CBC-MAC state after P and after the whole blocks of Q that hold
        only the tweak and its zero padding, the rest of that padding, b and d (SP 800-38G Algorithm 7,
        steps 3-6: P, and Q up to [i]). Computed once per call instead of once per round."""
        b = math.ceil(((self.radix**v - 1).bit_length()) / 8)  # ceil(ceil(v * log2(radix)) / 8)
        d = 4 * math.ceil(b / 4) + 4
        # P = [1]^1 [2]^1 [1]^1 [radix]^3 [10]^1 [u mod 256]^1 [n]^4 [t]^4
        p = bytes([1, 2, 1]) + self.radix.to_bytes(3, "big") + bytes([10, u % 256]) + n.to_bytes(4, "big") \
            + len(tweak).to_bytes(4, "big")
        head = tweak + bytes((-len(tweak) - b - 1) % 16)
        whole = len(head) // 16 * 16
        return self._mac(0, p + head[:whole]), head[whole:], b, d

    def _mac(self, y: int, data: bytes) -> int:
        """CBC-MAC of ``data`` (whole blocks) continued from the state ``y`` (0: the zero IV): the PRF."""
        ecb = self._ecb()
        for k in range(0, len(data), 16):
            y = int.from_bytes(ecb.update((y ^ int.from_bytes(data[k:k + 16], "big")).to_bytes(16, "big")), "big")
        return y

    def _round(self, prf: tuple[int, bytes, int, int], i: int, half: int) -> int:
        """The round function: y = NUM(S), S the first d bytes of the expanded PRF output."""
        y, rest, b, d = prf
        y = self._mac(y, rest + bytes([i]) + half.to_bytes(b, "big"))
        if d <= 16:
            return y >> (8 * (16 - d))
        ecb, s = self._ecb(), bytearray(y.to_bytes(16, "big"))
        for j in range(1, math.ceil(d / 16)):
            s += ecb.update((y ^ j).to_bytes(16, "big"))
        return int.from_bytes(bytes(s[:d]), "big")

    def num(self, numerals: list[int]) -> int:
        value = 0
        for x in numerals:
            value = value * self.radix + x
        return value

    def digits(self, value: int, m: int) -> list[int]:
        out = [0] * m
        for k in range(m - 1, -1, -1):
            value, out[k] = divmod(value, self.radix)
        return out


def encrypt_int(cipher: FF1, value: int, width: int, domain: int, tweak: bytes = b"") -> int:
    """Encrypt ``value`` in ``range(domain)`` by cycle walking over ``width`` numerals."""
    if not 0 <= value < domain <= cipher.radix**width:
        raise ValueError("value outside the domain")
    while True:
        value = cipher.num(cipher.encrypt_numerals(cipher.digits(value, width), tweak))
        if value < domain:
            return value


def decrypt_int(cipher: FF1, value: int, width: int, domain: int, tweak: bytes = b"") -> int:
    """Invert :func:`encrypt_int`."""
    if not 0 <= value < domain <= cipher.radix**width:
        raise ValueError("value outside the domain")
    while True:
        value = cipher.num(cipher.decrypt_numerals(cipher.digits(value, width), tweak))
        if value < domain:
            return value
