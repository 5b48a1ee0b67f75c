"""DataFrames in, per-column findings and masked frames out: what presidio-structured offers, on piwarden's scan.

``analyze_frame`` classifies each column of a pandas or polars DataFrame (or a pyarrow Table)
with the scan's own :class:`~piwarden.scan.classify.Classifier`, from the column's name and a
sample of its values: its type, the share of values of that type, a confidence, and for free
text the types found inside and the share of values holding each. ``anonymize_frame`` masks
the columns found with piwarden's masking (``mask_table``: a masking policy's operators,
vectorized; free-text columns through detection, names model included), and gives back the
kind of frame it was given.

It lives in ``scan`` rather than ``detect`` because column classification is the scan's (and
masking sits above detection in the import layers, docs/architecture.md).

>>> import polars as pl
>>> df = pl.DataFrame({"sjhm": ["13812345678", "13987654321"], "n": [1, 2]})
>>> a = analyze_frame(df)
>>> a.entity_mapping, a.entity_mapping_presidio
({'sjhm': 'PHONE'}, {'sjhm': 'PHONE_NUMBER'})
>>> anonymize_frame(df, a)["sjhm"].to_list()
['138****5678', '139****4321']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from piwarden.detect.presidio import presidio_name
from piwarden.detect.runner import DetectOptions
from piwarden.mask.policy import Policy, Ruleset, default_policy
from piwarden.mask.table import TEXT, from_polars, mask_frame, to_polars
from piwarden.mask.text import Masker, OnError
from piwarden.scan.classify import Classifier, ColumnFinding

T = TypeVar("T")
SAMPLE = 1000  # rows read per column, as a scan samples a table


@dataclass(frozen=True, slots=True)
class FrameAnalysis:
    """What each column of a frame holds; never a raw value (examples are masked)."""

    columns: dict[str, ColumnFinding]
    rows: int

    @property
    def entity_mapping(self) -> dict[str, str]:
        """Column -> piwarden type for typed columns, ``TEXT`` for free text holding PI (mask it by detection)."""
        out: dict[str, str] = {}
        for name, f in self.columns.items():
            if f.free_text and f.found:
                out[name] = TEXT
            elif f.entity and f.found:
                out[name] = f.entity
        return out

    @property
    def entity_mapping_presidio(self) -> dict[str, str]:
        """presidio-structured's ``entity_mapping``: column -> one entity name (Presidio's), free text by its commonest type."""
        out: dict[str, str] = {}
        for name, f in self.columns.items():
            kind = (max(f.shares, key=lambda t: f.shares[t]) if f.shares else None) if f.free_text else f.entity
            if kind and f.found:
                out[name] = presidio_name(kind)
        return out

    def to_dicts(self, *, presidio_names: bool = False) -> list[dict[str, object]]:
        """One row per column: type, share, score (confidence), free text and its per-type shares, grade."""
        rows = []
        for f in self.columns.values():
            d = f.to_dict()
            if presidio_names:
                d["type"] = presidio_name(f.entity) if f.entity else None
                d["types"] = {presidio_name(t): n for t, n in f.types.items()}
                if f.shares:
                    d["shares"] = {presidio_name(t): s for t, s in f.shares.items()}
            d["score"] = d["confidence"]
            rows.append(d)
        return rows


def analyze_frame(frame: Any, *, sample: int | None = SAMPLE, names: bool = True,
                  classifier: Classifier | None = None) -> FrameAnalysis:
    """Classify every column of ``frame`` (pandas, polars or pyarrow) from its name and first ``sample`` rows.

    ``names``: free-text columns are read with the names model too (docs/ner.md). A
    ``classifier`` built once serves many frames (recognizers and the model load once).
    """
    df = to_polars(frame)
    head = df if sample is None else df.head(sample)
    clf = classifier or Classifier(analyzer=DetectOptions(names=names).analyzer())
    columns = {name: clf.column(name, head[name].to_list(), total_rows=df.height) for name in df.columns}
    return FrameAnalysis(columns, df.height)


def anonymize_frame(frame: T, analysis: FrameAnalysis | Mapping[str, str] | None = None, *,
                    policy: Policy | Ruleset | None = None, names: bool = True, on_error: OnError = "replace") -> T:
    """A copy of ``frame`` with the PI columns masked, the same kind of frame as given.

    ``analysis`` says what each column holds (an :func:`analyze_frame` result or a column ->
    type mapping, ``TEXT`` for free text; default: analyzed here). ``policy``: the masking
    policy (default: piwarden's by grade, the partial masks of hutool's display forms).
    """
    chosen = analysis if analysis is not None else analyze_frame(frame, names=names)
    mapping = chosen.entity_mapping if isinstance(chosen, FrameAnalysis) else dict(chosen)
    rules = policy if isinstance(policy, Ruleset) else (policy or default_policy()).ruleset()
    masker = Masker(rules, on_error=on_error, analyzer=DetectOptions(names=names).analyzer()) \
        if TEXT in mapping.values() else None
    df = to_polars(frame)
    return from_polars(mask_frame(df, mapping, rules, on_error=on_error, masker=masker), like=frame)
