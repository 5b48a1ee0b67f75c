"""Presidio's anonymizer over piwarden's masking: its operators, its conflict rules, its result shape.

Presidio users send ``{text, anonymizers: {DEFAULT | ENTITY: {type, ...}}, analyzer_results}``;
:func:`anonymize` answers what ``presidio-anonymizer`` 2.2 answers: the text with each result
replaced right to left, and one item per replacement (``start``/``end`` in the new text,
``entity_type``, the new ``text``, the ``operator``), in the order they were replaced.

Operators, on piwarden's where it has them:

========= ==================================================================================
replace   piwarden's ``replace`` (``new_value``; empty or missing: ``<ENTITY_TYPE>``)
redact    piwarden's ``redact``
keep      piwarden's ``keep``
mask      piwarden's ``partial`` over every character: ``chars_to_mask`` characters from the
          start (or ``from_end``), ``masking_char`` one character
hash      sha256/sha512 of the value and a ``salt`` (random per value when none is given), as
          Presidio 2.2.366 does; for pseudonyms that join across releases use piwarden's keyed
          ``hash`` operator (docs/mask.md) instead
encrypt   AES-CBC, PKCS7, a random IV, URL-safe base64 of IV and ciphertext, the ``key`` a 16,
          24 or 32-byte string: Presidio's format, so either side decrypts the other's values
decrypt   (``/deanonymize``) the reverse
========= ==================================================================================

Anything else (``custom`` lambdas, an unknown option) is an :class:`OperatorError` naming the
operator and the option, never a value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from piwarden.mask.operators.keep import Keep
from piwarden.mask.operators.partial import keep_ends
from piwarden.mask.operators.redact import Redact
from piwarden.mask.operators.replace import Replace

DEFAULT = "DEFAULT"
ANONYMIZERS = ("encrypt", "hash", "keep", "mask", "redact", "replace")
DEANONYMIZERS = ("decrypt",)
# each operator's options (Presidio's names) beside ``type``
OPTIONS: Mapping[str, frozenset[str]] = {
    "replace": frozenset({"new_value"}),
    "redact": frozenset(),
    "keep": frozenset(),
    "mask": frozenset({"masking_char", "chars_to_mask", "from_end"}),
    "hash": frozenset({"hash_type", "salt"}),
    "encrypt": frozenset({"key"}),
    "decrypt": frozenset({"key"}),
}
REQUIRED: Mapping[str, tuple[str, ...]] = {"mask": ("masking_char", "chars_to_mask"), "encrypt": ("key",),
                                           "decrypt": ("key",)}
HASH_TYPES = ("sha256", "sha512")
MIN_SALT = 16


class OperatorError(ValueError):
    """An operator Presidio's REST API would refuse, or one piwarden does not offer; names the option only."""


