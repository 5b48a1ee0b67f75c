"""Masking free text: detection spans in, masked text out.

``mask_text`` replaces spans right to left, so earlier offsets stay valid while later ones
change length. An operator that cannot handle a value (an FPE of a too-short number, a date
it cannot read) does not leave the value in clear: by default the span becomes ``<TYPE>``
(``on_error="replace"``); ``on_error="raise"`` raises a :class:`MaskError` naming the type
and operator, never the value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from piwarden import entities
from piwarden.detect.analyzer import Analyzer
from piwarden.detect.span import Span
from piwarden.mask.errors import MaskError
from piwarden.mask.keys import KeyRing
from piwarden.mask.policy import ANY, Policy, Ruleset, default_policy

OnError = Literal["replace", "raise"]


@dataclass(frozen=True, slots=True)
class MaskedSpan:
    """Where a masked value now is (offsets in the masked text) and what was done to it."""

    start: int
    end: int
    type: str
    operator: str
    fallback: bool = False  # the operator failed and the value was replaced by <TYPE>

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"start": self.start, "end": self.end, "type": self.type, "operator": self.operator}
        if self.fallback:
            out["fallback"] = True
        return out


@dataclass(slots=True)
class MaskedText:
    text: str
    spans: list[MaskedSpan] = field(default_factory=list)

    @property
    def fallbacks(self) -> int:
        return sum(s.fallback for s in self.spans)


def _non_overlapping(spans: Iterable[Span]) -> list[Span]:
    """Spans sorted by start; where spans overlap, the later one keeps only the part past the earlier."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not out or s.start >= out[-1].end:
            out.append(s)
        elif s.end > out[-1].end:  # the part past the earlier span is masked too, by its own type
            out.append(Span(out[-1].end, s.end, s.type, s.score, s.recognizer))
    return out


def mask_spans(text: str, spans: Iterable[Span], rules: Ruleset, *, subject: str | None = None,
               on_error: OnError = "replace") -> MaskedText:
    """Mask ``spans`` of ``text`` with the operators of ``rules``; see :func:`mask_text`."""
    chosen = _non_overlapping(spans)
    pieces: list[str] = []
    done: list[tuple[str, str, bool]] = []
    cursor = len(text)
    for span in reversed(chosen):  # right to left
        entity = entities.canonical(span.type)
        op = rules.operator(entity)
        # a value written to evade filters (一三八…, ①③⑧…) is masked as the number it is, so that no
        # digit of it stays in clear because the operator reads ASCII digits only
        value = span.normalized if span.normalized is not None else text[span.start : span.end]
        fallback = False
        try:
            masked = op.mask(value, entity, subject)
        except MaskError:
            if on_error == "raise":
                raise
            masked, fallback = f"<{entity}>", True
        pieces.append(text[span.end : cursor])
        pieces.append(masked)
        done.append((entity, masked, fallback))
        cursor = span.start
    pieces.append(text[:cursor])
    out = "".join(reversed(pieces))
    # offsets in the output, left to right
    result: list[MaskedSpan] = []
    shift = 0
    for span, (entity, masked, fallback) in zip(chosen, reversed(done), strict=True):
        start = span.start + shift
        result.append(MaskedSpan(start, start + len(masked), entity, rules.operator(entity).name, fallback))
        shift += len(masked) - (span.end - span.start)
    return MaskedText(out, result)


def mask_text(text: str, spans: Iterable[Span], policy: Policy | Ruleset | None = None, *, role: str = ANY,
              purpose: str | None = None, keys: KeyRing | None = None, subject: str | None = None,
              on_error: OnError = "replace") -> str:
    """``text`` with every span masked by the operator the policy gives its type.

    ``policy`` is a :class:`Policy` (resolved for ``role`` and ``purpose``), an already
    resolved :class:`Ruleset`, or None for the default policy by grade.
    """
    rules = policy if isinstance(policy, Ruleset) else (policy or default_policy()).ruleset(role, purpose, keys)
    return mask_spans(text, spans, rules, subject=subject, on_error=on_error).text


class Masker:
    """Detect and mask in one go: ``Masker(policy, role="analyst", keys=...).mask(text)``."""

    def __init__(self, policy: Policy | Ruleset | None = None, *, role: str = ANY, purpose: str | None = None,
                 keys: KeyRing | None = None, analyzer: Analyzer | None = None, on_error: OnError = "replace") -> None:
        """``policy`` may also be a policy already resolved for a role (a ``Ruleset``)."""
        self.rules = policy if isinstance(policy, Ruleset) else (policy or default_policy()).ruleset(role, purpose,
                                                                                                      keys)
        self.analyzer = analyzer if analyzer is not None else Analyzer()
        self.on_error: OnError = on_error

    def mask(self, text: str, subject: str | None = None) -> str:
        return self.mask_detailed(text, subject).text

    def mask_detailed(self, text: str, subject: str | None = None) -> MaskedText:
        return self.mask_batch([text], [subject])[0]

    def mask_batch(self, texts: Sequence[str], subjects: Sequence[str | None] | None = None) -> list[MaskedText]:
        """Mask many texts; the analyzer sees them as one batch."""
        subjects = subjects if subjects is not None else [None] * len(texts)
        found = self.analyzer.analyze_batch(texts)
        return [mask_spans(t, spans, self.rules, subject=s, on_error=self.on_error)
                for t, spans, s in zip(texts, found, subjects, strict=True)]

    def unmask(self, masked: str, entity: str, subject: str | None = None) -> str:
        """Undo one masked value (token, fpe, date_shift)."""
        entity = entities.canonical(entity)
        return self.rules.operator(entity).unmask(masked, entity, subject)
