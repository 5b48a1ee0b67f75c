"""What an access disclosed: the fields in clear, weighted by their grade and by how they combine.

Counting records seen treats an export of goods and amounts like one of names, phones and ID
numbers. Here a record's weight is the sum of the grades of its fields in clear, raised when
they combine into something usable on its own: a name with a phone and an address is a full
delivery profile (enough to call, visit or scam someone), an ID number with a name is an
identity. Masked fields count as what they are (a masked phone identifies nobody): a small
grade. Fields without a grade (goods, amounts, dates, member levels) count almost nothing: they
say something about a person only next to identifying fields, which carry the weight.

An aggregate (``query.by = "aggregate"``, no subjects) discloses no one's record: weight 0.

>>> round(record_weight(["name", "phone", "address"]), 2)
6.75
>>> record_weight(["goods", "amount", "order_time"]) < 0.01
True
>>> record_weight(["name"], masked=["phone"]) < record_weight(["name", "phone"])
True
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

#: Grade of a field in clear, per record. Identity and contact fields; aliases of the same field share a grade.
GRADES: dict[str, float] = {
    "id_number": 3.0, "id_card": 3.0, "passport": 3.0, "payment_account": 3.0, "bank_card": 3.0, "card_no": 3.0,
    "phone": 2.0, "mobile": 2.0, "email": 1.0, "address": 1.5, "name": 1.0,
}
MASKED_GRADE = 0.05  # a masked field: it narrows a person down, no more
LOW_GRADE = 0.001  # a field without a grade: goods, amounts, dates, levels
#: Combinations worth more than their parts: (fields, factor); the largest factor that applies is used.
COMBINATIONS: tuple[tuple[frozenset[str], float], ...] = (
    (frozenset({"name", "phone", "address"}), 1.5),  # a delivery profile
    (frozenset({"name", "id_number"}), 1.5),  # an identity
    (frozenset({"name", "payment_account"}), 1.5),
)
IDENTIFYING = frozenset(GRADES)
_ALIASES = {"mobile": "phone", "id_card": "id_number", "bank_card": "payment_account", "card_no": "payment_account"}


def record_weight(fields: Iterable[str], masked: Iterable[str] = ()) -> float:
    """What one record disclosed, in grade points."""
    canon = {_ALIASES.get(f, f) for f in fields}
    w = sum(GRADES.get(f, LOW_GRADE) for f in canon)
    w += MASKED_GRADE * sum(1 for f in set(masked) if _ALIASES.get(f, f) not in canon)
    factor = max((k for combo, k in COMBINATIONS if combo <= canon), default=1.0)
    return w * factor


def sensitive_fields(fields: Iterable[str]) -> frozenset[str]:
    """The identifying fields among ``fields`` (canonical names), for context keys and field baselines."""
    return frozenset(_ALIASES.get(f, f) for f in fields if f in IDENTIFYING)


@lru_cache(maxsize=4096)
def sensitive_of(fields: tuple[str, ...]) -> frozenset[str]:
    """:func:`sensitive_fields` of a tuple, memoized: a platform has a few hundred field sets, events millions."""
    return sensitive_fields(fields)


@lru_cache(maxsize=4096)
def weight_of(fields: tuple[str, ...], masked: tuple[str, ...]) -> float:
    """:func:`record_weight`, memoized likewise."""
    return record_weight(fields, masked)
