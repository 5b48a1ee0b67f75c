"""The waybill's QR code: an opaque reference that only the vault turns into a phone number.

The payload is ``piwarden:vault:v1:<token>``, where the token is the ``token`` operator's
AES-SIV encryption (see :mod:`piwarden.mask.operators.token`) of ``waybill_no|phone`` under
the key ring's ``waybill-qr`` purpose. Binding the waybill number in means one recipient's
parcels carry unrelated codes (a courier scanning many labels cannot link them) and a code
copied onto another label does not resolve for it. A courier app sends the payload to the
vault, which checks the courier's right to call and places the call; :func:`resolve_qr`
is that vault's core, stateless for now: the vault issue backs it with storage (expiry,
revocation, an audit record of every resolution).
"""

from __future__ import annotations

from functools import lru_cache

from piwarden.mask.errors import MaskError
from piwarden.mask.keys import KeyRing
from piwarden.mask.operators import Operator, get_operator
from piwarden.mask.waybill.model import WaybillError

SCHEME = "piwarden:vault:v1:"
PURPOSE = "waybill-qr"
_SEP = "|"


class QrError(WaybillError):
    """A QR payload that is not ours, was made with another key, or belongs to another waybill."""


def _token_operator(keys: KeyRing) -> Operator:
    return get_operator("token")({}, keys=keys, purpose=PURPOSE)


def qr_payload(waybill_no: str, phone: str, keys: KeyRing) -> str:
    """What the QR code of ``waybill_no`` encodes: a token of the phone, never the phone."""
    return SCHEME + _token_operator(keys).mask(f"{waybill_no}{_SEP}{phone}", "PHONE")


def resolve_qr(payload: str, keys: KeyRing, *, waybill_no: str | None = None) -> str:
    """The real phone behind a QR payload (the vault's side); ``waybill_no`` checks the label too."""
    if not payload.startswith(SCHEME):
        raise QrError("not a piwarden vault reference")
    try:
        plain = _token_operator(keys).unmask(payload.removeprefix(SCHEME), "PHONE")
    except MaskError:
        raise QrError("the reference does not resolve with this key") from None
    bound, _, phone = plain.partition(_SEP)
    if waybill_no is not None and bound != waybill_no:
        raise QrError(f"the reference belongs to another waybill than {waybill_no}")
    return phone


@lru_cache(maxsize=64)
def qr_modules(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The dark (True) and light modules of the code, without the quiet zone (error correction M)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(payload.encode("ascii"))
    code.make(fit=True)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())


def dark_runs(modules: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Each row's runs of dark modules as (row, first column, length): fewer shapes to draw."""
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(modules):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs
