"""Masking a waybill for print: each field through the policy, then a check that nothing leaked.

Names, phones and addresses go through the operator the policy gives their type for the
viewer's role (by default ``partial``: 张*三, 138****5678, an address kept to its city).
Free text (goods, note) goes through detection first, since a buyer's note often holds a
phone number. The recipient's phone is replaced for calls by the virtual number, and for
the courier app by the QR reference; ID numbers are never printed at all. Whatever the
policy says, a waybill that would still show a clear name, phone or ID is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from piwarden.detect.analyzer import Analyzer
from piwarden.mask.keys import KeyRing
from piwarden.mask.policy import ANY, Policy, default_policy
from piwarden.mask.records import mask_record
from piwarden.mask.text import mask_spans
from piwarden.mask.waybill.model import Party, Waybill, WaybillError
from piwarden.mask.waybill.qr import qr_payload
from piwarden.mask.waybill.virtual import VirtualNumber, VirtualNumberPool, virtual_number

_FIELDS = {"name": "PERSON", "phone": "PHONE", "address": "ADDRESS"}


@dataclass(frozen=True, slots=True)
class MaskedParty:
    name: str
    phone: str
    address: str


@dataclass(frozen=True, slots=True)
class MaskedWaybill:
    """Everything a waybill prints, masked: safe to draw, log or show."""

    waybill_no: str
    carrier: str
    recipient: MaskedParty
    sender: MaskedParty
    virtual: VirtualNumber
    qr_payload: str
    goods: str
    note: str
    pieces: int
    weight_kg: float | None


class WaybillMasker:
    """Masks waybills for one policy and role; build once, use for many waybills.

    The key ring derives the virtual numbers and QR tokens (and keys the policy's keyed
    operators, if it has any). ``analyzer`` finds PI in the free-text fields; one is built on
    first need unless ``scan_text`` is false.
    """

    def __init__(self, keys: KeyRing, policy: Policy | None = None, *, role: str = ANY, purpose: str | None = None,
                 pool: VirtualNumberPool | None = None, analyzer: Analyzer | None = None,
                 scan_text: bool = True) -> None:
        self.keys, self.role, self.pool = keys, role, pool or VirtualNumberPool()
        self.rules = (policy or default_policy()).ruleset(role, purpose, keys)
        self.scan_text = scan_text
        self._analyzer = analyzer

    def mask(self, waybill: Waybill, index: int = 1) -> MaskedWaybill:
        """The printable form of ``waybill`` (``index`` names it in errors)."""
        goods, note = self._free_text(waybill.goods, waybill.note)
        masked = MaskedWaybill(
            waybill_no=waybill.waybill_no, carrier=waybill.carrier,
            recipient=self._party(waybill.recipient, waybill.waybill_no),
            sender=self._party(waybill.sender, waybill.waybill_no),
            virtual=virtual_number(waybill.binding, self.keys, self.pool),
            qr_payload=qr_payload(waybill.waybill_no, waybill.recipient.phone, self.keys),
            goods=goods, note=note, pieces=waybill.pieces, weight_kg=waybill.weight_kg)
        check_no_clear_values(waybill, printed_texts(masked), index)
        return masked

    def _party(self, party: Party, subject: str) -> MaskedParty:
        out = mask_record(party.model_dump(include=set(_FIELDS)), _FIELDS, self.rules, subject=subject)
        return MaskedParty(out["name"], out["phone"], out["address"])

    def _free_text(self, *texts: str) -> list[str]:
        if not self.scan_text or not any(texts):
            return list(texts)
        if self._analyzer is None:
            self._analyzer = Analyzer()  # a moment to build: only when needed
        found = self._analyzer.analyze_batch(list(texts))
        return [mask_spans(t, spans, self.rules).text for t, spans in zip(texts, found, strict=True)]


def printed_texts(masked: MaskedWaybill) -> list[str]:
    """Every string of a masked waybill that ends up on paper or in the QR code."""
    parties = [v for p in (masked.recipient, masked.sender) for v in (p.name, p.phone, p.address)]
    return [masked.waybill_no, masked.carrier, *parties, str(masked.virtual), masked.qr_payload, masked.goods,
            masked.note]


def clear_values(waybill: Waybill) -> dict[str, str]:
    """The values a privacy waybill must never show, by field (the full address counts as one)."""
    out: dict[str, str] = {}
    for role, party in (("recipient", waybill.recipient), ("sender", waybill.sender)):
        for name in ("name", "phone", "address", "id_number"):
            value = getattr(party, name)
            if value:
                out[f"{role}.{name}"] = value
                digits = "".join(c for c in value if c.isdigit())
                if name in ("phone", "id_number") and len(digits) >= 7:
                    out[f"{role}.{name} digits"] = digits
    return out


def check_no_clear_values(waybill: Waybill, texts: list[str], index: int = 1) -> None:
    """Raise if any text shows a clear name, phone, ID or full address (a policy that keeps them)."""
    for field, value in clear_values(waybill).items():
        if len(value) >= 2 and any(value in t or value in "".join(c for c in t if c.isdigit())
                                   for t in texts if t):
            raise WaybillError(f"waybill {index} ({waybill.waybill_no}): {field} would be printed in clear; "
                               "a privacy waybill needs a policy that masks it")
