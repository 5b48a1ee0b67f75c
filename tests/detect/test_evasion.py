"""The evasion layer: values written so that filters miss them are found where they are written.

Unit tests pin each form and the hard negatives; the property tests write any valid phone,
resident ID, card, QQ number or e-mail address in any supported evasion (rendered here, with
tables of this file's own) inside arbitrary text, and require it found with exactly its
original offsets, and masked whole.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piwarden.detect import Analyzer, evasion
from piwarden.detect.evasion import Edit, OffsetMap, normalize
from piwarden.detect.ids import bank_card
from piwarden.detect.ids.cn import mobile, ric
from piwarden.mask.policy import Policy
from piwarden.mask.text import mask_text

ANALYZER = Analyzer()
PLAIN = Analyzer(evasion=False)
REDACT = Policy(default="redact")  # type: ignore[arg-type]  # the shorthand: a rule by its operator's name
SETTINGS = settings(max_examples=int(os.environ.get("PIWARDEN_PROPERTY_EXAMPLES", "80")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def found(text: str, analyzer: Analyzer = ANALYZER) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.type, text[s.start : s.end], s.evasion) for s in analyzer.analyze(text)]


# --- the offset map -------------------------------------------------------------------------

def test_offset_map_maps_replacements_and_deletions_back() -> None:
    source = "a①\u200b③b"
    edits = [Edit(1, 2, "1", ("circled",)), Edit(2, 3, "", ("zero_width",)), Edit(3, 4, "3", ("circled",))]
    m = OffsetMap(edits)
    assert evasion.apply(source, edits) == "a13b"
    assert m.span(1, 3) == (1, 4)  # "13" is "①\u200b③"
    assert m.span(0, 1) == (0, 1) and m.span(3, 4) == (4, 5)
    assert {f for e in m.inside(1, 4) for f in e.forms} == {"circled", "zero_width"}


def test_a_longer_replacement_maps_to_its_whole_source() -> None:
    m = OffsetMap([Edit(2, 4, "微信", ()), Edit(5, 6, "QQ", ())])
    assert m.span(2, 4) == (2, 4) and m.span(5, 7) == (5, 6) and m.span(6, 7) == (5, 6)
    assert m.span(4, 5) == (4, 5) and m.span(7, 8) == (6, 7)


# --- each form ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "kind", "forms"), [
    ("电话１３８１２３４５６７８", "１３８１２３４５６７８", "PHONE", ("fullwidth",)),
    ("电话幺三八幺两三四五六七八。", "幺三八幺两三四五六七八", "PHONE", ("chinese_numerals",)),
    ("号码：壹叁捌壹贰叁肆伍陆柒捌", "壹叁捌壹贰叁肆伍陆柒捌", "PHONE", ("capital_numerals",)),
    ("tel ①③⑧①②③④⑤⑥⑦⑧ ok", "①③⑧①②③④⑤⑥⑦⑧", "PHONE", ("circled",)),
    ("call l38l2345678 now", "l38l2345678", "PHONE", ("homoglyph",)),
    ("手机138❤1234❤5678", "138❤1234❤5678", "PHONE", ("emoji_separated",)),
    ("手机138\u200b1234\u20605678", "138\u200b1234\u20605678", "PHONE", ("zero_width",)),
    ("我的是一三八，幺二三四，五六七八。", "一三八，幺二三四，五六七八", "PHONE", ("chinese_numerals", "spaced")),
    ("add my Q：5397 2981 thanks", "5397 2981", "QQ_ID", ("spaced", "cue_qq")),
    ("+企鹅 1234 5678", "1234 5678", "QQ_ID", ("spaced", "cue_qq")),
    ("加V信：wx_abc123", "wx_abc123", "WECHAT_ID", ("cue_wechat",)),
    ("加微❤ jie_v ip（秒回）", "jie_v ip", "WECHAT_ID", ("spaced", "cue_wechat")),
    ("薇信 一三八一二三四五六七八", "一三八一二三四五六七八", "WECHAT_ID", ("chinese_numerals", "cue_wechat")),
    ("邮箱 tom[at]qq.com 谢谢", "tom[at]qq.com", "EMAIL", ("email_at",)),
    ("邮箱 tom艾特163点com", "tom艾特163点com", "EMAIL", ("email_at", "email_dot")),
    ("mail: tom at qq dot com.", "tom at qq dot com", "EMAIL", ("email_at", "email_dot")),
    ("E-mail tom#qq.com（#换成@）", "tom#qq.com", "EMAIL", ("email_at",)),
    ("mail tom@163dotcom ok", "tom@163dotcom", "EMAIL", ("email_dot",)),
])
def test_each_form_is_found_where_it_is_written(text: str, value: str, kind: str, forms: tuple[str, ...]) -> None:
    assert (kind, value, forms) in found(text)


def test_mixed_styles_are_flagged_mixed() -> None:
    text = "电话①3①6 ⑥⑨⓪ 7④39 详聊"
    [(kind, value, forms)] = found(text)
    assert (kind, value) == ("PHONE", "①3①6 ⑥⑨⓪ 7④39") and "mixed" in forms and "circled" in forms


def test_the_value_read_is_reported_with_the_span() -> None:
    [span] = ANALYZER.analyze("身份证 一一〇一〇五⭐一九六五⭐〇一二〇⭐二四三七")
    assert span.type == "CN_RESIDENT_ID" and span.normalized == "110105196501202437"
    assert span.to_dict()["evasion"] == ["chinese_numerals", "emoji_separated"]
    assert span.to_dict("x" * 60)["normalized"] == "110105196501202437"


def test_clean_values_carry_no_flag() -> None:
    [span] = ANALYZER.analyze("手机 138 1234 5678")
    assert span.evasion == () and span.normalized is None and "evasion" not in span.to_dict()


def test_off_finds_what_it_found_before() -> None:
    assert found("电话幺三八幺两三四五六七八", PLAIN) == []
    assert found("电话13812345678", PLAIN) == found("电话13812345678")


def test_a_phone_after_a_wechat_cue_is_the_wechat_id() -> None:
    assert found("微信：13812345678") == [("WECHAT_ID", "13812345678", ())]


# --- hard negatives -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "一二三等奖已开奖，一等奖一名、二等奖三名", "三百六十五天，第一二三名，九九八十一难", "一二三四五六七八九十",
    "①包邮 ②拍前咨询 ③当面交易", "❶先到先得 ❷同城自提", "到手价￥１２８．００，拍３件", "２０００个",
    "用微信支付，或者支付宝", "QQ音乐 QQ邮箱 企鹅电竞 WeChat Pay", "加微信，V我50，扣1，扣666",
    "vivo X100，iPhone 15 Pro，型号RTX4090，华为Mate60 Pro", "二〇二六年三月一日下午三点十五分",
    "版本v2.13.8，iOS 17.4.1，微信 8.0.47", "3栋2单元1101，B座1808", "13800元，¥13800",
    "答应给蒋碧薇100万元和100幅画", "France 79248. I now live in 6570 Jiangsu", "2007-2010四川",
])
def test_hard_negatives_are_not_flagged(text: str) -> None:
    kinds = {"PHONE", "CN_RESIDENT_ID", "BANK_CARD", "CREDIT_CARD", "QQ_ID", "WECHAT_ID", "EMAIL"}
    assert [f for f in found(text) if f[0] in kinds] == []


def test_text_without_evasion_is_not_copied() -> None:
    assert normalize("今天天气很好，我们去公园散步吧。") is None
    assert normalize("手机 13812345678，邮箱 tom@qq.com") is None


def test_the_cue_list_is_data() -> None:
    d = evasion.data()
    assert {"V信", "薇信", "vx"} <= set(d["wechat_cues"]) and {"扣扣", "企鹅"} <= set(d["qq_cues"])


def test_gates_are_a_superset_of_what_normalization_changes() -> None:
    """The prefilter's gates (Hyperscan) and the Python fallback agree with normalizing everything."""
    texts = ["电话幺三八幺两三四五六七八", "tom[at]qq.com", "Q：5397 2981", "加微❤ jie_v ip", "l38l2345678",
             "138❤1234❤5678", "１３８", "a\u200bb", "今天天气很好"]
    gate = re.compile("|".join(f"(?:{g})" for g in evasion.gates()))
    for text in texts:
        changed = normalize(text, parts=["runs", "mails", "cues"]) is not None
        assert not changed or gate.search(text), text
        assert (normalize(text) is not None) == changed, text


