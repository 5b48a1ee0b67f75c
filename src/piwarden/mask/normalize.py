"""The canonical form of a value before it is hashed, so spacing does not split pseudonyms."""

from __future__ import annotations

from piwarden.detect.ids import bank_card
from piwarden.detect.ids.cn import mobile, ric


def normalize(value: str, entity: str) -> str:
    """Compact identifiers; lower-case e-mail; strip whitespace elsewhere."""
    value = value.strip()
    if entity == "PHONE" and mobile.is_valid(value):
        return mobile.compact(value)
    if entity == "CN_RESIDENT_ID" and ric.is_valid(value):
        return ric.compact(value)
    if entity in ("BANK_CARD", "CREDIT_CARD") and bank_card.is_valid(value):
        return bank_card.compact(value)
    if entity == "EMAIL":
        return value.lower()
    return value
