"""Re-identification risk over quasi-identifiers: k-anonymity, l-diversity, unique records.

PIPL Art. 4 treats data as anonymized only if it cannot be re-identified. A birth date, a
postcode and a gender single out most people; :func:`assess` says how many records stand alone
on the chosen quasi-identifiers, and :func:`anonymize` generalizes them step by step (a birth
date to its month, year, decade; an address to its district, city, province; a number to a band)
and suppresses what is left below ``k``, reporting the information lost.

One group-by per assessment: the cost is polars' group-by over the quasi-identifier columns.
The search is greedy (Datafly): generalize the column with the most distinct values until the
records below ``k`` fit in the suppression budget; it is not optimal, but it is predictable and
each step is a vectorized pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from piwarden.mask.errors import MaskError
from piwarden.mask.vector import address_ends

SUPPRESSED = "*"


@dataclass(frozen=True, slots=True)
class Risk:
    """The risk figures of a table over its quasi-identifiers."""

    rows: int
    classes: int  # equivalence classes: distinct combinations of the quasi-identifiers
    k: int  # the smallest class (0 for an empty table)
    unique_share: float  # share of records alone in their class
    below_k: int  # records in classes smaller than the target k (0 without a target)
    l_diversity: int | None  # fewest distinct sensitive values in a class, when a sensitive column is named

    def to_dict(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in self.__slots__}


def assess(frame: pl.DataFrame, quasi: Sequence[str], *, sensitive: str | None = None, k: int = 0) -> Risk:
    """k, l and the share of unique records of ``frame`` over ``quasi``."""
    _check(frame, [*quasi, *([sensitive] if sensitive else [])])
    if frame.height == 0:
        return Risk(0, 0, 0, 0.0, 0, None if sensitive is None else 0)
    aggs = [pl.len().alias("_n")] + ([pl.col(sensitive).n_unique().alias("_l")] if sensitive else [])
    groups = frame.group_by(list(quasi)).agg(aggs)
    stats = groups.select(
        pl.len().alias("classes"), pl.col("_n").min().alias("k"),
        (pl.col("_n") == 1).sum().alias("unique"), pl.col("_n").filter(pl.col("_n") < k).sum().alias("below"),
        *([pl.col("_l").min().alias("l")] if sensitive else []),
    ).row(0, named=True)
    return Risk(frame.height, stats["classes"], stats["k"], stats["unique"] / frame.height, stats["below"] or 0,
                stats.get("l"))


# -- generalization hierarchies: level 0 is the value as text, the last level is "*"

Level = Callable[[pl.Expr], pl.Expr]


@dataclass(frozen=True)
class Hierarchy:
    """Named levels of one column, least general first (the value itself is level 0)."""

    name: str
    levels: tuple[Level, ...]
    names: tuple[str, ...] = field(default=())

    @property
    def height(self) -> int:
        return len(self.levels)

    def apply(self, column: str, level: int) -> pl.Expr:
        value = pl.col(column).cast(pl.String)
        expr = value if level == 0 else self.levels[level - 1](pl.col(column)).fill_null(SUPPRESSED)
        return pl.when(pl.col(column).is_null()).then(None).otherwise(expr).alias(column)


def _star(_: pl.Expr) -> pl.Expr:
    return pl.lit(SUPPRESSED)


def _band(width: int) -> Level:
    def level(col: pl.Expr) -> pl.Expr:
        lo = (col.cast(pl.Float64) / width).floor().cast(pl.Int64) * width
        return lo.cast(pl.String) + "-" + (lo + width - 1).cast(pl.String)
    return level


def _date(fmt: str) -> Level:
    return lambda col: _as_date(col).dt.strftime(fmt)


def _as_date(col: pl.Expr) -> pl.Expr:
    text = col.cast(pl.String)
    return pl.coalesce(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
                       text.str.slice(0, 8).str.to_date("%Y%m%d", strict=False),
                       text.str.to_date("%Y/%m/%d", strict=False))


def _decade(col: pl.Expr) -> pl.Expr:
    return (_as_date(col).dt.year() // 10 * 10).cast(pl.String) + "s"


def _digits(keep: int) -> Level:
    """Keep the first ``keep`` characters, star the rest (postcodes, area codes)."""
    return lambda col: col.cast(pl.String).str.slice(0, keep) + pl.lit("*" * 16).str.slice(
        0, (col.cast(pl.String).str.len_chars().cast(pl.Int64) - keep).clip(lower_bound=0))


def _address(which: str) -> Level:
    def cut(values: pl.Series) -> pl.Series:
        ends = address_ends(values).with_columns(v=values.cast(pl.String))
        end = pl.col(which)
        return ends.select(pl.when(end > 0).then(pl.col("v").str.slice(0, end)).otherwise(pl.lit(SUPPRESSED)))["v"]
    return lambda col: col.map_batches(cut, return_dtype=pl.String)


HIERARCHIES: dict[str, Hierarchy] = {
    "category": Hierarchy("category", (_star,), ("*",)),
    "age": Hierarchy("age", (_band(5), _band(10), _band(20), _star), ("5 years", "10 years", "20 years", "*")),
    "number": Hierarchy("number", (_band(10), _band(100), _band(1000), _band(10000), _star),
                        ("10s", "100s", "1000s", "10000s", "*")),
    "date": Hierarchy("date", (_date("%Y-%m"), _date("%Y"), _decade, _star), ("month", "year", "decade", "*")),
    "postcode": Hierarchy("postcode", (_digits(4), _digits(3), _digits(2), _star), ("4", "3", "2", "*")),
    "address": Hierarchy("address", (_address("dist"), _address("city"), _address("prov"), _star),
                         ("district", "city", "province", "*")),
}


def hierarchy_for(frame: pl.DataFrame, column: str, name: str | None = None) -> Hierarchy:
    """The named hierarchy, or one guessed from the column's type (numbers: bands; else category)."""
    if name is not None:
        try:
            return HIERARCHIES[name]
        except KeyError:
            raise MaskError(f"unknown hierarchy {name!r} for {column!r}; known: {', '.join(HIERARCHIES)}") from None
    dtype = frame.schema[column]
    if dtype.is_numeric():
        return HIERARCHIES["number"]
    if dtype.is_temporal():
        return HIERARCHIES["date"]
    return HIERARCHIES["category"]


