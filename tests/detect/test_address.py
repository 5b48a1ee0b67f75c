"""The address parser: levels, filled-in divisions, addresses found whole, graded and masked by level."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect import Analyzer
from piwarden.detect.address import address_grade, find_addresses, parse
from piwarden.detect.address.divisions import MUNICIPALITIES, divisions
from piwarden.detect.ner.recognizer import whole_addresses
from piwarden.entities import Grade
from piwarden.mask import get_operator

FULL = "浙江省杭州市西湖区文三路90号东部软件园3号楼2单元501室"


def _parts(text: str, pos: int = 0) -> dict[str, str]:
    a = parse(text, pos)
    assert a is not None
    return {k: text[s:e] for k, (s, e) in a.parts.items()}


def test_every_level_down_to_the_room() -> None:
    assert _parts(FULL) == {"province": "浙江省", "city": "杭州市", "district": "西湖区", "road": "文三路",
                            "number": "90号", "community": "东部软件园", "building": "3号楼", "unit": "2单元",
                            "room": "501室"}
    assert _parts("上海市浦东新区张江镇祖冲之路887弄5号楼1203室") == {
        "province": "上海市", "district": "浦东新区", "town": "张江镇", "road": "祖冲之路", "number": "887弄",
        "building": "5号楼", "room": "1203室"}


@pytest.mark.parametrize(("text", "community", "door"), [
    ("保利华庭17-5-1201", "保利华庭", "17-5-1201"),
    ("河南省周口市鹿邑县太清宫镇世纪一期24-1-901", "世纪一期", "24-1-901"),
    ("北京市大兴区建设路33号院滨江名邸27-3-1103，到了打电话", "33号院滨江名邸", "27-3-1103"),
])
def test_building_unit_and_room_written_with_hyphens(text: str, community: str, door: str) -> None:
    parts = _parts(text)
    assert (parts["community"], parts["building"]) == (community, door)
    # a date or a landline is no door number
    assert "building" not in _parts("西湖区文三路90号 2025-11-24")
    assert parse("枫林花园0571-8888-6666") is None  # a community without a door: no address


@pytest.mark.parametrize(("text", "province", "city", "district"), [
    ("朝阳区建国路88号", "北京市", "北京市", "朝阳区"),  # also in 长春市: the municipality's
    ("长春市朝阳区红旗街", "吉林省", "长春市", "朝阳区"),  # the city says which 朝阳区
    ("杭州西湖区文三路", "浙江省", "杭州市", "西湖区"),  # short names
    ("西湖区文三路", "", "", "西湖区"),  # 西湖区 of 杭州 or of 南昌: left open
    ("漳县梧州街73号", "甘肃省", "定西市", "漳县"),
])
def test_omitted_divisions_are_filled_in(text: str, province: str, city: str, district: str) -> None:
    a = parse(text)
    assert a is not None and (a.province, a.city, a.district) == (province, city, district)


def test_platform_text_is_found_whole_after_its_label() -> None:
    text = "收货地址：" + FULL + "，电话13812345678"
    (a,) = find_addresses(text)
    assert text[a.start : a.end] == FULL and a.full


@pytest.mark.parametrize("text", [
    "我在北京工作", "北京市海淀区人民法院判决如下", "上海等地区", "湖南赛区的比赛", "去了西湖边", "杭州市政府发布通知",
])
def test_places_alone_and_organisations_are_not_addresses(text: str) -> None:
    assert find_addresses(text) == []


def test_made_up_divisions_after_a_real_province_are_read_by_suffix() -> None:
    text = "内蒙古自治区欢县徐汇韦街b座 469074"  # Faker zh_CN's kind of address
    (a,) = find_addresses(text)
    assert (a.start, a.end) == (0, len(text))


def test_model_spans_are_extended_and_joined() -> None:
    text = "地址：" + FULL + "，谢谢"
    start = 3
    cut = text.index("文三路90号") + len("文三路90号")
    # the model stopped at the number, and read the community as an organisation
    spans = [(start, cut, "ADDRESS", 0.8), (cut, cut + 5, "ORG", 0.7), (0, 2, "PERSON", 0.6)]
    assert whole_addresses(text, spans) == [(0, 2, "PERSON", 0.6), (start, start + len(FULL), "ADDRESS", 0.95)]
    # started late (at the district): joined with the address the parser finds from the province
    late = text.index("西湖区")
    (span,) = whole_addresses(text, [(late, cut, "ADDRESS", 0.9)])
    assert span[:2] == (start, start + len(FULL))
    # a span the parser does not read, ending inside no part of it, stays as it is
    river = "永定河直达长兴路"
    assert whole_addresses(river, [(0, 3, "ADDRESS", 0.7)]) == [(0, 3, "ADDRESS", 0.7)]
    # an address the model missed is added, what it read inside it as an organisation dropped
    assert whole_addresses(text, [(0, 2, "PERSON", 0.6), (cut, cut + 5, "ORG", 0.7)]) == [
        (0, 2, "PERSON", 0.6), (start, start + len(FULL), "ADDRESS", 0.85)]


def test_address_recognizer_reports_graded_spans() -> None:
    text = "地址：浙江省杭州市，收货地址：" + FULL
    assert [s.type for s in Analyzer().analyze(text)] == []  # off by default
    spans = Analyzer(config="enabled: [AddressRecognizer]\n").analyze(text)
    assert [(text[s.start : s.end], s.grade(text)) for s in spans] == [("浙江省杭州市", Grade.L1), (FULL, Grade.L2)]
    assert spans[1].to_dict(classify=True, source=text)["grade"] == "L2"
    assert spans[0].to_dict(classify=True)["grade"] == "L2"  # without the text: the type's grade


def test_grades() -> None:
    assert address_grade("浙江省杭州市") == Grade.L1
    assert address_grade("杭州市西湖区") == Grade.L1
    assert address_grade("杭州市西湖区文三路90号") == Grade.L2
    assert address_grade("12 High Street, Leeds") == Grade.L2  # not read: the type's grade


# -- masking by level: hypothesis over addresses built from the real divisions ----------------------------

_COUNTIES = [d for ds in divisions().full.values() for d in ds if d.level == 3 and d.city and len(d.name) >= 2]
_ROADS = ["文三路", "建国路", "中山北路", "人民大道", "解放街", "和平路", "滨江大道"]
_COMMUNITIES = ["", "东部软件园", "阳光花园", "锦绣家园", "金色小区"]


@st.composite
def addresses(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(address, the province and city as written, road and number, room)."""
    d = draw(st.sampled_from(_COUNTIES))
    municipality = d.province in MUNICIPALITIES
    head = d.province if municipality else draw(st.sampled_from([d.province + d.city, d.city]))
    road = draw(st.sampled_from(_ROADS)) + f"{draw(st.integers(1, 999))}号"
    room = f"{draw(st.integers(1, 33))}{draw(st.integers(1, 4)):02d}室"
    tail = draw(st.sampled_from(_COMMUNITIES)) + f"{draw(st.integers(1, 30))}栋{draw(st.integers(1, 6))}单元" + room
    return head + d.name + road + tail, head, road, room


@settings(max_examples=150, deadline=None)
@given(addresses(), st.sampled_from(["province", "city", "district"]))
def test_masked_address_keeps_its_divisions_only(case: tuple[str, str, str, str], level: str) -> None:
    value, head, road, room = case
    parsed = parse(value)
    assert parsed is not None and (parsed.start, parsed.end) == (0, len(value))
    masked = get_operator("partial")({"address_level": level}).mask(value, "ADDRESS")
    keep = parsed.keep_end(level)  # type: ignore[arg-type]
    assert masked == value[:keep] + "*" * (len(value) - keep)
    assert road not in masked and room not in masked and road[-4:] not in masked
    if level == "city":
        assert value[:keep] == head  # the kept prefix is the province and city as written
    assert parsed.keep_end("province") <= parsed.keep_end("city") <= parsed.keep_end("district") < len(value)


def test_generalize_uses_the_same_levels() -> None:
    gen = get_operator("generalize")
    assert gen().mask(FULL, "ADDRESS") == "浙江省杭州市"
    assert gen({"level": "province"}).mask(FULL, "ADDRESS") == "浙江省"
    assert gen({"level": "province"}).mask("杭州西湖区文三路", "ADDRESS") == "杭州"