@dataclass(frozen=True, slots=True)
class Entity:
    """One of ``analyzer_results`` (or ``anonymizer_results``): a span and its entity name."""

    start: int
    end: int
    entity_type: str
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One replacement: where its new text is in the output, what it was, how it was made."""

    start: int
    end: int
    entity_type: str
    text: str
    operator: str
    score: float | None = None  # the analyzer result's (Presidio 2.2.366 reports it too)

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "entity_type": self.entity_type, "text": self.text,
                "operator": self.operator, "score": self.score}


@dataclass(frozen=True, slots=True)
class PresidioOperator:
    """One checked operator config: ``type`` and its options."""

    type: str
    params: Mapping[str, Any]

    @classmethod
    def parse(cls, where: str, config: Mapping[str, Any], allowed: Sequence[str] = ANONYMIZERS) -> PresidioOperator:
        """Check ``config`` (``{"type": ..., options}``) as Presidio's validators do; ``where`` names it in errors."""
        kind = config.get("type")
        if not isinstance(kind, str) or kind not in allowed:
            if kind == "custom":
                raise OperatorError(f"{where}: the custom operator is not supported (Presidio's REST API refuses "
                                    "it too)")
            raise OperatorError(f"{where}.type must be one of {', '.join(allowed)}")
        params = {k: v for k, v in config.items() if k != "type"}
        for option in sorted(set(params) - OPTIONS[kind]):
            raise OperatorError(f"{where}.{option} is not an option of {kind} (options: "
                                f"{', '.join(sorted(OPTIONS[kind])) or 'none'})")
        for option in REQUIRED.get(kind, ()):
            if option not in params:
                raise OperatorError(f"{where}.{option} is required by {kind}")
        op = cls(kind, params)
        op._check(where)
        return op

    def _check(self, where: str) -> None:
        p = self.params
        if self.type == "replace" and p.get("new_value") is not None and not isinstance(p["new_value"], str):
            raise OperatorError(f"{where}.new_value must be a string")
        if self.type == "mask":
            if not isinstance(p["masking_char"], str) or len(p["masking_char"]) != 1:
                raise OperatorError(f"{where}.masking_char must be one character")
            if not isinstance(p["chars_to_mask"], int) or isinstance(p["chars_to_mask"], bool):
                raise OperatorError(f"{where}.chars_to_mask must be an integer")
            if not isinstance(p.get("from_end", False), bool):
                raise OperatorError(f"{where}.from_end must be true or false")
        if self.type == "hash":
            if p.get("hash_type", "sha256") not in HASH_TYPES:
                raise OperatorError(f"{where}.hash_type must be one of {', '.join(HASH_TYPES)}")
            salt = p.get("salt")
            if salt is not None and (not isinstance(salt, str) or len(salt.encode()) < MIN_SALT):
                raise OperatorError(f"{where}.salt must be a string of at least {MIN_SALT} bytes")
        if self.type in ("encrypt", "decrypt"):
            key = p["key"]
            if not isinstance(key, str) or len(key.encode()) * 8 not in (128, 192, 256):
                raise OperatorError(f"{where}.key must be a string of 128, 192 or 256 bits (16, 24 or 32 bytes)")

    def apply(self, value: str, entity_type: str) -> str:
        """The value as this operator leaves it."""
        p = self.params
        if self.type == "replace":
            return Replace({"value": p.get("new_value") or f"<{entity_type}>"}).mask(value, entity_type)
        if self.type == "redact":
            return Redact().mask(value, entity_type)
        if self.type == "keep":
            return Keep().mask(value, entity_type)
        if self.type == "mask":
            n = min(len(value), p["chars_to_mask"]) if p["chars_to_mask"] > 0 else 0
            if n == 0:
                return value
            first, last = (len(value) - n, 0) if p.get("from_end") else (0, len(value) - n)
            return keep_ends(value, first, last, p["masking_char"], list(range(len(value))))
        if self.type == "hash":
            salt = p["salt"].encode() if p.get("salt") is not None else os.urandom(32)
            return hashlib.new(p.get("hash_type", "sha256"), value.encode() + salt).hexdigest()
        if self.type == "encrypt":
            return encrypt(p["key"].encode(), value)
        return decrypt(p["key"].encode(), value)


def encrypt(key: bytes, text: str) -> str:
    """AES-CBC of ``text`` under ``key``: Presidio's ``encrypt`` format (random IV, PKCS7, URL-safe base64)."""
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(text.encode()) + padder.finalize()
    iv = os.urandom(16)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.urlsafe_b64encode(iv + enc.update(padded) + enc.finalize()).decode()


