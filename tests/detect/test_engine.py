"""The island engine must find exactly what running every pattern over the whole text finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect import Analyzer
from piwarden.detect.engine import NaiveEngine

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

    assert without_lookarounds(r"(?<![0-9A-Za-z])1[3-9](?![0-9])(?!@[A-Za-z0-9])") == "1[3-9]"
    assert without_lookarounds(r"[0-9A-F]{2}([:-])[0-9A-F]{2}(?:\1[0-9A-F]{2}){4}") == (
        "[0-9A-F]{2}[:-][0-9A-F]{2}(?:[:-][0-9A-F]{2}){4}"
    )
    assert without_lookarounds(r"(?P<v>[a-z]+(?<=[(\]])x)") == "(?:[a-z]+x)"


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join))
def test_whole_value_candidates_include_every_whole_span_a_search_finds(value: str) -> None:
    engine = NaiveEngine(NAIVE.recognizers)
    searched = {(c.recognizer.name, c.pattern.name) for c in engine.candidates(value)
                if c.start == 0 and c.end == len(value)}
    whole = {(c.recognizer.name, c.pattern.name) for c in engine.whole(value)}
    assert searched <= whole  # fullmatch also finds a whole-value match a leftmost search passes over
    assert all(c.start == 0 and c.end == len(value) for c in engine.whole(value))
