"""The island engine must find exactly what running every pattern over the whole text finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect import Analyzer
from piwarden.detect.engine import NaiveEngine
from piwarden.detect.recognizer import Pattern, Recognizer

FAST = Analyzer(min_score=0.0)
NAIVE = Analyzer(min_score=0.0)
NAIVE.engine = NaiveEngine(NAIVE.recognizers)

FRAGMENTS = [
    "13812345678", "+86 138-1234-5678", "010-62751234转123", "（021）6320-1234", "+852 9123 4567",
    "330106198803051239", "6222025260181590832", "4111 1111 1111 1111", "li@example.com", "a.b@c.cn",
    "10.12.3.45", "2001:db8::1", "3C:22:FB:1A:2B:3C", "京A12345", "粤B·D12345", "京A1234挂", "E12345678",
    "A123456(3)", "SF1234567890123", "EA123456785CN", "1979年11月2日", "39.9042, 116.4074",
    "北纬39.90°，东经116.40°", "078-05-1121", "GB82WEST12345698765432", "91330106MA2CFXXX30",
    "订单号", "订单号：", "微信号", "微信：", "QQ：", "支付宝账号", "出生日期", "身份证号", "卡号", "IMEI",
    "手机", "电话", "运单号", "护照", "坐标", "SSN", "driver license", "回乡证", "通行证", "phone",
    "，", "。", "：", " ", "-", ".", "@", "(", ")", "#", "\n", "年", "月", "日", "的", "是", "a", "Z", "x",
    "0", "1", "9", "12", "2024", "95588",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=24).map("".join))
def test_island_engine_equals_full_scans(text: str) -> None:
    # skipped islands and closed gates may drop candidates, never a span that would score
    assert FAST.analyze(text) == NAIVE.analyze(text)


def test_gated_recognizers_still_fire_with_their_words() -> None:
    text = "联系QQ：80123456，微信号 wx_lihong2026，邮箱 li@example.com"
    assert [s.type for s in FAST.analyze(text)] == ["QQ_ID", "WECHAT_ID", "EMAIL"]


def test_results_do_not_depend_on_the_hyperscan_prefilter() -> None:
    from piwarden.detect.engine import Engine

    plain = Analyzer(min_score=0.0)
    plain.engine = Engine(plain.recognizers, use_prefilter=False)
    texts = ["".join(FRAGMENTS[i:i + 9]) for i in range(len(FRAGMENTS))]
    assert [FAST.analyze(t) for t in texts] == [plain.analyze(t) for t in texts]


def test_lookaround_stripping_keeps_a_superset() -> None:
    from piwarden.detect.prefilter import without_lookarounds

    # a leading look-behind and the first trailing look-ahead of one class become consuming boundaries
    assert without_lookarounds(r"(?<![0-9A-Za-z])1[3-9](?![0-9])(?!@[A-Za-z0-9])") == (
        "(?:^|[^0-9A-Za-z])1[3-9](?:[^0-9]|$)"
    )
    assert without_lookarounds(r"[0-9](?!\.[0-9])(?![0-9-])") == "[0-9](?:[^0-9-]|$)"
    # others are dropped: inside the pattern, of two characters, negated classes, look-aheads mid-way
    assert without_lookarounds(r"(?<![0-9]-)x(?![0-9])y") == "xy"
    assert without_lookarounds(r"(?<![^a])x(?![0-9]{2})") == "x"
    assert without_lookarounds(r"[0-9A-F]{2}([:-])[0-9A-F]{2}(?:\1[0-9A-F]{2}){4}") == (
        "[0-9A-F]{2}[:-][0-9A-F]{2}(?:[:-][0-9A-F]{2}){4}"
    )
    assert without_lookarounds(r"(?P<v>[a-z]+(?<=[(\]])x)") == "(?:[a-z]+x)"
    assert without_lookarounds(r"(?<![\]a])x(?![0-9])") == "(?:^|[^\\]a])x(?:[^0-9]|$)"
    # wide bounded repeats are opened (a superset, cheaper for Hyperscan); narrow ones kept
    assert without_lookarounds(r"[a-z]{0,63}@[0-9]{2,4}\{1,9\}") == r"[a-z]{0,}@[0-9]{2,4}\{1,9\}"


# fragments glued with any character at all: surrogates (encoded as "?"), NUL, emoji, the
# Kelvin sign and dotless i (which re.IGNORECASE matches to k and i), full-width digits
_ANY_GLUE = st.one_of(st.sampled_from(FRAGMENTS), st.characters(codec=None), st.sampled_from(
    ["\ud800", "\x00", "\U0001F600", "\u212a", "\u0131", "１", "\u00a0", "\r\n"]))


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(FRAGMENTS), max_size=24), st.lists(_ANY_GLUE, max_size=24)).map("".join))
def test_the_prefilter_reports_every_pattern_that_matches(text: str) -> None:
    engine = FAST.engine
    if engine._prefilter is None:  # no Hyperscan on this platform
        return
    reported = engine._prefilter.may_match(text)
    matching = {c.id for c in (*engine._digit, *engine._anywhere) if c.regex.search(text)}
    assert matching <= reported


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join))
def test_whole_value_candidates_include_every_whole_span_a_search_finds(value: str) -> None:
    engine = NaiveEngine(NAIVE.recognizers)
    searched = {(c.recognizer.name, c.pattern.name) for c in engine.candidates(value)
                if c.start == 0 and c.end == len(value)}
    whole = {(c.recognizer.name, c.pattern.name) for c in engine.whole(value)}
    assert searched <= whole  # fullmatch also finds a whole-value match a leftmost search passes over
    assert all(c.start == 0 and c.end == len(value) for c in engine.whole(value))


_ENGINE = FAST.engine
_PATTERNS = [*_ENGINE._digit, *_ENGINE._anywhere]


def test_whole_token_patterns_are_recognized() -> None:
    from piwarden.detect.tokens import token_shape

    shaped = {c.pattern.name for c in _PATTERNS if c.shape is not None}
    assert {"card_plain", "ric18", "uscc", "imei", "digits", "s10"} <= shaped
    assert not shaped & {"hkid", "card_grouped", "cn_mobile", "order_id"}  # parentheses, spaces, keys
    assert token_shape(r"(?<![0-9A-Za-z])(?i:k)[0-9]{5}(?![0-9A-Za-z])") is None  # re.I: "k" matches "K"
    assert token_shape(r"(?<![0-9A-Za-z])\d{5}(?![0-9A-Za-z])") is None  # \d: any Unicode digit


def test_start_classes_list_every_first_character() -> None:
    from piwarden.detect.starts import first_chars

    assert first_chars(r"(?<![0-9])(?:(?:[+＋]|00)?86[ -]?|[(（][+＋]?86[)）] ?)?1[3-9][0-9]{9}") == frozenset(
        map(ord, "+＋08(（1"))
    assert first_chars(r"(?:(?<![0-9])|(?<=[0-9]-))[a-z]+@") == frozenset(map(ord, "abcdefghijklmnopqrstuvwxyz"))
    assert first_chars(r"(?<![0-9])[0-9]*") is None  # may match nothing
    assert first_chars(r"(?i:a)b") is None
    assert first_chars(r"\d+") is None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=24).map("".join), st.data())
def test_token_and_start_class_matching_equals_each_patterns_search(text: str, data: st.DataObject) -> None:
    import re

    from piwarden.detect.engine import _disjoint

    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    tokens = [m.span() for m in re.finditer("[0-9A-Za-z]+", text)]
    for c in _PATTERNS:
        searched = [m.span(c.value_group) for m in c.regex.finditer(text)]
        if c.shape is not None:
            assert [t for t in tokens if c.shape.body.fullmatch(text, *t)] == searched, c.pattern.name
        if c.starts is not None:
            assert _disjoint(c.starts.finditer(text)) == searched, c.pattern.name
            windowed = [m.span(c.value_group) for m in c.regex.finditer(text, lo, hi)]
            assert _disjoint(c.starts.finditer(text, lo, hi)) == windowed, c.pattern.name


class _OwnCompile(Recognizer):
    """Compiles its patterns its own way (here: case-insensitive, inline): the prefilter must follow."""

    entity = "ORDER_ID"
    patterns = (Pattern("ticket", r"(?<![a-z])tk-[0-9]{6}(?![0-9])", 0.9),)

    def compiled(self) -> list[tuple[Pattern, re.Pattern[str]]]:
        return [(p, re.compile(f"(?i:{p.regex})")) for p in self.patterns]


def test_the_prefilter_follows_a_recognizer_that_compiles_its_own_patterns() -> None:
    from piwarden.detect.engine import Engine

    analyzer = Analyzer([_OwnCompile()])
    plain = Analyzer([_OwnCompile()])
    plain.engine = Engine(plain.recognizers, use_prefilter=False)
    text = "工单 TK-123456 已关闭"
    assert [s.type for s in plain.analyze(text)] == ["ORDER_ID"]
    assert analyzer.analyze(text) == plain.analyze(text)