# --- properties -----------------------------------------------------------------------------

_CHINESE = "〇一二三四五六七八九"
_CHINESE_ALT = {"0": "零", "1": "幺", "2": "两"}
_CAPITAL = "零壹贰叁肆伍陆柒捌玖"
_CIRCLED = ("⓪①②③④⑤⑥⑦⑧⑨", "⓿❶❷❸❹❺❻❼❽❾")
_PAREN = " ⑴⑵⑶⑷⑸⑹⑺⑻⑼"  # no zero
_ZW = "\u200b\u200c\u200d\u2060\ufeff"
_SEPS = (" ", "  ", "\u3000", "-", ".", "/", " - ", "，", "、", "…")
_EMOJI = ("❤", "❤️", "⭐", "✨", "🔥", "🌸", "💰", "☆", "★", "♥", "🍀", "💕", "🌟", "~", "*", "|")
# safe surroundings: no digit in any form, no cue or context word, no numeral word
_FILLER_HANZI = "你好请问还在吗谢谢亲便宜包邮到付货已经送明天见朋友喜欢颜色衣服尺寸合适非常满意快乐生活"
_FILLER = st.text(st.sampled_from(_FILLER_HANZI + "，。！？；（）【】 \n"), max_size=12)


@st.composite
def rendered_digits(draw: Callable, number: str) -> tuple[str, str]:
    """``number`` in one evasion style (or several mixed), grouped and separated; its form name."""
    style = draw(st.sampled_from(("fullwidth", "chinese", "capital", "circled", "homoglyph", "mixed")))

    def one(d: str, s: str) -> str:
        if d == "X":  # an ID's check character
            return "Ｘ" if s == "fullwidth" else draw(st.sampled_from("Xx"))
        if s == "fullwidth":
            return chr(0xFF10 + int(d))
        if s == "chinese":
            return _CHINESE_ALT[d] if d in _CHINESE_ALT and draw(st.booleans()) else _CHINESE[int(d)]
        if s == "capital":
            return _CAPITAL[int(d)]
        if s == "circled":
            return _CIRCLED[circled][int(d)]
        if s == "homoglyph" and budget:  # letters for at most a third of the digits: more is a word
            budget.pop()
            return {"0": "O", "1": "l"}.get(d, d) if draw(st.booleans()) else d
        return d

    circled = draw(st.integers(0, 1))
    budget = [1] * (len(number) // 3)
    if style == "mixed":
        chars = [one(d, draw(st.sampled_from(("ascii", "fullwidth", "chinese", "capital", "circled"))))
                 for d in number]
        # a number mixed to evade has its other forms inside it: plain digits with up to three
        # numerals glued at an end are read as the plain number and the prose's ("6222...0001七")
        inner = draw(st.integers(len(number) // 3, 2 * len(number) // 3))
        if number[inner] != "X":
            chars[inner] = _CIRCLED[0][int(number[inner])]
    else:
        chars = [one(d, style) for d in number]
    # groups, separated by a separator, an emoji or zero-width characters (never at the edges)
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=4)))
    glue = draw(st.sampled_from(("sep", "emoji", "zw")))
    out, last = [], 0
    for cut in [*cuts, len(number)]:
        out.append("".join(chars[last:cut]))
        last = cut
    # ASCII digits apart by one space, dash, dot or slash are formatting (or a decimal, a date) the
    # recognizers read as written: a grouping they know (test_properties); other groupings are not
    # taken for evasion, but the rarer separators are
    seps = _SEPS if style != "homoglyph" else ("  ", "\u3000", " - ", "，", "、", "…")
    sep = {"sep": draw(st.sampled_from(seps)), "emoji": draw(st.sampled_from(_EMOJI)),
           "zw": draw(st.sampled_from(_ZW))}[glue]
    return sep.join(out), style


