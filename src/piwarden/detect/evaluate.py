"""Score detected spans against labeled records (pure Python).

Gold records are ``{"id", "text", "spans": [{"start", "end", "label"}]}`` (the form of
``shared/data``); predictions are, per record, ``(start, end, label)`` triples (or objects
with ``.start/.end/.type``, or dicts). Two matching modes, as the data README suggests:

- exact: same start, end and label;
- overlap: same label and at least one shared character; each gold and each predicted span
  is matched at most once, greedily by the largest overlap.

Plus the label-agnostic masking view (share of gold PI spans that any predicted span
overlaps) and, for records marked ``"hard_negative": true``, the share on which anything is
predicted.

>>> gold = [{"id": "a", "text": "call 13812345678", "spans": [{"start": 5, "end": 16, "label": "PHONE"}]}]
>>> r = score(gold, [[(5, 16, "PHONE")]])
>>> r.exact.micro.f1, r.overlap.micro.f1, r.coverage.rate
(1.0, 1.0, 1.0)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from piwarden.entities import ENTITY_TYPES

Triple = tuple[int, int, str]

# The labels shared/data/README.md marks as personal information.
README_PI_LABELS: tuple[str, ...] = (
    "PERSON", "ADDRESS", "PHONE", "EMAIL", "BANK_CARD", "IBAN", "US_SSN", "IP_ADDRESS",
    "DRIVER_LICENSE", "QQ_ID", "WECHAT_ID",
)
# The gold sets call every card BANK_CARD.
DEFAULT_LABEL_MAP: Mapping[str, str] = {"CREDIT_CARD": "BANK_CARD"}


@dataclass
class Counts:
    """True positives, false positives and false negatives of one label (or all)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def as_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass
class ModeResult:
    """Scores of one matching mode: per label and micro-averaged over the scored labels."""

    mode: str
    per_label: dict[str, Counts] = field(default_factory=dict)

    @property
    def micro(self) -> Counts:
        total = Counts()
        for c in self.per_label.values():
            total.add(c)
        return total

    def as_dict(self) -> dict[str, Any]:
        return {"micro": self.micro.as_dict(),
                "per_label": {k: v.as_dict() for k, v in sorted(self.per_label.items())}}


@dataclass
class Coverage:
    """Gold PI spans overlapped by any predicted span, whatever its label."""

    covered: int = 0
    total: int = 0
    per_label: dict[str, list[int]] = field(default_factory=dict)  # label -> [covered, total]

    @property
    def rate(self) -> float:
        return self.covered / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"covered": self.covered, "total": self.total, "rate": self.rate,
                "per_label": {k: {"covered": c, "total": t, "rate": c / t if t else 0.0}
                              for k, (c, t) in sorted(self.per_label.items())}}


@dataclass
class HardNegatives:
    """Records marked ``hard_negative`` on which a scored label was predicted."""

    records: int = 0
    flagged: int = 0
    per_type: dict[str, int] = field(default_factory=dict)  # label -> records flagged with it

    @property
    def rate(self) -> float:
        return self.flagged / self.records if self.records else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "flagged": self.flagged, "rate": self.rate,
                "per_type": {k: {"records": n, "rate": n / self.records if self.records else 0.0}
                             for k, n in sorted(self.per_type.items())}}


@dataclass
class Report:
    """Everything :func:`score` measures on one data set."""

    labels: tuple[str, ...]
    records: int
    exact: ModeResult
    overlap: ModeResult
    coverage: Coverage
    hard_negatives: HardNegatives

    def as_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "records": self.records, "exact": self.exact.as_dict(),
                "overlap": self.overlap.as_dict(), "coverage": self.coverage.as_dict(),
                "hard_negatives": self.hard_negatives.as_dict()}

    def to_markdown(self) -> str:
        """Per-label P/R/F1 in both modes, then micro, coverage and hard negatives."""
        rows = [["label", "support", "exact P", "exact R", "exact F1", "overlap P", "overlap R",
                 "overlap F1", "masked"]]
        for label in [*sorted(self.exact.per_label), "micro"]:
            ex = self.exact.micro if label == "micro" else self.exact.per_label[label]
            if not (ex.tp or ex.fp or ex.fn) and label != "micro":
                continue  # neither in gold nor predicted
            ov = self.overlap.micro if label == "micro" else self.overlap.per_label[label]
            cov = ([self.coverage.covered, self.coverage.total] if label == "micro"
                   else self.coverage.per_label.get(label, [0, 0]))
            rows.append([f"**{label}**" if label == "micro" else label, str(ex.support),
                         *(_f(x) for x in (ex.precision, ex.recall, ex.f1, ov.precision, ov.recall,
                                           ov.f1)),
                         _f(cov[0] / cov[1]) if cov[1] else "-"])
        text = markdown_table(rows)
        hn = self.hard_negatives
        if hn.records:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(hn.per_type.items())) or "none"
            text += f"\n\nHard negatives: {hn.flagged}/{hn.records} flagged ({hn.rate:.1%}); by type: {kinds}"
        return text


