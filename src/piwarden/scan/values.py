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
_SURNAMES = frozenset(SINGLE_SURNAMES)
_COMPOUND = frozenset(COMPOUND_SURNAMES)


def _is_zh_name(v: str) -> bool:
    if not _ZH_NAME.fullmatch(v) or v.endswith(_NOT_NAME_END):
        return False
    return v[:2] in _COMPOUND if len(v) == 4 else v[0] in _SURNAMES or v[:2] in _COMPOUND


def _is_zh_address(v: str) -> bool:
    return len(v) >= 6 and len(set(_ZH_ADDRESS_MARKS.findall(v))) >= 2 and len(re.findall(f"[{_CJK}]", v)) >= 4


def shape_types(v: str) -> dict[str, Level]:
    """Types known from a cell's shape alone (no recognizer finds them without context)."""
    out: dict[str, Level] = {}
    if _is_zh_name(v):
        out["PERSON"] = Level.SHAPED
    elif _EN_NAME.fullmatch(v):
        out["PERSON"] = Level.WEAK  # "Blue Ridge", "Apple Pie": capitalised words need the name too
    if _is_zh_address(v) or _EN_ADDRESS.fullmatch(v) or _US_TAIL.fullmatch(v.replace("\n", ", ")):
        out["ADDRESS"] = Level.SHAPED
    if _ORDER_DATED.fullmatch(v):
        out["ORDER_ID"] = Level.SHAPED
    elif _ORDER_ANY.fullmatch(v) and sum(c.isdigit() for c in v) >= 8:
        out["ORDER_ID"] = Level.WEAK
    if _DATE.fullmatch(v) or _COMPACT_DATE.fullmatch(v):
        out["DATETIME"] = Level.SHAPED
        if len(v) <= 11:  # a date without a time may be a birth date; only the name can say
            out["DATE_OF_BIRTH"] = Level.WEAK
    if _AMOUNT.fullmatch(v):
        out["AMOUNT"] = Level.WEAK
    if _SECRET.fullmatch(v):
        out["CREDENTIAL"] = Level.WEAK
    return out


class ValueMatcher:
    """Types of whole cell values; one per process (patterns compile once)."""

    def __init__(self, recognizers: Iterable[Recognizer] | None = None) -> None:
        chosen = list(recognizers) if recognizers is not None else load_recognizers("enabled: all")
        self.recognizers = [r for r in chosen if not isinstance(r, ModelRecognizer)]
        self.engine = NaiveEngine(self.recognizers)
        self._cache: dict[str, dict[str, Level]] = {}

    def types(self, value: str) -> dict[str, Level]:
        """Each type the whole of ``value`` can be, with the strongest level found."""
        v = value.strip()
        if not v or len(v) > 200:
            return {}
        hit = self._cache.get(v)
        if hit is None:
            hit = self._match(v)
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[v] = hit
        return hit

    def _match(self, v: str) -> dict[str, Level]:
        out = shape_types(v)
        for cand in self.engine.whole(v):
            rec = cand.recognizer
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
