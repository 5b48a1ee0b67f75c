"""Masking tables: polars, pandas and pyarrow, column by column, vectorized.

A ``columns`` mapping says what each column holds (``{"sjhm": "PHONE"}``); columns not named
pass through untouched. The table comes back as the kind it came in. Each column is masked by
:func:`piwarden.mask.vector.mask_series`, so a million phones cost a few polars expressions, not
a million Python calls.

>>> import polars as pl
>>> from piwarden.mask import default_policy
>>> df = pl.DataFrame({"xm": ["张三丰"], "sjhm": ["13812345678"], "n": [1]})
>>> mask_table(df, {"xm": "PERSON", "sjhm": "PHONE"}, default_policy().ruleset()).row(0)
('张*丰', '138****5678', 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import polars as pl

from piwarden import entities
from piwarden.mask.errors import MaskError
from piwarden.mask.policy import Ruleset
from piwarden.mask.text import Masker, OnError
from piwarden.mask.vector import mask_series

T = TypeVar("T")
TEXT = "TEXT"  # a column of free text: detect, then mask what was found


def mask_table(table: T, columns: Mapping[str, str], rules: Ruleset, *, subject_column: str | None = None,
               on_error: OnError = "replace") -> T:
    """A copy of ``table`` with each column in ``columns`` masked as its entity type.

    ``subject_column`` names the data subject of each row, for per-subject operators
    (date_shift); without it, each row is its own subject.
    """
    frame = to_polars(table)
    masked = mask_frame(frame, columns, rules, subject_column=subject_column, on_error=on_error)
    return from_polars(masked, like=table)


def mask_frame(frame: pl.DataFrame, columns: Mapping[str, str], rules: Ruleset, *,
               subject_column: str | None = None, on_error: OnError = "replace",
               masker: Masker | None = None) -> pl.DataFrame:
    """:func:`mask_table` on a polars DataFrame; ``masker`` serves ``TEXT`` columns (built when needed)."""
    missing = [c for c in [*columns, *([subject_column] if subject_column else [])] if c not in frame.columns]
    if missing:
        raise MaskError(f"no such column: {', '.join(map(repr, missing))} (columns: {', '.join(frame.columns)})")
    subjects: pl.Series | None = frame[subject_column] if subject_column else None
    updates = []
    for name, entity in columns.items():
        if entity == TEXT:
            masker = masker or Masker(rules, on_error=on_error)
            updates.append(mask_text_series(masker, frame[name]))
            continue
        entity = entities.canonical(entity)
        operator = rules.operator(entity)
        if subjects is None and operator.per_subject:  # each row its own subject, built only when used
            subjects = pl.Series(range(len(frame)))
        updates.append(mask_series(operator, frame[name], entity, subjects, on_error=on_error, column=name))
    return frame.with_columns(updates) if updates else frame


def mask_text_series(masker: Masker, values: pl.Series) -> pl.Series:
    """Free text: detection then masking, once per distinct non-empty value."""
    text = values if values.dtype == pl.String else values.cast(pl.String)
    distinct = text.filter(text.is_not_null() & (text != "")).unique()
    if distinct.len() == 0:
        return text
    masked = pl.Series([m.text for m in masker.mask_batch(distinct.to_list())], dtype=pl.String)
    return text.replace_strict(distinct, masked, default=text, return_dtype=pl.String)


def to_polars(table: Any) -> pl.DataFrame:
    """A polars DataFrame from polars, pandas or pyarrow (zero-copy where the libraries allow)."""
    if isinstance(table, pl.DataFrame):
        return table
    module = type(table).__module__.split(".")[0]
    if module == "pandas":
        return pl.from_pandas(table)
    if module == "pyarrow":
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame
    raise TypeError(f"cannot mask a {type(table).__name__}: pass a polars or pandas DataFrame or a pyarrow Table")


def from_polars(frame: pl.DataFrame, *, like: Any) -> Any:
    """``frame`` as the kind of table ``like`` is."""
    if isinstance(like, pl.DataFrame):
        return frame
    if type(like).__module__.startswith("pandas"):
        out = frame.to_pandas()
        out.index = like.index
        return out
    return frame.to_arrow()