def _f(x: float) -> str:
    return f"{x:.3f}"


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table; the first row is the header."""
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def as_triple(pred: Any, label_map: Mapping[str, str] | None = None) -> Triple:
    """``(start, end, label)`` from a tuple, a dict (label or type) or a span object."""
    if isinstance(pred, Mapping):
        start, end, label = pred["start"], pred["end"], pred.get("label", pred.get("type"))
    elif isinstance(pred, Sequence) and not isinstance(pred, str):
        start, end, label = pred[0], pred[1], pred[2]
    else:
        start, end, label = pred.start, pred.end, getattr(pred, "type", None) or pred.label
    label = str(label)
    return int(start), int(end), (label_map or {}).get(label, label)


def default_labels(gold_labels: Iterable[str], pred_labels: Iterable[str]) -> tuple[str, ...]:
    """The README's PI labels plus every canonical PI type that occurs in gold or predictions."""
    seen = {lab for lab in (*gold_labels, *pred_labels)
            if lab in ENTITY_TYPES and ENTITY_TYPES[lab].is_pi}
    return tuple(sorted(set(README_PI_LABELS) | seen))


def _overlap(a: Triple, b: Triple) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _match_exact(gold: list[Triple], pred: list[Triple]) -> dict[str, Counts]:
    g, p = Counter(gold), Counter(pred)
    out: dict[str, Counts] = defaultdict(Counts)
    for key, n in (g & p).items():
        out[key[2]].tp += n
    for key, n in (g - p).items():
        out[key[2]].fn += n
    for key, n in (p - g).items():
        out[key[2]].fp += n
    return out


def _match_overlap(gold: list[Triple], pred: list[Triple]) -> dict[str, Counts]:
    """One-to-one matching of same-label spans, largest overlap first."""
    pairs = sorted(((_overlap(g, p), -gi, -pi, gi, pi)
                    for gi, g in enumerate(gold) for pi, p in enumerate(pred)
                    if g[2] == p[2] and _overlap(g, p) > 0), reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out: dict[str, Counts] = defaultdict(Counts)
    for *_, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out[gold[gi][2]].tp += 1
    for gi, g in enumerate(gold):
        if gi not in used_g:
            out[g[2]].fn += 1
    for pi, p in enumerate(pred):
        if pi not in used_p:
            out[p[2]].fp += 1
    return out


def _align(gold: Sequence[Mapping[str, Any]], predictions: Any) -> list[Iterable[Any]]:
    if isinstance(predictions, Mapping):
        return [predictions.get(rec["id"], ()) for rec in gold]
    preds = list(predictions)
    if len(preds) != len(gold):
        raise ValueError(f"{len(preds)} prediction lists for {len(gold)} gold records")
    return preds


def score(
    gold: Sequence[Mapping[str, Any]],
    predictions: Sequence[Iterable[Any]] | Mapping[str, Iterable[Any]],
    *,
    labels: Iterable[str] | None = None,
    label_map: Mapping[str, str] | None = DEFAULT_LABEL_MAP,
) -> Report:
    """Score ``predictions`` (aligned with ``gold``, or keyed by record id) against ``gold``.

    ``label_map`` renames predicted labels before scoring; ``labels`` restricts scoring to a
    label set (default: :func:`default_labels`). Coverage counts predicted spans of any label.
    """
    gold_sets = [[as_triple(s) for s in rec.get("spans", ())] for rec in gold]
    pred_sets = [[as_triple(p, label_map) for p in preds] for preds in _align(gold, predictions)]
    scope = tuple(labels) if labels is not None else default_labels(
        (t[2] for ts in gold_sets for t in ts), (t[2] for ts in pred_sets for t in ts))
    wanted = set(scope)

    exact = ModeResult("exact", {lab: Counts() for lab in scope})
    overlap = ModeResult("overlap", {lab: Counts() for lab in scope})
    coverage = Coverage(per_label={lab: [0, 0] for lab in scope})
    hard = HardNegatives()
    for rec, g_all, p_all in zip(gold, gold_sets, pred_sets, strict=True):
        g = [t for t in g_all if t[2] in wanted]
        p = [t for t in p_all if t[2] in wanted]
        for mode, matcher in ((exact, _match_exact), (overlap, _match_overlap)):
            for lab, counts in matcher(g, p).items():
                mode.per_label[lab].add(counts)
        for span in g:
            hit = any(_overlap(span, q) > 0 for q in p_all)
            coverage.total += 1
            coverage.covered += hit
            coverage.per_label[span[2]][0] += hit
            coverage.per_label[span[2]][1] += 1
        if rec.get("hard_negative"):
            hard.records += 1
            hard.flagged += bool(p)
            for lab in {t[2] for t in p}:
                hard.per_type[lab] = hard.per_type.get(lab, 0) + 1
    return Report(scope, len(gold), exact, overlap, coverage, hard)


def compare_markdown(reports: Mapping[str, Report], mode: str = "exact") -> str:
    """Side-by-side F1 per label of several systems (same gold), in ``mode``."""
    names = list(reports)
    labels = sorted({lab for r in reports.values() for lab in getattr(r, mode).per_label})
    rows = [["label", "support", *(f"{n} F1" for n in names)]]
    for lab in [*labels, "micro"]:
        res = [getattr(reports[n], mode) for n in names]
        cs = [r.micro if lab == "micro" else r.per_label.get(lab, Counts()) for r in res]
        if any(c.tp or c.fp or c.fn for c in cs) or lab == "micro":
            rows.append([lab, str(cs[0].support), *(_f(c.f1) for c in cs)])
    return markdown_table(rows)
