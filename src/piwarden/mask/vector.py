"""Masking whole columns at once: polars expressions where the shape allows, one call per distinct value elsewhere.

A column is masked in two passes. The *fast path* is a polars expression that covers the values
of a common, simple shape (``13812345678``, an 18-character ID, ``张三丰``, ``user@host``, a
Chinese address): slicing and concatenation in Rust, no Python per row. Every other value goes
to the operator's own ``mask``, called once per distinct value (per value and subject for
operators such as ``date_shift``). The fast path must give exactly what ``mask`` gives;
``tests/mask/test_vector.py`` checks that on generated values, so the two cannot drift apart.

Keyed operators (hash, token, fpe, date_shift) have no fast path: their cost is the
cryptography, paid once per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from piwarden.detect.ids.cn.mobile import SEGMENTS
from piwarden.mask.errors import MaskError
from piwarden.mask.operators import Operator
from piwarden.mask.operators.partial import CARD_TYPES, KEEP, Partial
from piwarden.mask.shapes import ADDRESS_PARTS
from piwarden.mask.surnames import COMPOUND_SURNAMES
from piwarden.mask.text import OnError

_RUN = 256  # the longest run of mask characters a fast path writes
_v = pl.col("v")
_n = _v.str.len_chars()

FastPath = Callable[[Operator, str], pl.Expr | None]


def mask_series(operator: Operator, values: pl.Series, entity: str, subjects: pl.Series | None = None, *,
                on_error: OnError = "replace", column: str | None = None) -> pl.Series:
    """``values`` masked as ``entity`` by ``operator``: a String series, nulls and empty strings kept.

    ``subjects`` (one per value) feeds per-subject operators; a value ``mask`` rejects becomes
    ``<TYPE>``, or raises naming ``column`` when ``on_error`` is ``"raise"``.
    """
    name = values.name
    values = values if values.dtype == pl.String else values.cast(pl.String)
    fast = _FAST.get(operator.name)
    expr = fast(operator, entity) if fast else None
    if expr is None:
        out = pl.Series("m", [None] * len(values), pl.String)
    else:
        out = pl.DataFrame({"v": values}).lazy().select(expr.alias("m")).collect().to_series()  # lazy: CSE
    if out.null_count() > values.null_count():  # values the fast path left to the operator
        idx = (out.is_null() & values.is_not_null()).arg_true()
        subs = subjects.cast(pl.String).gather(idx) if subjects is not None and operator.per_subject else None
        out = out.scatter(idx, _per_value(operator, values.gather(idx), entity, subs, on_error, column))
    return out.alias(name)


def _per_value(operator: Operator, values: pl.Series, entity: str, subjects: pl.Series | None, on_error: OnError,
               column: str | None) -> pl.Series:
    """``operator.mask`` once per distinct value (or value and subject)."""
    def one(value: str, subject: str | None) -> str:
        if not value:  # an empty cell holds no PI: it stays empty
            return value
        try:
            return operator.mask(value, entity, subject)
        except MaskError:
            if on_error == "raise":
                where = f"column {column!r}" if column else "a value"
                raise MaskError(f"{where} ({entity}) could not be masked by {operator.name}") from None
            return f"<{entity}>"

    if subjects is None:
        distinct = values.unique()
        masked = pl.Series([one(v, None) for v in distinct], dtype=pl.String)
        return values.replace_strict(distinct, masked, return_dtype=pl.String)
    pairs = pl.DataFrame({"v": values, "s": subjects}).with_row_index("i")
    keys = pairs.unique(["v", "s"]).drop("i")
    keys = keys.with_columns(m=pl.Series([one(v, s) for v, s in keys.iter_rows()], dtype=pl.String))
    return pairs.join(keys, on=["v", "s"], how="left", nulls_equal=True).sort("i")["m"]


# -- fast paths: each returns an expression over column "v", null where the shape does not fit

def _constant(value: str) -> pl.Expr:
    return pl.when(_v != "").then(pl.lit(value, pl.String)).otherwise(_v)


def _stars(c: str, count: pl.Expr) -> pl.Expr:
    # clipped: polars evaluates a ``then`` on every row, also where its ``when`` is false (an empty name beside a
    # full one gave a negative length, which the cast to an unsigned length refused: CI, hypothesis)
    return pl.lit(c * _RUN).str.slice(0, count.clip(lower_bound=0))


def _keep_ends(c: str, first: pl.Expr | int, last: pl.Expr | int, n: pl.Expr = _n) -> pl.Expr:
    """``keep_ends`` for a value whose every character is significant and ``first + last < n``."""
    return pl.concat_str([_v.str.head(first), _stars(c, n - first - last), _v.str.tail(last)])


def _plain(first: int, last: int, c: str) -> pl.Expr:
    """ASCII letters and digits only, longer than what is kept."""
    fits = _v.str.contains(r"^[0-9A-Za-z]+$") & (_n > first + last) & (_n <= first + last + _RUN)
    return pl.when(fits).then(_keep_ends(c, first, last))


def _phone(c: str) -> pl.Expr:
    fits = _v.str.contains(r"^1[0-9]{10}$") & _v.str.slice(0, 3).is_in(sorted(SEGMENTS))
    return pl.when(fits).then(pl.concat_str([_v.str.head(3), pl.lit(c * 4), _v.str.tail(4)]))


def _card(c: str) -> pl.Expr:
    """First 4, the middle starred in space-separated groups of four, the last (n % 4 or 4) kept."""
    end = (_n - 1) % 4 + 1
    middle = _n - 4 - end
    groups = pl.lit((c * 4 + " ") * 10).str.slice(0, middle + (middle - 1) // 4)
    fits = _v.str.contains(r"^[0-9]+$") & (_n >= 9) & (_n <= 40)
    return pl.when(fits).then(pl.concat_str([_v.str.head(4), groups, _v.str.tail(end)], separator=" "))


def _email(c: str) -> pl.Expr:
    at = _v.str.find("@", literal=True)  # a byte offset, equal to the character offset before an ASCII local part
    fits = _v.str.contains(r"^[0-9A-Za-z]+@[^@]*$") & (at >= 2) & (at <= _RUN)
    return pl.when(fits).then(pl.concat_str([_v.str.head(1), _stars(c, at - 1), _v.str.slice(at)]))


_COMPOUND = "^(?:" + "|".join(sorted(COMPOUND_SURNAMES)) + ")"


def _name(c: str) -> pl.Expr:
    compound = (_n > 2) & _v.str.contains(_COMPOUND)
    keep = 1 + compound.cast(pl.Int64)
    last = (~compound & (_n >= 3)).cast(pl.Int64)
    fits = _v.str.contains(r"^[\u4e00-\u9fff]+$") & (_n >= 2) & (_n <= _RUN)
    return pl.when(fits).then(_keep_ends(c, keep, last))


def address_ends(values: pl.Series) -> pl.DataFrame:
    """``shapes.address_levels`` for a column: end offsets ``prov``, ``city``, ``dist`` (0: absent).

    The address pattern is three optional groups, each matched as short as it can be, so it
    matches group by group: three anchored removals, each on what the one before left, run in
    stages so that no expression is evaluated twice. Also returns ``rest``, what follows the
    district (or the city, the province), and the value's length ``n``.
    """
    f = pl.DataFrame({"v": values.cast(pl.String)}).with_columns(n=_length(pl.col("v")))
    for part, before, after in (("prov", "v", "r1"), ("city", "r1", "r2"), ("dist", "r2", "rest")):
        f = f.with_columns(pl.col(before).str.replace(f"^(?:{ADDRESS_PARTS[part]})", "", n=1).alias(after))
    p = pl.col("n") - _length(pl.col("r1"))
    c = _length(pl.col("r1")) - _length(pl.col("r2"))
    d = _length(pl.col("r2")) - _length(pl.col("rest"))
    return f.select("n", "rest", prov=p, city=pl.when(c > 0).then(p + c).otherwise(0),
                    dist=pl.when((d > 0) & (p + c > 0)).then(p + c + d).otherwise(0))


def _length(value: pl.Expr) -> pl.Expr:
    return value.str.len_chars().cast(pl.Int64)


def _partial(operator: Operator, entity: str) -> pl.Expr | None:
    assert isinstance(operator, Partial)
    p, c = operator.params, operator.params.mask_char
    if p.keep_first is not None or p.keep_last is not None:
        return _plain(p.keep_first or 0, p.keep_last or 0, c)
    if entity == "PERSON":
        return _name(c)
    if entity == "PHONE":
        return _phone(c)
    if entity in CARD_TYPES:
        return _card(c)
    if entity == "EMAIL":
        return _email(c)
    if entity == "ADDRESS":
        return None  # the address parser, value by value (distinct values once): no column form of it
    return _plain(*KEEP.get(entity, (1, 1)), c)


_FAST: dict[str, FastPath] = {
    "keep": lambda op, entity: _v,
    "redact": lambda op, entity: _constant(""),
    "replace": lambda op, entity: _constant(op.mask("", entity)),
    "partial": _partial,
}
