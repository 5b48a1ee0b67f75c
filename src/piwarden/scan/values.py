"""What one cell value is, on its own: the detection engine's patterns and validators, whole-value.

A cell is not a sentence. A recognizer in running text needs context words ("手机", "QQ"); a
cell's context is its column name, which :mod:`piwarden.scan.classify` weighs separately.
So every pattern of every recognizer runs over the value (the naive engine: no context gates),
a match counts only when it covers the whole value, and the recognizer's own ``validate``
(checksum, calendar, region code) decides how much the match is worth:

- ``CHECKED``: the validator accepted the value (a resident ID's MOD 11-2, a mobile segment);
- ``SHAPED``: the pattern matched a recognizer that needs no context and has no rule, or a
  shape that means something alone (a Chinese address, a date-prefixed order number);
- ``WEAK``: a shape that means nothing without context (any 5-11 digits look like a QQ
  number); it counts only when the column name hints that type.

A few types have no pattern recognizer because in text they need the trained model (names,
addresses) or context (dates, amounts, secrets); for cells they get shape rules here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import IntEnum

from piwarden.detect.engine import NaiveEngine
from piwarden.detect.ner.gazetteer import COMPOUND_SURNAMES, SINGLE_SURNAMES
from piwarden.detect.recognizer import ModelRecognizer, Recognizer
from piwarden.detect.registry import load_recognizers


class Level(IntEnum):
    WEAK = 1
    SHAPED = 2
    CHECKED = 3


Signature = tuple[tuple[str, Level], ...]  # (type, level) pairs of one value


_CJK = r"\u3400-\u9fff"
_ZH_NAME = re.compile(rf"[{_CJK}]{{2,4}}")
_EN_NAME = re.compile(r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.? )?[A-Z][a-z'-]+(?: [A-Z]\.?)?(?: [A-Z][a-z'-]+){1,2}"
                      r"(?: (?:Jr\.?|Sr\.?|II|III|IV|MD|DDS|PhD|DVM))?")
_ZH_ADDRESS_MARKS = re.compile(r"[省市区县镇乡村路街道巷弄号楼室栋单元]")
_EN_ADDRESS = re.compile(r"[0-9]{1,6} [A-Za-z0-9 .'-]{2,60} (?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|"
                         r"Ln|Lane|Way|Ct|Court|Pl|Place|Sq|Square|Ter|Terrace|Pkwy|Parkway|Cir|Circle|Loop|"
                         r"Trail|Hwy|Highway|Plaza|Crossing|Ridge|Ville|Mall|Route|Pike|Run|Path|Walk|Park|"
                         r"Point|Port|Station|Stream|Hill|Hills|Heights|Gardens|Green|Grove|Haven|View|Vista|"
                         r"Meadow|Meadows|Mill|Mills|Springs|Valley|Village|Via|Well|Wells|Manor|Harbor|Island|"
                         r"Lake|Lakes|Land|Light|Lights|Lock|Locks|Junction|Key|Knoll|Knolls|Landing|Fort|"
                         r"Forge|Forest|Ford|Fork|Falls|Extension|Estates|Expressway|Curve|Cove|Creek|Corner|"
                         r"Corners|Club|Cliff|Center|Canyon|Cape|Camp|Bypass|Burg|Brook|Bridge|Branch|Bluff|"
                         r"Bend|Beach|Alley|Arcade|Avenue|Underpass|Union|Unions|Turnpike|Track|Throughway|"
                         r"Summit|Stravenue|Spur|Shore|Shores|Shoal|Rue|Row|River|Rest|Ranch|Radial|Prairie|"
                         r"Plains|Pines|Passage|Oval|Orchard|Mountain|Motorway|Mission|Lodge|Gateway|Glen|"
                         r"Freeway|Field|Fields|Flat|Flats|Divide|Dam|Dale|Crest|Common|Commons)\b\.?"
                         r"(?:,? (?:Apt\.?|Suite|Unit|#) ?[0-9A-Za-z-]+)?(?:[,\n] ?.*)?")
_ORDER_DATED = re.compile(r"[A-Z]{0,3}20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{6,16}")
_ORDER_ANY = re.compile(r"[A-Z]{0,4}[0-9]{10,30}|[0-9]{3}-[0-9]{7}-[0-9]{7}")
_US_TAIL = re.compile(r"[0-9]{1,6} .{4,80}, [A-Z]{2} [0-9]{5}(?:-[0-9]{4})?")
_NOT_NAME_END = tuple("省市县区镇乡村路街")
_DATE = re.compile(r"(?:19|20)[0-9]{2}([-/.年])(?:0?[1-9]|1[0-2])(?:\1|月)(?:0?[1-9]|[12][0-9]|3[01])日?"
                   r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")
_COMPACT_DATE = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")
_AMOUNT = re.compile(r"[-+]?[¥￥$]?[0-9]{1,3}(?:,?[0-9]{3})*(?:\.[0-9]{1,4})?")
_SECRET = re.compile(r"\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|"
                     r"(?:pbkdf2|argon2|scrypt)[$:_].{16,}")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CENTURIES = ("19", "20")
_SURNAMES = frozenset(SINGLE_SURNAMES)
_COMPOUND = frozenset(COMPOUND_SURNAMES)


def _is_zh_name(v: str) -> bool:
    if not _ZH_NAME.fullmatch(v) or v.endswith(_NOT_NAME_END):
        return False
    return v[:2] in _COMPOUND if len(v) == 4 else v[0] in _SURNAMES or v[:2] in _COMPOUND


def _is_zh_address(v: str) -> bool:
    return len(v) >= 6 and len(set(_ZH_ADDRESS_MARKS.findall(v))) >= 2 and len(_CJK_CHAR.findall(v)) >= 4


def shape_types(v: str, gated: bool = True) -> dict[str, Level]:
    """Types known from a cell's shape alone (no recognizer finds them without context).

    ``gated`` first tests what each shape cannot do without (a length, a space, a leading
    "19"/"20", read off the patterns) and skips the regex when it is missing; ``False`` runs
    every regex, the reference the tests compare with.
    """
    out: dict[str, Level] = {}
    n = len(v)
    spaced = not gated or " " in v or "\n" in v  # every English name and address shape has a space
    cjk = not gated or not v.isascii()  # Chinese names and addresses need CJK characters
    if cjk and (not gated or n <= 4) and _is_zh_name(v):
        out["PERSON"] = Level.SHAPED
    elif spaced and _EN_NAME.fullmatch(v):
        out["PERSON"] = Level.WEAK  # "Blue Ridge", "Apple Pie": capitalised words need the name too
    if (cjk and _is_zh_address(v)) or (spaced and (_EN_ADDRESS.fullmatch(v) or _US_TAIL.fullmatch(v.replace("\n", ", ")))):
        out["ADDRESS"] = Level.SHAPED
    if (not gated or n >= 14) and _ORDER_DATED.fullmatch(v):
        out["ORDER_ID"] = Level.SHAPED
    elif (not gated or n >= 10) and _ORDER_ANY.fullmatch(v) and sum(c.isdigit() for c in v) >= 8:
        out["ORDER_ID"] = Level.WEAK
    if (not gated or v[:2] in _CENTURIES) and (_DATE.fullmatch(v) or _COMPACT_DATE.fullmatch(v)):
        out["DATETIME"] = Level.SHAPED
        if len(v) <= 11:  # a date without a time may be a birth date; only the name can say
            out["DATE_OF_BIRTH"] = Level.WEAK
    if _AMOUNT.fullmatch(v):
        out["AMOUNT"] = Level.WEAK
    if (not gated or n >= 23) and _SECRET.fullmatch(v):
        out["CREDENTIAL"] = Level.WEAK
    return out


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


class WholeMatch:
    """The recognizers whose patterns match all of a value, as ``NaiveEngine.whole`` finds them, faster.

    ``whole`` runs every pattern (about 50) on every value from Python, and that loop was the top
    cost of classifying a column. Here the patterns form one alternation: ``re`` answers a
    ``fullmatch`` with the *first* alternative that matches the whole value, so asking again from
    the alternative after it finds the next one, and a value that k patterns match costs k + 1
    calls in C. A hit whose pattern has a value group is confirmed by its own regex exactly as
    ``whole`` does (the group must span the value). Patterns with back-references cannot share
    a regex (group numbers shift) and run alone.
    tests/scan/test_scan_all_rows.py checks it against the engine.
    """

    def __init__(self, recognizers: Iterable[Recognizer]) -> None:
        every = [(rec, p.needs_digit, rx) for rec in recognizers for p, rx in rec.compiled()]
        # the engine's order: patterns that need a digit first, then the rest
        items = [(rec, rx) for rec, digit, rx in every if digit] + [(rec, rx) for rec, digit, rx in every if not digit]
        self._items = [(rec, rx, rx.groupindex.get("v", 0)) for rec, rx in items]
        self._shared: list[int] = []
        self._solo: list[int] = []
        for i, (_, rx) in enumerate(items):
            alt = self._alternative(i, rx.pattern)
            try:
                ok = alt is not None and re.compile(alt) is not None
            except re.error:
                ok = False
            (self._shared if ok else self._solo).append(i)
        self._solo_set = frozenset(self._solo)
        self._suffix: dict[int, re.Pattern[str]] = {}

    @staticmethod
    def _alternative(i: int, regex: str) -> str | None:
        if _BACKREF.search(regex):
            return None
        return f"(?P<a{i}>{regex.replace('(?P<v>', '(?:')})"

    def _from(self, k: int) -> re.Pattern[str]:
        """One regex of the shared patterns from position ``k`` of ``_shared`` on (built on first use)."""
        rx = self._suffix.get(k)
        if rx is None:
            alts = (self._alternative(i, self._items[i][1].pattern) for i in self._shared[k:])
            rx = self._suffix[k] = re.compile("|".join(a for a in alts if a is not None))
        return rx

    def recognizers(self, value: str) -> list[Recognizer]:
        """Each recognizer once per pattern that spans ``value``, in the engine's order."""
        hits: list[int] = []
        k = 0
        shared = self._shared
        while k < len(shared):
            m = self._from(k).fullmatch(value)
            if m is None:
                break
            i = int(m.lastgroup[1:])  # type: ignore[index]  # the outermost group closes last
            hits.append(i)
            k = shared.index(i, k) + 1
        out = []
        n = len(value)
        for i in sorted(hits + self._solo) if self._solo else hits:
            rec, rx, group = self._items[i]
            if group or i in self._solo_set:  # the alternation's match spans the value; a value group may not
                m = rx.fullmatch(value)
                if m is None or m.start(group) != 0 or m.end(group) != n:
                    continue
            out.append(rec)
        return out


