"""Parsing a Chinese address into its levels, in running text or as a value.

``浙江省杭州市西湖区文三路90号东部软件园3号楼2单元501室`` reads as province 浙江省, city 杭州市,
district 西湖区, road 文三路 and number 90号, community 东部软件园, building 3号楼, unit 2单元,
room 501室. The three division levels are looked up in the shipped table (``divisions.py``);
a level the text leaves out is filled in from the one below it where that is unambiguous
(``朝阳区`` alone is in 北京市 and in 长春市: the municipality is taken), and a made-up or
newer division name is read by its suffix when a real division stands before it. Everything
below the county (street or town, road and number, community, building, unit, floor, room,
postcode) is read by its suffixes and number shapes, with one linear regular expression.

Offsets are code points into the text, end exclusive, as detection's spans. A parse never
starts before ``pos`` and its ``end`` is the end of its last part (no trailing separator).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from piwarden import entities
from piwarden.detect.address.divisions import CITY, DISTRICT, MUNICIPALITIES, PROVINCE, Division, divisions
from piwarden.entities import Grade

KeepLevel = Literal["province", "city", "district"]
DIVISION_PARTS = ("province", "city", "district")
DETAIL_PARTS = ("town", "road", "number", "community", "building", "unit", "floor", "room", "postcode")
FULL_PARTS = frozenset({"number", "building", "unit", "floor", "room"})  # where a person is, not a district

_SEP = r"[ \u3000]?"
_NAME = r"[^\W\d_A-Za-z的了是在与及就也把被将对从向到往为或而但这那等]"  # a CJK word character, no function words
_NAMEX = r"[^\W_的了是在与及就也把被将对从向到往为或而但这那等]"  # the same, digits and letters too
_NUM = r"[0-9０-９一二三四五六七八九十百零〇]"
_ROOMNO = r"(?:[0-9]{1,5}|[A-Za-z][0-9]{1,4})"
_DETAIL = re.compile(
    rf"(?:{_SEP}(?P<town>{_NAME}{{1,6}}?(?:街道|镇|乡))(?![路街道巷弄]))?"
    rf"(?:{_SEP}(?P<road>{_NAMEX}{{1,8}}?(?:大道|大街|路|街|巷|弄|胡同)(?:{_NAMEX}{{1,6}}?(?:大道|大街|路|街|巷))?)"
    rf"(?P<number>(?:{_NUM}{{1,5}}[弄巷])?{_NUM}{{1,5}}(?:[-－]{_NUM}{{1,4}})?[号號](?![楼院])(?:院)?|{_NUM}{{1,5}}[弄巷])?)?"
    rf"(?:{_SEP}(?P<community>{_NAMEX}{{1,10}}?(?:小区|花园|公寓|大厦|广场|家园|新村|社区|园区|苑|园|城|庭|湾|公馆|大楼|宿舍|村|邸|(?<![0-9])[一二三四五六七八九十]期)))?"
    rf"(?:{_SEP}(?P<building>(?:[0-9]{{1,4}}|[A-Za-z]|[一二三四五六七八九十]{{1,3}})(?:号楼|号院|幢|栋|座)"
    r"|(?<=[^\W\d_A-Za-z])[0-9]{1,3}-[0-9]{1,2}-[0-9]{2,5}(?![0-9-])))?"  # 保利华庭17-5-1201: building-unit-room
    rf"(?:{_SEP}(?P<unit>{_NUM}{{1,3}}单元))?"
    rf"(?:{_SEP}(?P<floor>[0-9]{{1,3}}(?:层|楼)(?![0-9])))?"
    rf"(?:{_SEP}(?P<room>{_ROOMNO}(?:室|房|户)|(?:(?<=单元)|(?<=[栋幢座楼层]))[-]?{_ROOMNO}(?![0-9])))?"
    r"(?:[ ]?(?P<postcode>[0-9]{6})(?![0-9]))?"
)
# a division not in the table (newer, or made up), read by its suffix after a real one
_GENERIC = {
    CITY: re.compile(rf"{_NAME}{{1,4}}?(?:自治州|(?<!等)地区|市|盟)"),
    DISTRICT: re.compile(rf"{_NAME}{{1,4}}?(?:新区|(?<![地赛园厂校景])区|县|旗)"),
}
# what follows a place name that is an organisation's, not an address (北京市海淀区人民法院)
_ORG_AFTER = re.compile(r"(?:人民|政府|法院|检察院|公安|委员会|党委|大学|学院|医院|中学|小学|银行|公司|集团|局|厅|委|办|支行|分行|"
                        r"电视台|日报|晚报|代表|市民|居民|地区|警方|官方)")


@dataclass(frozen=True, slots=True)
class Address:
    """One parsed address: where each part is, and the divisions it lies in (filled in where omitted)."""

    start: int
    end: int
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)  # part -> (start, end) in the text
    province: str = ""  # full names; "" where neither the text nor the table says
    city: str = ""
    district: str = ""

    @property
    def divisions_written(self) -> int:
        """How many of province, city and district the text itself names."""
        return sum(p in self.parts for p in DIVISION_PARTS)

    @property
    def full(self) -> bool:
        """Down to a door: a number, building, unit, floor or room (a higher grade than a district)."""
        return not FULL_PARTS.isdisjoint(self.parts)

    @property
    def detailed(self) -> bool:
        """Below the county: a town, road, community or more."""
        return not set(DETAIL_PARTS).isdisjoint(self.parts)

    def keep_end(self, level: KeepLevel = "city") -> int:
        """Where the written prefix down to ``level`` ends (0 if the text names none of those levels).

        ``city`` keeps the province and city as written (浙江省杭州市); an address that names
        neither keeps nothing, so that masking never shows a district or street alone.
        """
        upto = DIVISION_PARTS[: DIVISION_PARTS.index(level) + 1]
        ends = [self.parts[p][1] for p in upto if p in self.parts]
        return max(ends) if ends else 0


def parse(text: str, pos: int = 0, *, need_division: bool = False) -> Address | None:
    """The address written at ``pos`` of ``text``, or None if nothing there reads as one."""
    table = divisions()
    parts: dict[str, tuple[int, int]] = {}
    found: dict[int, Division] = {}
    p = pos
    hit = table.at(text, p, PROVINCE)
    if hit and (lower := table.at(text, p, CITY, short=False) or table.at(text, p, DISTRICT, short=False)) \
            and lower[1] > hit[1]:
        hit = None  # 吉林市 is the city, not the province 吉林 and a stray 市
    if hit:
        found[PROVINCE], end = hit
        parts["province"], p = (p, end), _skip(text, end)
    suffixed = hit is not None and hit[0].name == text[pos:hit[1]]  # a made-up level is read only after a full name
    prov = found[PROVINCE].name if PROVINCE in found else ""
    if prov in MUNICIPALITIES:
        hit = table.at(text, p, CITY, province=prov, short=False)  # 北京市北京市 is written now and then
    else:
        hit = table.at(text, p, CITY, province=prov, short=True)
        county = None if prov else table.at(text, p, DISTRICT, short=False)
        if hit and county and county[1] > hit[1]:  # 朝阳区 is a county, not 朝阳(市) and a stray 区
            hit = None
    if hit:
        found[CITY], end = hit
        parts["city"], p = (p, end), _skip(text, end)
        suffixed = hit[0].name == text[parts["city"][0]:end]
    elif suffixed and prov not in MUNICIPALITIES and (m := _GENERIC[CITY].match(text, p)):
        parts["city"], p = (p, m.end()), _skip(text, m.end())
    city = found[CITY].name if CITY in found else (prov if prov in MUNICIPALITIES else "")
    hit = table.at(text, p, DISTRICT, province=prov, city=city, short=bool(prov or city))
    if hit:
        found[DISTRICT], end = hit
        parts["district"], p = (p, end), _skip(text, end)
    elif suffixed and (m := _GENERIC[DISTRICT].match(text, p)):
        parts["district"], p = (p, m.end()), _skip(text, m.end())
    if need_division and not parts:
        return None
    province, city, district = _filled(found)
    m = _DETAIL.match(text, p)
    assert m is not None  # every part is optional
    detail = {name: m.span(name) for name in DETAIL_PARTS if m.group(name)}
    if "community" in detail and not ({"road", "number"} & detail.keys() or FULL_PARTS & detail.keys()):
        detail = {k: v for k, v in detail.items() if v[0] < detail["community"][0]}  # 人民公园 alone is no address
    if "postcode" in detail and len(detail) == 1:
        del detail["postcode"]
    parts.update(detail)
    if not parts:
        return None
    start = min(s for s, _ in parts.values())
    end = max(e for _, e in parts.values())
    return Address(start, end, parts, province, city, district)


def address_grade(value: str) -> Grade:
    """The grade of one ADDRESS value: the type's (L2) for an address below the county, L1 for divisions alone.

    浙江省杭州市 is shared by millions and says little about one person; 文三路90号3号楼501室
    finds a door. An address the parser cannot read (an English one) keeps the type's grade,
    so that grading never lowers what it does not understand.
    """
    typed = entities.get("ADDRESS").grade
    parsed = parse(value.strip())
    if parsed is None or parsed.detailed or parsed.end < len(value.strip()):
        return typed
    return Grade.L1


def rule_score(a: Address) -> float:
    """How sure an address found by the parser alone is: down to a door 0.85, a road 0.7, divisions 0.6."""
    return 0.85 if a.full else 0.7 if a.detailed else 0.6


def _skip(text: str, pos: int) -> int:
    """Past one space between two parts (浙江省 杭州市)."""
    return pos + 1 if pos < len(text) and text[pos] in " \u3000" else pos


def _filled(found: dict[int, Division]) -> tuple[str, str, str]:
    """Province, city and district names, the missing upper ones taken from the lowest found."""
    prov = found[PROVINCE].name if PROVINCE in found else ""
    city = found[CITY].name if CITY in found else (prov if prov in MUNICIPALITIES else "")
    dist = found[DISTRICT].name if DISTRICT in found else ""
    low = found.get(DISTRICT) or found.get(CITY)
    if low is not None and (not prov or (not city and low.level == DISTRICT)):
        same = [d for d in divisions().full.get(low.name, ()) if d.level == low.level
                and (not prov or d.province == prov) and (not city or d.city == city)]
        if len(same) > 1:  # 朝阳区: in 北京市 and in 长春市; a municipality's is the one meant more often
            same = [d for d in same if d.province in MUNICIPALITIES]
        if len(same) == 1:
            prov = prov or same[0].province
            city = city or same[0].city or (same[0].province if same[0].province in MUNICIPALITIES else "")
    return prov, city, dist


def find_addresses(text: str) -> list[Address]:
    """Addresses that start with a division's name (浙江, 杭州市, 西湖区) and say more than one place.

    Reported: two or more divisions written (浙江省杭州市), or a division and a street, road,
    community or door below it. Not reported: a place name alone, or divisions followed by an
    organisation's word (北京市海淀区人民法院: the court's name).
    """
    out: list[Address] = []
    if not _CJK.search(text):
        return out
    starts, bigrams = _anchors()
    pos = 0
    for m in starts.finditer(text):
        i = m.start()
        if i < pos or text[i : i + 2] not in bigrams or not _SIGNAL.search(text, i + 1, i + 24):
            continue  # no address suffix close behind: a place name in passing (北京时间, 上海队)
        a = parse(text, i, need_division=True)
        if a is not None and (a.full or (a.detailed and a.divisions_written >= 1)
                              or (a.divisions_written >= 2 and not _ORG_AFTER.match(text, a.end))):
            out.append(a)
            pos = a.end
    return out


_CJK = re.compile(r"[\u4e00-\u9fff]")
_SIGNAL = re.compile(r"[省市区县旗盟州路街巷弄号镇乡村楼栋幢座室园苑]")  # one of these is in any address reported


@cache
def _anchors() -> tuple[re.Pattern[str], frozenset[str]]:
    """Where an anchor name may start, and the first two characters of every anchor name.

    A class of first characters with a look-ahead class of second ones, so that ``re`` skips in
    C to the few places where a name can start; the two characters are then looked up. (One
    alternation of all 4,073 names, even as a trie, tried every branch at every position: 2 MB/s.)
    """
    names = divisions().anchors()
    first = "".join(sorted({n[0] for n in names}))
    second = "".join(sorted({n[1] for n in names}))
    return re.compile(f"[{re.escape(first)}](?=[{re.escape(second)}])"), frozenset(n[:2] for n in names)