def _valid_mobile(rest: str, segment: str) -> str:
    return segment + rest[: 11 - len(segment)]


_MOBILE = st.builds(_valid_mobile, st.text(string.digits, min_size=8, max_size=8),
                    st.sampled_from(sorted(mobile.SEGMENTS)))


@st.composite
def resident_id(draw: Callable) -> str:
    body = draw(st.sampled_from(("110101", "310104", "440305", "510107"))) + \
        f"{draw(st.integers(1960, 2004))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}" + \
        draw(st.text(string.digits, min_size=3, max_size=3))
    return body + ric.calc_check_digit(body)


@st.composite
def card(draw: Callable) -> str:
    body = draw(st.sampled_from(("622202", "621700", "622848", "625809"))) + \
        draw(st.text(string.digits, min_size=9, max_size=12))
    return body + bank_card.calc_check_digit(body)


_QQ = st.builds(lambda first, rest: first + rest, st.sampled_from("123456789"),
                st.text(string.digits, min_size=5, max_size=9))


def _check(text: str, start: int, end: int, kind: str) -> None:
    spans = [(s.start, s.end, s.type) for s in ANALYZER.analyze(text)]
    assert (start, end, kind) in spans, (text, spans)
    masked = mask_text(text, ANALYZER.analyze(text), REDACT)
    value = text[start:end]
    assert value not in masked
    kept = [c for c in value if c.isdigit() or c in _CHINESE + _CAPITAL + "幺两" + "".join(_CIRCLED)]
    assert not any(c in masked[start:] for c in kept if c not in "。"), (text, masked)