class ValueMatcher:
    """Types of whole cell values; one per process (patterns compile once).

    ``fast=False`` asks the detection engine pattern by pattern (the reference the tests compare
    the fast path with); results are cached per distinct value.
    """

    def __init__(self, recognizers: Iterable[Recognizer] | None = None, fast: bool = True) -> None:
        chosen = list(recognizers) if recognizers is not None else load_recognizers("enabled: all")
        self.recognizers = [r for r in chosen if not isinstance(r, ModelRecognizer)]
        self.engine = NaiveEngine(self.recognizers)
        self._whole = WholeMatch(self.recognizers) if fast else None
        self._cache: dict[str, Signature] = {}
        self.cache_size = 200_000  # distinct values remembered (columns of few values repeat them)

    def types(self, value: str) -> dict[str, Level]:
        """Each type the whole of ``value`` can be, with the strongest level found."""
        return dict(self.signature(value))

    def signature(self, value: str) -> Signature:
        """:meth:`types` as a tuple, in the order found: values with equal signatures count alike."""
        v = value.strip()
        if not v or len(v) > 200:
            return ()
        hit = self._cache.get(v)
        if hit is None:
            hit = tuple(self._match(v).items())
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[v] = hit
        return hit

    def _match(self, v: str) -> dict[str, Level]:
        out = shape_types(v, gated=self._whole is not None)
        found = self._whole.recognizers(v) if self._whole is not None else (c.recognizer for c in self.engine.whole(v))
        for rec in found:
            try:
                verdict = rec.validate(v)
                kind = rec.value_type(v)
            except Exception:  # a validator's bug must not stop a scan; the value just does not count
                continue
            if verdict is False:
                continue
            checked = verdict is True or isinstance(verdict, float)
            if rec.context_required:
                level = Level.SHAPED if checked and rec.validated_score >= 0.9 else Level.WEAK
            else:
                level = Level.CHECKED if checked else Level.SHAPED
            if level > out.get(kind, 0):
                out[kind] = level
        return out
