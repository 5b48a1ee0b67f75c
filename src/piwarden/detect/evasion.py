"""Evasion: text rewritten to canonical form before matching, with a map back to the original.

People who sell data, lure buyers off a platform or run scams write contact details so that
filters miss them: full-width digits (１３８…), Chinese and capital numerals (幺三八…,
壹叁捌…), circled digits (①③⑧), separators, emoji and zero-width characters between digits,
cue words in disguise (V信, 薇信, 扣扣, 企鹅 for WeChat and QQ), ``name[at]qq点com``.
:func:`normalize` maps each such form to the text the recognizers already read (ASCII
digits, 微信 / QQ, ``@`` and ``.``) and keeps, for every character of the canonical text,
where it came from, so the analyzer reports spans, values and masks against the text as
written, each with the forms it used (``Span.evasion``).

Two stages, each a list of edits of its input:

1. per character: full-width letters, digits and ``@ . _ -`` folded to ASCII (NFKC's width
   folding, one character for one); zero-width characters and variation selectors removed;
2. per value: WeChat ids after a cue (joined across the spaces and emoji inside them), runs of
   digits in any form with separators between them, where they form a number of plausible
   length (5 to 19 digits, an ID's check character), e-mail addresses with a spelled-out
   ``@`` or ``.``, and cue words in disguise.

What is rewritten is held to forms that carry a sign of evasion, so that clean text reads as
before: a run of ASCII digits with ordinary spaces or dashes is joined only after a QQ or
WeChat cue or when it is a valid mobile, resident ID or card number in a grouping the
recognizers do not read; dates, IP addresses, versions, amounts and Chinese numerals that
touch 十百千万 or 第 are left alone. Text with none of the signs is not copied at all
(:func:`normalize` returns None). The cue words and spelled-out forms are data
(``detect/config/evasion.yaml``), easy to extend.
"""

from __future__ import annotations

import itertools
import re
import string
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from piwarden.detect.ids import bank_card
from piwarden.detect.ids.cn import mobile, ric

# the forms, in the order a span lists them
FORMS = ("fullwidth", "chinese_numerals", "capital_numerals", "circled", "homoglyph", "mixed", "spaced",
         "emoji_separated", "zero_width", "email_at", "email_dot", "cue_wechat", "cue_qq")
_ORDER = {f: i for i, f in enumerate(FORMS)}

# --- digits in every form -------------------------------------------------------------------

_CHINESE = {"〇": 0, "零": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
            "八": 8, "九": 9}
_CAPITAL = {"壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "叄": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6, "柒": 7,
            "捌": 8, "玖": 9}
_CIRCLED = {"⓪": 0, "⓿": 0, "🄋": 0, "🄌": 0}
for _base, _first in ((0x2460, 1), (0x2776, 1), (0x2474, 1), (0x2780, 1), (0x278A, 1), (0x2488, 1)):
    for _i in range(9):
        _CIRCLED[chr(_base + _i)] = _first + _i
_HOMOGLYPH = {"O": 0, "o": 0, "l": 1, "I": 1}
# each digit form: (value, style); style decides "mixed" and the form reported
_DIGITS: dict[str, tuple[int, str]] = {str(d): (d, "ascii") for d in range(10)}
_DIGITS.update({c: (v, "chinese_numerals") for c, v in _CHINESE.items()})
_DIGITS.update({c: (v, "capital_numerals") for c, v in _CAPITAL.items()})
_DIGITS.update({c: (v, "circled") for c, v in _CIRCLED.items()})


def _cls(chars: Iterable[str]) -> str:
    return "".join(re.escape(c) for c in sorted(set(chars)))


_DIGIT_CLASS = _cls(_DIGITS)
_NON_ASCII_DIGIT = _cls(c for c in _DIGITS if not c.isascii())
# emoji and symbols that stand between digit groups (not the circled digits inside these blocks)
_SYMBOLS = ("\u2190-\u245f\u2500-\u2775\u2794-\u2bff\u3030\u303d\u3297\u3299"
            "\U0001f000-\U0001f10a\U0001f10d-\U0001faff~*|·•・")
_GAP_SYMBOL = f"[{_SYMBOLS}]{{1,2}}"
_SYMBOL = re.compile(f"[{_SYMBOLS}]")
_SPACE = "[ \u3000\u00a0]"
# one separator between digit groups: spaces, a dash/dot/slash, transcript pauses and fillers, emoji
_SEP = (rf"(?:{_SPACE}{{0,2}}(?:[-./]|…{{1,2}}|，(?:[嗯呃啊额]，)?|、|{_GAP_SYMBOL}){_SPACE}{{0,2}}"
        rf"|{_SPACE}{{1,3}})")
_GROUP = rf"(?:[OolI]*[{_DIGIT_CLASS}][{_DIGIT_CLASS}OolI]*)"
_GROUP_RE = re.compile(f"{_GROUP}|[OolI]")
# what counts toward a number's length in a run (an ID's check character too)
_DIGIT_LIKE = re.compile(f"[{_DIGIT_CLASS}OolIXx]")
# letters for digits before a run ("l38...", "I 3 0 7..."): a run is led by a digit, these are added
_HOMOGLYPHS_BEFORE = re.compile(rf"(?<![A-Za-z0-9_])(?:[OolI]+(?:{_SEP})?){{1,4}}\Z")
# an ASCII digit or homoglyph at either end must not touch more ASCII (wx_abc123, X100); other forms may
# (led by a class, the look-behind after it: ``re`` then skips in C to where a run can start)
_RUN = re.compile(rf"[{_DIGIT_CLASS}](?<![A-HJ-NP-Za-km-np-z0-9_][0-9])(?=[{_DIGIT_CLASS}OolI]|{_SEP}[{_DIGIT_CLASS}OolI])"
                  rf"[{_DIGIT_CLASS}OolI]*"
                  rf"(?:{_SEP}(?:{_GROUP}|[OolI](?={_SEP}[OolI]*[{_DIGIT_CLASS}]))){{0,24}}"
                  rf"(?:{_SEP}?[Xx](?![A-Za-z0-9_])|(?<=[{_NON_ASCII_DIGIT}])|(?![A-Za-z0-9_]))")