@SETTINGS
@given(number=st.one_of(_MOBILE.map(lambda n: ("PHONE", n)), resident_id().map(lambda n: ("CN_RESIDENT_ID", n)),
                        card().map(lambda n: ("BANK_CARD", n))), data=st.data(), left=_FILLER, right=_FILLER)
def test_any_evaded_number_is_found_at_its_offsets_and_masked_whole(number: tuple[str, str], data: st.DataObject,
                                                                     left: str, right: str) -> None:
    kind, value = number
    written, style = data.draw(rendered_digits(value))
    if style == "homoglyph" and kind == "BANK_CARD":
        written = written.replace("l", "I")
    lead = {"PHONE": "电话：", "CN_RESIDENT_ID": "身份证：", "BANK_CARD": "卡号："}[kind]
    text = left + lead + written + "，" + right
    start = len(left) + len(lead)
    _check(text, start, start + len(written), kind)


@SETTINGS
@given(number=_QQ, data=st.data(), cue=st.sampled_from(("扣扣", "企鹅", "Q：", "q号", "QQ号码是", "🐧 ", "叩叩 ")),
       left=_FILLER, right=_FILLER)
def test_any_evaded_qq_number_is_found(number: str, data: st.DataObject, cue: str, left: str, right: str) -> None:
    written, _ = data.draw(rendered_digits(number))
    text = left + "加" + cue + written + "。" + right
    start = len(left) + 1 + len(cue)
    _check(text, start, start + len(written), "QQ_ID")


_LOCAL = st.text(string.ascii_lowercase + string.digits, min_size=3, max_size=12).filter(lambda s: s[0].isalpha())
_AT = ("[at]", "(at)", "{at}", "【at】", "[艾特]", " at ", "艾特", "@", "＠")
_DOT = (".", "点", "dot", "[dot]", "(dot)", " dot ", "。")


@SETTINGS
@given(local=_LOCAL, host=st.sampled_from(("qq", "163", "126", "sina", "gmail", "foxmail")),
       tld=st.sampled_from(("com", "cn", "net")), at=st.sampled_from(_AT), dot=st.sampled_from(_DOT),
       zw=st.booleans(), left=_FILLER, right=_FILLER)
def test_any_evaded_email_is_found(local: str, host: str, tld: str, at: str, dot: str, zw: bool, left: str,
                                   right: str) -> None:
    if at in ("@", "＠") and dot == ".":
        at = "[at]"  # a clean address is the e-mail recognizer's own test
    written = f"{local}{at}{host}{dot}{tld}"
    if zw:
        written = written[:2] + "\u200b" + written[2:]
    text = left + "邮箱：" + written + " 谢谢" + right
    start = len(left) + 3
    spans = [(s.start, s.end, s.type) for s in ANALYZER.analyze(text)]
    assert (start, start + len(written), "EMAIL") in spans, (text, spans)
    masked = mask_text(text, ANALYZER.analyze(text), REDACT)
    assert local not in masked


def test_masking_an_evaded_value_masks_all_of_it_under_the_default_policy() -> None:
    """The default policy keeps a phone's segment and last four: of the number read, not of its glyphs."""
    text = "电话①3①6 ⑥⑨⓪ 7④39 详聊"
    masked = mask_text(text, ANALYZER.analyze(text))
    assert masked == "电话131****7439 详聊"