def decrypt(key: bytes, text: str) -> str:
    """The reverse of :func:`encrypt`; raises OperatorError for text that is not such a ciphertext under ``key``."""
    try:
        raw = base64.urlsafe_b64decode(text)
        if len(raw) < 32 or len(raw) % 16:
            raise ValueError
        dec = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        padded = dec.update(raw[16:]) + dec.finalize()
        return (unpadder.update(padded) + unpadder.finalize()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise OperatorError("a span does not decrypt with the key given (not a ciphertext of it)") from None


def operators(configs: Mapping[str, Mapping[str, Any]] | None, *, field: str = "anonymizers",
              allowed: Sequence[str] = ANONYMIZERS) -> dict[str, PresidioOperator]:
    """Checked operators by entity name (``DEFAULT`` included)."""
    return {name: PresidioOperator.parse(f"{field}.{name}", cfg, allowed) for name, cfg in (configs or {}).items()}


def resolve(text: str, results: Sequence[Entity]) -> list[Entity]:
    """Presidio 2.2's default conflict handling (``MERGE_SIMILAR_OR_CONTAINED``, spaces merged).

    Intersecting results of one entity type merge into one (the union, the best score); a
    result inside another, or on the same span with a lower score, is dropped; partial overlaps
    of different types stay (:func:`operate` then ends the left one where the right one
    starts); results of one type separated by spaces only merge.
    """
    ordered = sorted(results, key=lambda r: (r.start, r.end))
    by_type: dict[str, list[tuple[int, Entity]]] = {}
    for i, r in enumerate(ordered):
        by_type.setdefault(r.entity_type, []).append((i, r))
    merged: list[tuple[int, Entity]] = []
    for group in by_type.values():
        position, current = group[0]
        for i, r in group[1:]:
            if min(current.end, r.end) - max(current.start, r.start) <= 0:
                merged.append((position, current))
                position, current = i, r
                continue
            current = Entity(min(current.start, r.start), max(current.end, r.end), r.entity_type,
                             max(current.score or 0.0, r.score or 0.0))
            position = max(position, i)
        merged.append((position, current))
    merged.sort(key=lambda p: p[0])
    items = [r for _, r in merged]
    order = sorted(range(len(items)), key=lambda i: (items[i].start, -items[i].end))
    dropped: set[int] = set()
    reach: int | None = None
    g = 0
    while g < len(order):
        first = items[order[g]]
        h = g
        while h < len(order) and (items[order[h]].start, items[order[h]].end) == (first.start, first.end):
            h += 1
        group_ids = order[g:h]
        if reach is not None and reach >= first.end:
            dropped.update(group_ids)
        else:
            survivor = max(group_ids, key=lambda i: (items[i].score or 0.0, i))
            dropped.update(i for i in group_ids if i != survivor)
        if reach is None or first.end > reach:
            reach = first.end
        g = h
    kept = [r for i, r in enumerate(items) if i not in dropped]
    out: list[Entity] = []
    for r in kept:  # one type, only spaces between: one result
        prev = out[-1] if out else None
        if prev is not None and prev.entity_type == r.entity_type and prev.end < r.start \
                and not text[prev.end:r.start].strip(" "):
            out.pop()
            r = Entity(prev.start, r.end, r.entity_type, r.score)
        out.append(r)
    return out


def operate(text: str, results: Sequence[Entity], chosen: Mapping[str, PresidioOperator],
            default: PresidioOperator) -> tuple[str, list[Item]]:
    """Replace ``results`` in ``text`` right to left with their operators (``chosen`` by entity name).

    Each operator sees the whole span as written; a span overlapping the one replaced before
    it (to its right) is cut where that one starts, as Presidio's ``TextReplaceBuilder`` does.
    """
    for r in results:
        if not 0 <= r.start <= r.end <= len(text):
            raise OperatorError("each result's start and end must lie within the text, start <= end")
    out = text
    done: list[tuple[int, str, Entity, str]] = []  # (index from the end, new text, result, operator)
    last = len(text)
    for r in sorted(results, key=lambda r: (r.start, r.end), reverse=True):
        op = chosen.get(r.entity_type, default)
        new = op.apply(text[r.start:r.end], r.entity_type)
        after = out[min(r.end, last):]
        out = out[:r.start] + new + after
        last = r.start
        done.append((len(after) + len(new), new, r, op.type))
    items = [Item(len(out) - back, len(out) - back + len(new), r.entity_type, new, kind, r.score)
             for back, new, r, kind in done]
    return out, items


def anonymize(text: str, results: Sequence[Entity], configs: Mapping[str, Mapping[str, Any]] | None) -> tuple[str, list[Item]]:
    """Presidio's ``AnonymizerEngine.anonymize``: the operators checked, conflicts resolved, spans replaced."""
    chosen = operators(configs)
    default = chosen.get(DEFAULT, PresidioOperator("replace", {}))
    return operate(text, resolve(text, results), chosen, default)


def deanonymize(text: str, results: Sequence[Entity], configs: Mapping[str, Mapping[str, Any]]) -> tuple[str, list[Item]]:
    """Presidio's ``DeanonymizeEngine.deanonymize``: ``decrypt`` each span (the ``DEFAULT`` config or its entity's)."""
    chosen = operators(configs, field="deanonymizers", allowed=DEANONYMIZERS)
    default = chosen.get(DEFAULT)
    if default is None:
        if {r.entity_type for r in results} - set(chosen):
            raise OperatorError("deanonymizers needs a DEFAULT entry or one for every entity type of anonymizer_results")
        default = PresidioOperator("keep", {})  # never used: every result has its own
    return operate(text, results, chosen, default)