# a cheap necessary condition for a run that is not plain ASCII: a non-ASCII digit, a homoglyph, a rare separator
_EVADED_RUN_HINT = re.compile(rf"[{_NON_ASCII_DIGIT}]|[0-9][OolI]|[OolI][0-9]|[0-9]{_SEP}[0-9]")
# a number in prose: 三百六十五, 第一二三名, 二〇二六年, 五六个
_NUMERAL_AFTER = re.compile("[十百千万亿拾佰仟萬億点多几年月日号时分秒岁个位次等名届期级栋层楼室]")
_NUMERAL_BEFORE = re.compile("[十百千万亿拾佰仟萬億第]")
_STANDARD = re.compile(r"[0-9]{3}[ -][0-9]{4}[ -][0-9]{4}|[0-9]{4}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,3})?"
                       r"|[0-9]{6} [0-9]{8} [0-9]{3}[0-9Xx]|0[0-9]{2,3}[ -][0-9]{3,4}[ -]?[0-9]{4}"
                       r"|[0-9]{3}-[0-9]{2}-[0-9]{4}")
_NOT_A_NUMBER = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9]{4}\.[0-9]{4}\.[0-9]{4}|(?:19|20)[0-9]{2}[-./][0-9]{1,2}[-./][0-9]{1,2}"
                           r"|[0-9]+\.[0-9]{1,2}|[0-9]{1,2}(?:\.[0-9]{1,3}){1,3}")

# --- stage 1: width folding, zero-width removal ---------------------------------------------

_FOLD = {c: chr(c - 0xFEE0) for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B),
                                      0xFF20, 0xFF0E, 0xFF3F, 0xFF0D)}
_FOLD_TABLE = _FOLD
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
_ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060-\u2064\ufeff\u00ad\ufe00-\ufe0f\U000e0100-\U000e01ef"
_STAGE1 = re.compile(f"([{_cls(chr(c) for c in _FOLD)}]+)|[{_ZERO_WIDTH}]+")
# whether the first stage has anything to do: one class, searched 4 times faster than _STAGE1's alternation
_STAGE1_ANY = re.compile(f"[{_cls(chr(c) for c in _FOLD)}{_ZERO_WIDTH}]")


@dataclass(frozen=True, slots=True)
class Edit:
    """``source[src_start:src_end]`` became ``replacement``; ``forms`` are the evasions it undid."""

    src_start: int
    src_end: int
    replacement: str
    forms: tuple[str, ...] = ()


class OffsetMap:
    """Where each character of an edited text came from, from the sorted, disjoint edits."""

    __slots__ = ("_dst_ends", "_dst_starts", "_edits", "_src_starts")

    def __init__(self, edits: list[Edit]) -> None:
        self._edits = edits
        self._src_starts = [e.src_start for e in edits]
        self._dst_starts: list[int] = []
        self._dst_ends: list[int] = []
        shift = 0
        for e in edits:
            start = e.src_start + shift
            self._dst_starts.append(start)
            self._dst_ends.append(start + len(e.replacement))
            shift += len(e.replacement) - (e.src_end - e.src_start)

    def _char(self, q: int) -> tuple[int, int]:
        """The source range of the edited text's character ``q``."""
        j = bisect_right(self._dst_ends, q)
        if j < len(self._edits) and self._dst_starts[j] <= q:
            e = self._edits[j]
            if len(e.replacement) == e.src_end - e.src_start:  # one for one: the same character
                pos = e.src_start + q - self._dst_starts[j]
                return pos, pos + 1
            return e.src_start, e.src_end
        pos = q if j == 0 else self._edits[j - 1].src_end + q - self._dst_ends[j - 1]
        return pos, pos + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The source range of the edited text's ``[start, end)``."""
        if end <= start:
            pos = self._char(start)[0]
            return pos, pos
        return self._char(start)[0], self._char(end - 1)[1]

    def ranges(self) -> list[tuple[int, int]]:
        """Where the edits are in the edited text (a deletion: the two characters around it)."""
        return [(a, b) if b > a else (a - 1, a + 1) for a, b in zip(self._dst_starts, self._dst_ends, strict=True)]

    def inside(self, start: int, end: int) -> list[Edit]:
        """Edits inside the source range ``[start, end)``."""
        i = bisect_right(self._src_starts, start) - 1
        i = max(i, 0)
        j = bisect_left(self._src_starts, end)
        return [e for e in self._edits[i:j] if e.src_start < end and start < e.src_end]

    def edits(self) -> list[Edit]:
        return self._edits


def _styles(text: str, start: int, end: int) -> set[str]:
    """The styles of the digits in ``text[start:end]``: ASCII (homoglyphs too), full-width, Chinese, ..."""
    styles: set[str] = set()
    zero = False
    for c in text[start:end]:
        if c in _DIGITS:
            if c == "零":
                zero = True
            else:
                styles.add(_DIGITS[c][1])
        elif "\uff10" <= c <= "\uff19":
            styles.add("fullwidth")
    if zero and not styles & {"chinese_numerals", "capital_numerals"}:
        styles.add("chinese_numerals")
    return styles


def apply(text: str, edits: list[Edit]) -> str:
    pieces: list[str] = []
    pos = 0
    for e in edits:
        pieces.append(text[pos : e.src_start])
        pieces.append(e.replacement)
        pos = e.src_end
    pieces.append(text[pos:])
    return "".join(pieces)


