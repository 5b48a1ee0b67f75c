"""Hypothesis strategies for values of each entity type, valid where the type has a validator."""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

from piwarden.detect.ids.checksums import luhn
from piwarden.detect.ids.cn import mobile, ric

SEGMENTS = sorted(mobile.SEGMENTS)
PROVINCES = sorted(ric.MAINLAND_PROVINCES)
SURNAMES = "王李张刘陈杨黄赵吴周"
COMPOUND = ["欧阳", "司马", "诸葛", "上官"]
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"

digits = st.text("0123456789", min_size=1, max_size=1)


@st.composite
def phones(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(SEGMENTS)) + draw(st.text("0123456789", min_size=8, max_size=8))


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(datetime.date.today().year - 1, 12, 31)))
    body = (draw(st.sampled_from(PROVINCES)) + draw(st.text("0123456789", min_size=4, max_size=4))
            + born.strftime("%Y%m%d") + draw(st.text("0123456789", min_size=3, max_size=3)))
    return body + ric.calc_check_digit(body)


@st.composite
def bank_cards(draw: st.DrawFn) -> str:
    body = draw(st.sampled_from(["622202", "622848", "621700", "436742", "622588"]))
    body += draw(st.text("0123456789", min_size=9, max_size=12))
    return body + luhn.calc_check_digit(body)


@st.composite
def person_names(draw: st.DrawFn) -> str:
    surname = draw(st.sampled_from(list(SURNAMES) + COMPOUND))
    return surname + draw(st.text(GIVEN, min_size=1, max_size=2))


emails = st.builds(lambda first, rest, host: f"{first}{rest}@{host}.com",  # FPE needs a million local parts
                   st.sampled_from("abcdefghijklmnopqrstuvwxyz"), st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=5, max_size=11),
                   st.sampled_from(["example", "qq", "163"]))
addresses = st.builds(lambda p, c, d, road, n: f"{p}{c}{d}{road}路{n}号",
                      st.sampled_from(["浙江省", "江苏省", "广东省"]), st.sampled_from(["杭州市", "南京市", "广州市"]),
                      st.sampled_from(["西湖区", "鼓楼区", "天河区", "桐庐县"]), st.text("文三中山人民", min_size=2, max_size=3),
                      st.integers(1, 999))
dates = st.dates(datetime.date(1930, 1, 1), datetime.date(2020, 12, 31)).map(lambda d: d.isoformat())
gps = st.builds(lambda a, b: f"{a:.6f},{b:.6f}", st.floats(18.123, 53.456), st.floats(73.123, 134.456))
amounts = st.builds(lambda yuan, fen: f"¥{yuan}.{fen:02d}", st.integers(1, 9_999_999), st.integers(1, 99))
passports = st.builds(lambda p, n: p + n, st.sampled_from(["E", "G", "EA"]), st.text("0123456789", min_size=7, max_size=8))

BY_TYPE = {
    "PHONE": phones(),
    "CN_RESIDENT_ID": resident_ids(),
    "BANK_CARD": bank_cards(),
    "PERSON": person_names(),
    "EMAIL": emails,
    "ADDRESS": addresses,
    "DATE_OF_BIRTH": dates,
    "GPS_COORDINATE": gps,
    "AMOUNT": amounts,
    "PASSPORT": passports,
}
