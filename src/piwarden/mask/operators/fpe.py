"""``fpe``: format-preserving encryption with FF1 (NIST SP 800-38G); ``unmask`` decrypts.

The output has the input's shape, and for identifiers with a validator it still validates:

- ``CN_RESIDENT_ID``: the 6-digit region code stays; the birth date moves to another day of
  the same year and the 3-digit sequence changes (both encrypted together as one number
  below ``days_in_year * 1000``, by cycle walking); the check character is recomputed
  (ISO 7064 MOD 11-2). Births in the current year are refused (their valid range grows daily).
- ``PHONE``: a mainland mobile keeps its country code and 3-digit network segment (4 for the
  1610/1740 blocks); the 8 subscriber digits are encrypted.
- ``BANK_CARD`` / ``CREDIT_CARD``: the 6-digit BIN stays, the account digits are encrypted,
  the Luhn digit is recomputed. ``IMEI``: the 8-digit TAC stays, likewise.
- ``EMAIL``: the local part is encrypted, the domain stays.
- anything else: every ASCII digit and letter is encrypted in its class (digits stay digits,
  upper-case letters upper-case), other characters stay; values of a known type that fail
  their validator take this path too.

The domain must hold at least a million values (FF1's floor): shorter values are refused.
The key is derived for the purpose; ``tweak`` adds a per-policy tweak.
"""

from __future__ import annotations

import datetime
import string

from pydantic import Field

from piwarden.detect.ids import bank_card, imei
from piwarden.detect.ids.checksums import luhn
from piwarden.detect.ids.cn import ric
from piwarden.mask.errors import MaskError
from piwarden.mask.ff1 import FF1, MIN_DOMAIN, decrypt_int, encrypt_int
from piwarden.mask.keys import KeyRing
from piwarden.mask.operators.base import Operator, Params
from piwarden.mask.shapes import ascii_digit, mobile_prefix, put, slots

TEXT_TYPES = frozenset({"PERSON", "ADDRESS", "ORG", "LOCATION", "JOB_TITLE", "GOODS"})
_CLASSES = (string.digits, string.ascii_lowercase, string.ascii_uppercase)


class FpeParams(Params):
    tweak: str = Field("", description="Mixed into FF1's tweak, so two policies can encrypt differently.")


def _is_ric_char(c: str) -> bool:
    return ascii_digit(c) or c in "Xx"


def _is_ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


class Fpe(Operator):
    """FF1 over the value's own alphabet; identifiers keep their prefix and a valid check digit."""

    name = "fpe"
    Params = FpeParams
    params: FpeParams
    keyed = True
    reversible = True

    def _setup(self, keys: KeyRing | None) -> None:
        assert keys is not None
        key = keys.derive(self.name, self.purpose, 32)
        self._ff10 = FF1(key, 10)
        self._ff2 = FF1(key, 2)
        self._tweak = self.params.tweak.encode()

    def supports(self, entity: str) -> bool:
        return entity not in TEXT_TYPES

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        return self._run(value, entity, True)

    def unmask(self, masked: str, entity: str, subject: str | None = None) -> str:
        return self._run(masked, entity, False)

    def _run(self, value: str, entity: str, forward: bool) -> str:
        if entity == "CN_RESIDENT_ID":
            pos = slots(value, _is_ric_char)
            number = "".join(value[p] for p in pos).upper()
            if ric.is_valid(number):
                return put(value, pos, self._ric(number, forward))
        elif entity in ("PHONE", "BANK_CARD", "CREDIT_CARD", "IMEI"):
            pos = slots(value, ascii_digit)
            digits = "".join(value[p] for p in pos)
            if (out := self._digits(digits, entity, forward)) is not None:
                return put(value, pos, out)
        elif entity == "EMAIL" and "@" in value:
            local, _, domain = value.rpartition("@")
            return self._generic(local, entity, forward) + "@" + domain
        if not self.supports(entity):
            raise MaskError(f"operator fpe does not apply to {entity}")
        return self._generic(value, entity, forward)

    # -- identifiers --------------------------------------------------------------------------
    def _ric(self, number: str, forward: bool) -> str:
        long = len(number) == 18
        born = ric.birth_date(number)
        if born.year >= datetime.date.today().year:
            raise MaskError("operator fpe cannot encrypt a CN_RESIDENT_ID born in the current year")
        first = datetime.date(born.year, 1, 1)
        days = (datetime.date(born.year + 1, 1, 1) - first).days
        seq = number[14:17] if long else number[12:15]
        x = (born - first).days * 1000 + int(seq)
        tweak = b"ric|" + number[:6].encode() + str(born.year).encode() + b"|" + self._tweak
        y = (encrypt_int if forward else decrypt_int)(self._ff10, x, 6, days * 1000, tweak)
        date = first + datetime.timedelta(days=y // 1000)
        body = number[:6] + (date.strftime("%Y%m%d") if long else date.strftime("%y%m%d")) + f"{y % 1000:03d}"
        return body + ric.calc_check_digit(body) if long else body

    def _digits(self, digits: str, entity: str, forward: bool) -> str | None:
        if entity == "PHONE":
            keep, check = mobile_prefix(digits), False
        elif entity == "IMEI":
            keep, check = (8, True) if len(digits) == 15 and imei.is_valid(digits) else (None, False)
        else:
            keep, check = (6, True) if bank_card.is_valid(digits) else (None, False)
        if keep is None:
            return None
        body = digits[keep : len(digits) - check]
        tweak = entity.encode() + b"|" + digits[:keep].encode() + b"|" + self._tweak
        out = digits[:keep] + self._numeric(body, tweak, forward)
        return out + luhn.calc_check_digit(out) if check else out

    def _numeric(self, digits: str, tweak: bytes, forward: bool) -> str:
        if 10 ** len(digits) < MIN_DOMAIN:
            raise MaskError("operator fpe needs at least 6 digits to encrypt")
        return (self._ff10.encrypt if forward else self._ff10.decrypt)(digits, tweak)

    # -- anything else: mixed radix over the ASCII letters and digits -------------------------
    def _generic(self, value: str, entity: str, forward: bool) -> str:
        pos = slots(value, _is_ascii_alnum)
        alphabets = [next(a for a in _CLASSES if value[p] in a) for p in pos]
        if all(a is _CLASSES[0] for a in alphabets):
            tweak = b"gen|" + entity.encode() + b"|" + self._tweak
            return put(value, pos, self._numeric("".join(value[p] for p in pos), tweak, forward))
        domain = 1
        x = 0
        for p, a in zip(pos, alphabets, strict=True):
            domain *= len(a)
            x = x * len(a) + a.index(value[p])
        if domain < MIN_DOMAIN:
            raise MaskError(f"operator fpe: the {entity} value is too short to encrypt")
        width = max(20, (domain - 1).bit_length())
        pattern = "".join("dlu"[_CLASSES.index(a)] for a in alphabets).encode()
        tweak = b"mix|" + entity.encode() + b"|" + pattern + b"|" + self._tweak
        y = (encrypt_int if forward else decrypt_int)(self._ff2, x, width, domain, tweak)
        chars = []
        for a in reversed(alphabets):
            y, r = divmod(y, len(a))
            chars.append(a[r])
        return put(value, pos, "".join(reversed(chars)))