@dataclass(frozen=True, slots=True)
class Normalized:
    """The canonical text of an original, and the way back."""

    original: str
    text: str
    maps: tuple[OffsetMap, ...]  # stage 1, then stage 2
    cues: tuple[tuple[int, int, str], ...]  # original ranges of cue words rewritten, with their form

    def span(self, start: int, end: int) -> tuple[int, int, tuple[str, ...]]:
        """The original range of canonical ``[start, end)`` and the evasion forms inside it."""
        forms: set[str] = set()
        for m in reversed(self.maps):
            start, end = m.span(start, end)
            for e in m.inside(start, end):
                forms.update(e.forms)
        if len(_styles(self.original, start, end)) > 1:
            forms.add("mixed")
        return start, end, tuple(sorted(forms, key=_ORDER.__getitem__))

    def cue_before(self, start: int) -> str | None:
        """The form of a disguised cue word ending shortly before original offset ``start``."""
        for _a, b, form in self.cues:
            if b <= start and start - b <= 4 and not self.original[b:start].strip(" :：是号码\u3000+"):
                return form
        return None


# --- the data list ---------------------------------------------------------------------------


@cache
def data() -> dict[str, Any]:
    """The cue words and spelled-out forms (``detect/config/evasion.yaml``)."""
    text = resources.files("piwarden.detect.config").joinpath("evasion.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _alternation(words: Iterable[str]) -> str:
    # longest first, then in order: the same regex in every process (the prefilter's cache key)
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@dataclass(frozen=True, slots=True)
class _Tables:
    cue: re.Pattern[str]  # a disguised cue followed by an id
    cue_form: dict[str, str]
    cue_before: re.Pattern[str]  # any cue (plain too) right before a position
    wechat: re.Pattern[str]  # a WeChat cue (any) followed by an id that starts with a letter
    at: re.Pattern[str]
    domain: re.Pattern[str]


def _id_start(letters: bool) -> str:
    return f"[{'A-Za-z' if letters else ''}0-9{_NON_ASCII_DIGIT}]"


@cache
def _tables() -> _Tables:
    d = data()
    wechat, qq = list(d["wechat_cues"]), list(d["qq_cues"])
    form = {**{c: "cue_wechat" for c in wechat}, **{c: "cue_qq" for c in qq}}

    def branch(w: str, start: str) -> str:
        """A cue then an id; ASCII cues not inside a word and apart from an ASCII value ("V 138...",
        not "V我50", "v2.13.8"). Each branch opens with its first character, so that ``re`` skips
        in C to where a cue can start (a leading look-behind made it try every position)."""
        head = re.escape(w[0]) + ("(?<![A-Za-z0-9].)" if w[0].isascii() and w[0].isalnum() else "")
        if len(w) == 1 and w.isascii():  # 贵V D11195 is a licence plate: a province, then its letter
            head += f"(?<![{_PROVINCES}].)"
        if len(w) == 1 and not w.isascii() and w.isalpha():  # 薇, 扣: "加薇", "详情薇：", not "蒋碧薇100万"
            head += f"(?:{_SINGLE_CUE_BEFORE}|(?=[:：]))"
        apart = "(?![A-Za-z0-9])" if w[-1].isascii() and w[-1].isalnum() else ""
        return rf"{head}{re.escape(w[1:])}{apart}(?=(?:号码?|是)?[ :：\u3000]{{0,2}}(?:是[ ]?)?{start})"

    # a QQ number has five digits or more: "扣1", "扣666" are not cues
    digit = f"[OolI{_id_start(False)[1:-1]}]"
    qq_start = f"(?:{digit}(?:{_SEP})?){{4}}{digit}"
    starts = {**{w: _id_start(True) for w in wechat}, **{w: qq_start for w in qq}}
    cue = re.compile("|".join(branch(w, starts[w]) for w in sorted(starts, key=lambda w: (-len(w), w))))
    every = [*wechat, *qq, *d["wechat_plain"], *d["qq_plain"]]
    cue_before = re.compile(rf"(?:{_alternation(every)})(?:号码?|[ ]?(?:no\.?|No\.?|number|ID|id|#))?"
                            rf"(?:[ :：\u3000+]|是){{0,3}}\Z")
    plain_wechat = sorted({*d["wechat_plain"], *wechat}, key=lambda w: (-len(w), w))
    letter_id = "(?:[ ]?(?:ID|id|Id))?[ :：]{0,2}[A-Za-z]"
    wechat_re = re.compile(f"(?:{'|'.join(branch(w, letter_id) for w in plain_wechat)})"
                           f"(?:号码?|是|[ ]?(?:ID|id|Id))?[ :：\u3000]{{0,2}}(?:是[ ]?)?")
    words = _alternation(d["at_words"])
    dwords = _alternation(d["dot_words"])
    opens = _cls(b[0] for b in d["brackets"]) + "［｛"
    closes = _cls(b[1] for b in d["brackets"]) + "］｝"
    # each form led by its first character (re skips in C to those); a space before it is taken by _emails
    at = re.compile(rf"[{opens}]{_SPACE}?(?:{words}){_SPACE}?[{closes}]{_SPACE}?"
                    rf"| +(?:at|AT) +|(?:{_alternation(d['at_bare'])}){_SPACE}?|@")
    # glued "dot" last: "163dotcom"; labels lazy, so that the dots are found where a TLD can follow
    dot = (rf"(?:{_SPACE}?[{opens}]{_SPACE}?(?:{dwords}){_SPACE}?[{closes}]{_SPACE}?| +(?:dot|DOT) +"
           rf"|{_SPACE}?(?:{_alternation(d['dot_bare'])}){_SPACE}?|\.|dot|DOT)")
    label = r"[A-Za-z0-9][A-Za-z0-9-]{0,62}?"
    tlds = _alternation(d["tlds"])
    domain = re.compile(rf"{label}(?:({dot}){label})?(?:({dot}){label})?(?:({dot}){label})?({dot})(?i:{tlds})"
                        r"(?![A-Za-z0-9])")
    return _Tables(cue, form, cue_before, wechat_re, at, domain)


# --- stage 2 finders -------------------------------------------------------------------------

_NON_ASCII = re.compile(f"[{_NON_ASCII_DIGIT}]")
_ASCII_ALNUM = re.compile("[A-Za-z0-9]")
_HOMOGLYPH_IN = re.compile("[OolI]")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_NUMERALS_AND_CIRCLED = "".join(c for c in _DIGITS if not c.isascii())
# numerals at a run's ends around plain ASCII (the prose's numerals next to a number)
_PROSE_NUMERAL = f"[{_cls([*_CHINESE, *_CAPITAL])}]"  # (circled digits are no word's)
_PROSE_EDGES = re.compile(rf"(?:{_PROSE_NUMERAL}+(?:{_SEP})?)*(?P<plain>[0-9A-Za-z](?:[ -./:]?[0-9A-Za-z])*)"
                          rf"(?:(?:{_SEP})?{_PROSE_NUMERAL}+)*")
_PLAIN_NUMBER = re.compile("[0-9]{10,21}[Xx]?")
_PLAIN_GAPS = re.compile("[0-9]+(?:[ -][0-9]+)*[Xx]?")
_NANP = re.compile("1[ -][0-9]{3}[ -][0-9]{3}[ -][0-9]{4}")
_EVERY_DIGIT_APART = re.compile("[0-9](?:[ -][0-9]){4,}")
_JOINED_BEFORE = re.compile("[0-9A-Fa-f]:|[A-Za-z0-9][.@＠]")
_JOINED_AFTER = re.compile("[A-Za-z0-9._%+-]*[@＠]|[:.][0-9A-Fa-f]|-[0-9A-Za-z]")
_WORD_NUMERAL = re.compile(f"[{_cls([*_CHINESE, *_CAPITAL])}]")
# what may stand before a one-character cue: not another character of a word (a name: 蒋碧薇)
_SINGLE_CUE_BEFORE = "(?<![^加搜找私系我的+➕\\s\\W].)"
_NOT_DIGIT_OR_X = re.compile("[^0-9Xx]")
# a key that names the number something else: an order or tracking number is not joined into an ID
_KEYED_BEFORE = re.compile(r"(?i:order|订单|单号|编号|tracking|运单|invoice|发票)[^\n]{0,6}\Z")
_VERSION_BEFORE = re.compile(r"(?:版本|版本号|(?i:version|ver|v)\.?) ?[:：]? ?\Z")
_NUMBER_LIKE = re.compile(f"[OolI]*[0-9{_NON_ASCII_DIGIT}][0-9OolI{_NON_ASCII_DIGIT}]*")
_ID_CHUNK = re.compile(rf"[A-Za-z0-9_\-{_NON_ASCII_DIGIT}]+")
_ID_GAP = re.compile(rf"{_SPACE}{{1,2}}(?:{_GAP_SYMBOL}{_SPACE}{{0,2}})?|{_GAP_SYMBOL}{_SPACE}{{0,2}}")
# English words after a WeChat cue that are not (part of) an id: "WeChat Pay", "wx jun222 asap"
_STOP = frozenset(["an", "and", "or", "the", "to", "for", "of", "on", "in", "at", "by", "is", "are", "be", "me", "my", "us", "our", "you", "your", "it", "this", "that", "with", "from", "via", "add", "pls", "please", "plz", "thanks", "thank", "thx", "asap", "first", "only", "now", "later", "soon", "today", "tomorrow", "serious", "buyers", "buyer", "seller", "dm", "msg", "message", "text", "call", "pay", "payment", "account", "group", "id", "no", "number", "ok", "okay", "hi", "hello", "if", "more", "info", "details", "detail", "price", "free", "but", "so", "just", "ask", "mini", "program", "programs", "accepted", "accept", "official", "moments", "tracking", "order", "shop", "store", "link", "channel", "works", "work", "also"])
_NOT_AN_ID = frozenset(["pay", "payment", "mini", "program", "official", "account", "group", "moments", "channel", "shop", "store"])
_LIST_MARKER = re.compile(f"[{_cls(_CIRCLED)}]")


def _joins(word: str, gap: str, length: int) -> bool:
    """Whether an id chunk after a gap belongs to the id read so far (``length`` characters).

    Across emoji a chunk always does; across spaces any but a common English word.
    """
    if length + len(word) > 20 or (len(word) == 1 and _LIST_MARKER.match(word)):
        return False  # too long for an id; ⑴拍前咨询: a list marker
    # across spaces: not a common word, nor a capitalised one ("nbaldwin_vip ThinkPad")
    return not gap.isspace() or (word.lower() not in _STOP and not (len(word) > 2 and word.istitle()))


def _gap_forms(gap: str) -> tuple[str, ...]:
    """What a separator between digits or id chunks is: spaces and marks, emoji, or both."""
    emoji = any(not (ch.isspace() or ch in "-./，、…嗯呃啊额") for ch in gap)
    if not emoji:
        return ("spaced",)
    return ("emoji_separated", "spaced") if any(ch.isspace() for ch in gap) else ("emoji_separated",)


def _digit_edits(text: str, start: int, end: int) -> list[Edit]:
    """Edits that turn the digit forms of ``text[start:end]`` into ASCII and drop what separates them."""
    edits: list[Edit] = []
    capital = any(c in _CAPITAL for c in text[start:end])  # 零 is both: a capital among capitals
    i = start
    while i < end:
        c = text[i]
        if c in _DIGITS:
            value, style = _DIGITS[c]
            if c == "零" and capital:
                style = "capital_numerals"
            if style != "ascii":
                edits.append(Edit(i, i + 1, str(value), (style,)))
            i += 1
        elif c in _HOMOGLYPH:
            edits.append(Edit(i, i + 1, str(_HOMOGLYPH[c]), ("homoglyph",)))
            i += 1
        elif c in "Xx" and i == end - 1:
            if c == "x":
                edits.append(Edit(i, i + 1, "X"))
            i += 1
        else:
            j = i + 1
            while j < end and text[j] not in _DIGITS and text[j] not in _HOMOGLYPH and not (
                    text[j] in "Xx" and j == end - 1):
                j += 1
            edits.append(Edit(i, j, "", _gap_forms(text[i:j])))
            i = j
    return edits


def _plausible(digits: str, ascii_only: bool, cue: bool, raw: str) -> bool:
    n = len(digits)
    if not 5 <= n <= 19 or ("X" in digits and n != 18):
        return False
    if cue:
        return True
    if ascii_only:
        if _STANDARD.fullmatch(raw) or _NOT_A_NUMBER.fullmatch(raw):
            return False
        if _PLAIN_GAPS.fullmatch(raw):
            # one space or dash between groups is how numbers are written (1-713-348-3643 is a North
            # American number, not a Chinese mobile): a mobile number only with every digit apart,
            # an ID or card number in a grouping the recognizers do not read
            if _NANP.fullmatch(raw):
                return False
            if _EVERY_DIGIT_APART.fullmatch(raw):
                return _valid(digits) or _landline(digits)
            return _valid(digits) and not mobile.is_valid(digits)
        # other separators ('.', '/', two spaces, emoji, pauses): a mobile, ID or card, or a landline
        return _valid(digits) or _landline(digits)
    return True


def _landline(digits: str) -> bool:
    """The shape of a landline with its area code (0 and a digit, 10 to 12 digits in all)."""
    return digits[0] == "0" and digits[1] != "0" and 10 <= len(digits) <= 12


def _glued(raw: str, start: int, end: int) -> bool:
    """Whether the numerals around ``raw[start:end]`` touch it (not apart by a separator)."""
    return (start == 0 or raw[start - 1] in _DIGITS) and (end == len(raw) or raw[end] in _DIGITS)


def _number_of_its_own(plain: str) -> bool:
    """Plain ASCII that reads as a value as it is: an address, date, version, or ten digits or more."""
    return bool(_NOT_A_NUMBER.fullmatch(plain)) or sum(c.isdigit() for c in plain) >= 10 or ":" in plain


def _valid(digits: str) -> bool:
    """A valid mobile, resident ID or card number."""
    n = len(digits)
    return ((n == 11 and mobile.is_valid(digits)) or (n == 18 and ric.is_valid(digits))
            or (16 <= n <= 19 and bank_card.is_valid(digits)) or (n == 13 and digits.startswith("86")
                                                                   and mobile.is_valid(digits[2:])))


def _runs(text: str, taken: list[tuple[int, int]], cue_before: re.Pattern[str],
          folded: tuple[tuple[int, int], ...] = ()) -> list[Edit]:
    """Runs of digits in any form, with separators, that form a number of plausible length.

    ``folded``: ranges of ``text`` the first stage changed (full-width folded, zero-width removed
    just before): ASCII there was not written as ASCII, so it is read as evasion.
    """
    edits: list[Edit] = []
    for m in _RUN.finditer(text):
        start, end = m.span()
        if end - start < 3:
            continue  # "一个", "3件": no number of five digits, even with letters for digits before it
        if start and (not _ASCII_ALNUM.match(text, start - 1) or text[start - 1] in _HOMOGLYPH) and (
                _HOMOGLYPH_IN.search(text, max(0, start - 8), start)):  # (a cheap necessary condition first)
            before = _HOMOGLYPHS_BEFORE.search(text, max(0, start - 8), start)
            if before is not None:
                start = before.start()
            elif text[start - 1] in _HOMOGLYPH and text[start].isascii():
                continue  # inside a word: "abl3..."
        raw = text[start:end]
        if len(raw) < 5 or (raw.isascii() and raw.isdigit()) or len(_DIGIT_LIKE.findall(raw)) < 5:
            continue  # too short (every number _run reads in it has fewer than 5 digits), or nothing to undo
        if (start > 1 and _JOINED_BEFORE.match(text, start - 2)) or _JOINED_AFTER.match(text, end) or (
                start and text[start - 1] in "+＋"):  # (+1 818 489 9059: a country code, then the number)
            continue  # part of a longer ASCII token: an e-mail's local part, an IP address, a time
        if _NON_ASCII.search(raw) and any(_valid(_NOT_DIGIT_OR_X.sub("", c.group()).upper())
                                          for c in _PLAIN_NUMBER.finditer(raw)):
            continue  # 三13812345678: a valid number in plain digits, a numeral of the prose next to it
        edges = _PROSE_EDGES.fullmatch(raw)
        if edges is not None and edges["plain"] != raw and any(c.isdigit() for c in edges["plain"]) and (
                (_glued(raw, *edges.span("plain")) and len(raw) - len(edges["plain"]) <= 3)
                or _number_of_its_own(edges["plain"])):
            # 6222...0001七, 0.0.0.0七，七, 七10000@: plain digits and numerals of the prose next to them
            # (a number written to evade has its other forms inside it, or is all of one form)
            continue
        plain = raw
        letters = len(plain) - len(plain.lstrip("OolI"))
        if 0 < letters <= 2 and _HOMOGLYPH_IN.search(plain, letters) is None and plain.isascii() and (
                not _valid(_NOT_DIGIT_OR_X.sub("", "1" * letters + plain[letters:]).upper())) and (
                not cue_before.search(text, max(0, start - 12), start)):
            continue  # a letter, then digits: an id of its own (I100000003, O0000001) unless a valid number
        if taken and any(a < end and start < b for a, b in taken):
            continue
        groups = list(_GROUP_RE.finditer(text, start, end))
        if len(groups) > 1 and end < len(text) and text[end].isalpha() and len(groups[-1].group()) <= 2:
            # 138...，❶同城自提: a list marker after the number; 2007-2010四川, ~ 1栋, 二三等奖: a word's numeral
            groups.pop()
            end = groups[-1].end()
        if len(groups) > 1 and start and text[start - 1].isalpha() and groups[0].group() in _CHINESE and (
                len(groups[1].group()) >= 3) and (
                _SYMBOL.search(text, groups[0].end(), groups[1].start())) and not cue_before.search(
                text, max(0, start - 12), start):
            groups.pop(0)  # 送一 📞138...: a numeral in a word, then an emoji, then the number
            start = groups[0].start()
        for a, b in _pieces(text, start, end):
            found = _run(text, a, b, cue_before, folded=folded)
            if found is None and _NUMERAL_AFTER.match(text, b) and len(groups) > 1:
                # "1860*554*9873 二十四小时": the number, then a number in words
                last = _GROUP_RE.search(text, groups[-2].start(), b)
                inner = [g for g in _GROUP_RE.finditer(text, a, b)]
                if last is not None and len(inner) > 1:
                    b = inner[-2].end()
                    found = _run(text, a, b, cue_before, folded=folded)
            if text[a] in _HOMOGLYPH and text[a + 1] not in _DIGITS and text[a + 1] not in _HOMOGLYPH:
                # a lone letter first: "I 138..." is the pronoun unless the number needs it
                rest = _GROUP_RE.search(text, a + 1, b)
                alone = _run(text, rest.start(), b, cue_before, strict=True) if rest else None
                if alone is not None:
                    found, a = alone, rest.start()  # type: ignore[union-attr]
            if found is not None:
                edits.extend(found)
                taken.append((a, b))
    return edits


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The run ``text[start:end]``, or where it holds more than 19 digits, the numbers it is made of.

    Two numbers one after the other (a landline, then ☎ and a mobile) are cut where the next
    group would take the digits past 19.
    """
    if end - start <= 19:
        return [(start, end)]  # (no more digits than characters: the count below is not needed)
    digits = sum(1 for c in text[start:end] if c in _DIGITS or c in _HOMOGLYPH)
    if digits <= 19:
        return [(start, end)]
    out: list[tuple[int, int]] = []
    a = prev_end = start
    count = 0
    for g in _GROUP_RE.finditer(text, start, end):
        n = sum(1 for c in g.group() if c in _DIGITS or c in _HOMOGLYPH)
        if count and count + n > 19:
            out.append((a, prev_end))
            a, count = g.start(), 0
        count += n
        g.end()
    out.append((a, end))
    return out


def _run(text: str, start: int, end: int, cue_before: re.Pattern[str], strict: bool = False,
         folded: tuple[tuple[int, int], ...] = ()) -> list[Edit] | None:
    """The edits that make ``text[start:end]`` a number, or None where it is not one.

    ``strict``: only a valid mobile, resident ID or card number counts.
    """
    raw = text[start:end]
    written_ascii = not (folded and any(a < end and start < b for a, b in folded))
    if written_ascii and not strict and not _HOMOGLYPH_IN.search(raw) and (raw.isascii() or not _NON_ASCII.search(raw)):
        # digits written as digits, between any marks (dates, amounts, formatted numbers, lists: 1、2、3):
        # the cheap tests first, each a reason the full path below returns None too (a key before
        # the number stops it here only where all is ASCII, as it did before this path took 、，…)
        digits = _NOT_DIGIT_OR_X.sub("", raw).upper()
        if not 5 <= len(digits) <= 19:
            return None
        if cue_before.search(text, max(0, start - 12), start) is None and not (
                _plausible(digits, True, False, raw) and not _VERSION_BEFORE.search(text, max(0, start - 8), start)
                and not (raw.isascii() and _KEYED_BEFORE.search(text, max(0, start - 14), start))):
            return None
    if (_NUMERAL_AFTER.match(text, end) or (start and _NUMERAL_BEFORE.match(text, start - 1))) and any(
            c in _CHINESE or c in _CAPITAL for c in raw):
        return None  # 三百六十五, 第一二三名: numbers in prose
    run_edits = _digit_edits(text, start, end)
    digits = apply(raw, [Edit(e.src_start - start, e.src_end - start, e.replacement) for e in run_edits])
    homoglyphs = sum("homoglyph" in e.forms for e in run_edits)
    if strict:
        return run_edits if homoglyphs * 3 <= len(digits) and _valid(digits) else None
    cue = cue_before.search(text, max(0, start - 12), start) is not None
    if homoglyphs * (2 if cue else 3) > len(digits):
        return None  # mostly letters: a word, unless a QQ or WeChat cue says it is an id
    ascii_only = written_ascii and not homoglyphs and _NON_ASCII.search(raw) is None  # digits written as digits
    if ascii_only and not cue:
        gaps = "".join(text[e.src_start : e.src_end] for e in run_edits)
        if ("." in gaps and any(c in "，、…" for c in gaps)) or _VERSION_BEFORE.search(text, max(0, start - 8), start):
            return None  # "版本7.5.3，7278...": a version, then another number
    if not _plausible(digits, ascii_only, cue, raw):
        return None
    # a number written in words right after letters ("sfz两三零...", "tel一五九...") must not become
    # one token with them: a space keeps the recognizers' boundaries
    if start and _ASCII_ALNUM.match(text, start - 1) and run_edits and run_edits[0].src_start == start:
        first = run_edits[0]
        run_edits[0] = Edit(first.src_start, first.src_end, " " + first.replacement, first.forms)
    return run_edits


def _wechat_ids(text: str, tables: _Tables) -> tuple[list[Edit], list[tuple[int, int]]]:
    """Ids after a WeChat cue that start with a letter, joined across spaces and emoji."""
    edits: list[Edit] = []
    taken: list[tuple[int, int]] = []
    for m in tables.wechat.finditer(text):
        pos = m.end()
        chunks: list[tuple[int, int]] = []
        length = 0
        while True:
            c = _ID_CHUNK.match(text, pos)
            if c is None:
                break
            word = c.group()
            if chunks and not _joins(word, text[chunks[-1][1] : pos], length):
                break
            if not chunks and (word.lower() in _NOT_AN_ID or _NUMBER_LIKE.fullmatch(word)):
                break  # "WeChat Pay"; a phone number as the id is a run of digits (below)
            chunks.append(c.span())
            length += len(word)
            g = _ID_GAP.match(text, c.end())
            if g is None:
                break
            pos = g.end()
        if not chunks or (len(chunks) == 1 and _NON_ASCII.search(text, *chunks[0]) is None):
            continue  # nothing to join or convert
        start, end = chunks[0][0], chunks[-1][1]
        for a, b in chunks:
            for i in range(a, b):
                ch = text[i]
                if ch in _DIGITS and _DIGITS[ch][1] != "ascii":
                    value, style = _DIGITS[ch]
                    edits.append(Edit(i, i + 1, str(value), (style,)))
        edits.extend(Edit(b, a, "", _gap_forms(text[b:a])) for (_, b), (a, _) in itertools.pairwise(chunks))
        taken.append((start, end))
    return edits, taken


def _emails(text: str, tables: _Tables, taken: list[tuple[int, int]]) -> list[Edit]:
    edits: list[Edit] = []
    for m in tables.at.finditer(text):
        at_start, at_end = m.span()
        if at_start and text[at_start - 1] in " \u3000\u00a0" and m.group()[0] != " ":
            at_start -= 1  # "tom [at] qq.com"
        d = tables.domain.match(text, at_end)
        if d is None:
            continue
        i = at_start
        while i > 0 and at_start - i < 64 and (text[i - 1].isascii() and (text[i - 1].isalnum() or text[i - 1] in "._%+-")):
            i -= 1
        while i < at_start and not text[i].isalnum():
            i += 1
        if i == at_start:
            continue
        found: list[Edit] = []
        if m.group() != "@":
            found.append(Edit(at_start, at_end, "@", ("email_at",)))
        for g in range(1, 5):  # the dots: every separator between labels in the domain
            if d.group(g) not in (None, "."):
                found.append(Edit(d.start(g), d.end(g), ".", ("email_dot",)))
        if not found or any(a < d.end() and i < b for a, b in taken):
            continue
        edits.extend(found)
        taken.append((i, d.end()))
    return edits


def _cues(text: str, tables: _Tables, taken: list[tuple[int, int]]) -> tuple[list[Edit], list[tuple[int, int, str]]]:
    edits: list[Edit] = []
    cues: list[tuple[int, int, str]] = []
    for m in tables.cue.finditer(text):
        start, end = m.span()
        if any(a < end and start < b for a, b in taken):
            continue
        form = tables.cue_form[m.group()]
        edits.append(Edit(start, end, "微信" if form == "cue_wechat" else "QQ"))
        cues.append((start, end, form))
    return edits, cues


def _stage1(text: str) -> list[Edit]:
    edits = []
    for m in _STAGE1.finditer(text):
        if m.group(1):
            edits.append(Edit(m.start(), m.end(), m.group().translate(_FOLD_TABLE), ("fullwidth",)))
        else:
            edits.append(Edit(m.start(), m.end(), "", ("zero_width",)))
    return edits


def _disjoint(edits: list[Edit]) -> list[Edit]:
    """Sorted by position; of edits that overlap, the first found is kept."""
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.src_start, e.src_end)):
        if out and e.src_start < out[-1].src_end:
            continue
        out.append(e)
    return out


RUNS, MAILS, CUES = "runs", "mails", "cues"  # the parts of the second stage a gate calls for
_ALL = frozenset({RUNS, MAILS, CUES})


@cache
def gates() -> tuple[str, ...]:
    """Regexes of which at least one matches any text :func:`normalize` changes (a superset).

    Plain characters and bounded repeats only, so that Hyperscan takes them too: the analyzer
    adds them to its prefilter, whose one scan a text makes anyway then says whether to
    normalize it at all, and which parts of the second stage to run (:func:`gate_parts`).
    Most are literals (three numerals, a numeral and a separator and a numeral, a full-width
    digit): Hyperscan matches sets of literals far faster than character classes that match
    often (a class of numerals cost clean text 7%; docs/benchmarks.md), and about 10,000 of
    them compile in a fraction of a second.
    """
    return tuple(g for g, _ in _gate_table())


@cache
def gate_parts() -> tuple[frozenset[str], ...]:
    """For each of :func:`gates`, the parts of the second stage a text it matches needs."""
    return tuple(p for _, p in _gate_table())


@cache
def _gate_table() -> tuple[tuple[str, frozenset[str]], ...]:
    d = data()
    # digits read as a number may be an id after a disguised cue: runs need the cues rewritten too
    run = cue = frozenset({RUNS, CUES})
    mail = frozenset({MAILS})
    chinese = sorted({*_CHINESE, "〇"})
    capital = sorted({*_CAPITAL, "零"})
    out: dict[str, frozenset[str]] = {}

    def add(literals: Iterable[str], parts: frozenset[str]) -> None:
        for x in literals:
            out[re.escape(x)] = out.get(re.escape(x), frozenset()) | parts

    # numerals: three in a row ("一一" is prose, "一一〇" not), or two apart by a pause or space; one
    # pattern per first numeral, led by it (as literals these took 4,000 of the prefilter's entries)
    numeral_patterns = []
    ch, cap, cap_only = _cls(chinese), _cls([*chinese, *capital]), _cls(_CAPITAL)
    for a in chinese:
        numeral_patterns.append(f"{re.escape(a)}(?:[{ch}]{{2}}|[{cap_only}]|[，、… \u3000./*~|-]{{1,3}}[{ch}])")
    for a in capital:
        numeral_patterns.append(f"{re.escape(a)}(?:[{cap}]|[，、… \u3000./*~|-]{{1,3}}[{cap}])")
    add((a + b for a in [*chinese, *capital] for b in string.digits), run)
    add((b + a for a in [*chinese, *capital] for b in string.digits), run)
    add((chr(c) for c in _FOLD if chr(c).isalnum() or c == 0xFF20), _ALL)
    add(_ZERO_WIDTH_CHARS, _ALL)
    add(_CIRCLED, cue)
    add((c + "．" for c in string.ascii_letters + string.digits), mail)
    add((a + h + b for a in string.digits for h in _HOMOGLYPH for b in string.digits), run)
    add((h + a + b for a in string.digits for h in _HOMOGLYPH for b in string.digits), run)
    add((a + b + h for a in string.digits for h in _HOMOGLYPH for b in string.digits), run)
    add((x for a in string.digits for h in _HOMOGLYPH for x in (a + "-" + h, h + "-" + a)), run)  # ("to 1": not " ")
    # ASCII digits apart in ways plain formatting does not use
    add((a + sep + b for a in string.digits for b in string.digits
         for sep in ("  ", "\u3000", " / ", "~", "*", "|", " - ", "，", "、", "…")), run)
    opens = [b[0] for b in d["brackets"]] + ["［", "｛"]
    closes = [b[1] for b in d["brackets"]] + ["］", "｝"]
    add((o + sp + w + sp + c for o, c in zip(opens, closes, strict=True) for sp in ("", " ")
         for w in [*d["at_words"], *d["dot_words"]]), mail)
    add(("艾特",), mail)
    add(("，嗯，", "，呃，"), run)
    # spelled-out dots before a top-level domain; "@" spelled out before a common mail domain
    for tld in d["tlds"]:
        add((w + tld for w in ("点", "。", "dot", "DOT", " dot ")), mail)
        add((w + c + tld for w in d["dot_words"] for c in closes), mail)
    add((at + dom for dom in d["mail_domains"] for at in (" at ", " AT ", "#", "＃")), mail)
    table = list(out.items())
    # cue words before an id: after a separator, or (not after an ASCII letter) straight away
    starts = f"[A-Za-z0-9{_NON_ASCII_DIGIT}{_cls(chr(c) for c in _FOLD if chr(c).isalnum())}]"
    digit_start = f"[0-9{_NON_ASCII_DIGIT}０-９]"
    for w in [*d["wechat_cues"], *d["qq_cues"]]:
        if len(w) == 1 and w.isascii():  # "v a", "Roe v Wade": after a space, only digits count
            table.append((f"{re.escape(w)}(?:[:：是号\u3000]{{1,2}}{starts}| {{1,2}}{digit_start})", cue))
            continue
        least = 1 if w[-1].isascii() and w[-1].isalnum() else 0
        table.append((f"{re.escape(w)}[ :：是号\u3000\ufe0f]{{{least},2}}{starts}", cue))
    # emoji between digits: the usual ones (the normalization itself takes any symbol)
    table += [(f"{re.escape(sym)}\ufe0f? ?[0-9{_NON_ASCII_DIGIT}]", cue) for sym in d["gap_symbols"]]
    table += [(x, run) for x in numeral_patterns]
    table += [("[0-9]{3}[./][0-9]{4}", run), ("[0-9][ -][0-9][ -][0-9][ -][0-9]", run),
              ("[0-9]{5,}[ -][0-9]{4,}", run)]
    # after a plain cue only an id in pieces needs reading ("QQ：5397 2981", "微信：jie_v ip")
    table.append((f"(?:{_alternation([*d['wechat_plain'], *d['qq_plain']])})(?:号码?|是|[ ]?(?:ID|id|no\\.?))?"
                  f"[ :：]{{0,2}}[A-Za-z0-9_-]{{1,20}}(?:[ ]{{1,2}}[A-Za-z0-9]|[./、，…][0-9]|[~*|{_SYMBOLS.rstrip('~*|·•・')}])",
                  cue))
    return tuple(table)


@cache
def _gate() -> re.Pattern[str]:
    """:func:`gates` as one Python regex, where there is no prefilter (slow to build: once a process)."""
    return re.compile("|".join(f"(?:{g})" for g in gates()))


def normalize(text: str, *, parts: Iterable[str] | None = None) -> Normalized | None:
    """``text`` in canonical form with the map back, or None when nothing in it is rewritten.

    ``parts``: the caller has found that gates match (the analyzer's prefilter), and these parts
    of the second stage are all that their matches call for (:func:`gate_parts`); None: test
    the gates here and run every part.
    """
    if parts is None:
        if not _gate().search(text):
            return None
        parts = _ALL
    tables = _tables()
    first = _stage1(text) if _STAGE1_ANY.search(text) else []
    folded = apply(text, first) if first else text
    ids, taken = _wechat_ids(folded, tables) if CUES in parts else ([], [])
    mails = _emails(folded, tables, taken) if MAILS in parts else []
    touched = tuple(OffsetMap(first).ranges()) if first else ()
    runs = _runs(folded, taken, tables.cue_before, touched) if RUNS in parts else []
    cue_edits, cue_ranges = _cues(folded, tables, taken) if CUES in parts else ([], [])
    second = _disjoint([*ids, *mails, *runs, *cue_edits])
    if not first and not second:
        return None
    maps: list[OffsetMap] = []
    if first:
        maps.append(OffsetMap(first))
    canonical = apply(folded, second) if second else folded
    if second:
        maps.append(OffsetMap(second))
    m1 = maps[0] if first else None
    cues = tuple((*(m1.span(a, b) if m1 else (a, b)), f) for a, b, f in cue_ranges)
    return Normalized(text, canonical, tuple(maps), cues)


__all__ = ["FORMS", "Normalized", "OffsetMap", "gate_parts", "gates", "normalize"]