@dataclass(frozen=True, slots=True)
class Anonymized:
    """The released table and what it cost."""

    frame: pl.DataFrame
    levels: dict[str, str]  # column -> the level applied ("value" when untouched)
    suppressed: int  # records whose quasi-identifiers were all replaced by "*" (or dropped)
    before: Risk
    after: Risk  # over the records released with their quasi-identifiers (suppressed ones excluded)
    generalization_loss: float  # mean over quasi-identifiers of level / height (0: none, 1: all "*")

    def report(self) -> dict[str, object]:
        return {"levels": self.levels, "suppressed": self.suppressed,
                "suppressed_share": self.suppressed / max(self.before.rows, 1),
                "generalization_loss": round(self.generalization_loss, 4),
                "before": self.before.to_dict(), "after": self.after.to_dict()}


def anonymize(frame: pl.DataFrame, quasi: Sequence[str], k: int, *, hierarchies: Mapping[str, str] | None = None,
              sensitive: str | None = None, l_diversity: int = 0, max_suppression: float = 0.05,
              drop_suppressed: bool = False) -> Anonymized:
    """Generalize ``quasi`` until every class has >= ``k`` records (and >= ``l_diversity`` sensitive values).

    Records still in small classes once the suppression budget (a share of the rows) covers
    them are suppressed: their quasi-identifiers become ``*``, or they are dropped.
    """
    if k < 1:
        raise MaskError("k must be at least 1")
    _check(frame, [*quasi, *([sensitive] if sensitive else [])])
    if l_diversity and not sensitive:
        raise MaskError("l-diversity needs a sensitive column")
    chosen = {c: hierarchy_for(frame, c, (hierarchies or {}).get(c)) for c in quasi}
    before = assess(frame, quasi, sensitive=sensitive, k=k)
    levels = dict.fromkeys(quasi, 0)
    budget = int(max_suppression * frame.height)
    while True:
        current = frame.with_columns([chosen[c].apply(c, levels[c]) for c in quasi])
        small = _small_classes(current, quasi, k, sensitive, l_diversity)
        if small.sum() <= budget or all(levels[c] == chosen[c].height for c in quasi):
            break
        column = _most_distinct(current, [c for c in quasi if levels[c] < chosen[c].height])
        levels[column] += 1
    suppressed = int(small.sum())
    after = assess(current.filter(~small), quasi, sensitive=sensitive, k=k)  # suppressed records are no class
    if suppressed:
        if drop_suppressed:
            current = current.filter(~small)
        else:
            current = current.with_columns([pl.when(small).then(pl.lit(SUPPRESSED)).otherwise(pl.col(c)).alias(c)
                                            for c in quasi])
    loss = sum(levels[c] / chosen[c].height for c in quasi) / max(len(quasi), 1)
    named = {c: "value" if levels[c] == 0 else chosen[c].names[levels[c] - 1] for c in quasi}
    return Anonymized(current, named, suppressed, before, after, loss)


def _small_classes(frame: pl.DataFrame, quasi: Sequence[str], k: int, sensitive: str | None, l_div: int) -> pl.Series:
    """Per record: whether its class is below k (or below l distinct sensitive values)."""
    size = pl.len().over(quasi)
    bad = size < k
    if sensitive and l_div:
        bad = bad | (pl.col(sensitive).n_unique().over(quasi) < l_div)
    return frame.select(bad.alias("small"))["small"]


def _most_distinct(frame: pl.DataFrame, columns: list[str]) -> str:
    counts = frame.select([pl.col(c).n_unique() for c in columns]).row(0)
    return max(zip(columns, counts, strict=True), key=lambda x: x[1])[0]


def _check(frame: pl.DataFrame, columns: Sequence[str]) -> None:
    if not columns:
        raise MaskError("name at least one quasi-identifier column")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MaskError(f"no such column: {', '.join(map(repr, missing))} (columns: {', '.join(frame.columns)})")
