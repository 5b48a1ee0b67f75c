"""Decoy records: synthetic people planted in an export, known only to the holder of the key.

An export's marks (:mod:`piwarden.mask.watermark`) live in how values are written, so a leaker
who re-types the values (phones without separators, addresses re-spaced) erases them. Decoys
survive that: each export gets a few rows for people who do not exist, drawn from the marking
key, the export id and the decoy's number, shaped like the platform's customers (a valid ID
number issued where the address is, a mobile number of a real prefix, a subject id of the same
shape). No business process touches them, so a decoy's phone or ID number in a leak names the one
export it was planted in. The watermark registry keeps keyed fingerprints of the decoys'
distinctive values (:func:`fingerprint`), never the values.

Honeytokens (``piwarden forensics honeytokens``) draw their canary customers from the same
generator (:func:`person`).

>>> key = b"k" * 32
>>> rows = decoys(key, "X-1", {"name": "PERSON", "phone": "PHONE", "id_number": "CN_RESIDENT_ID"}, 1000, "c-000123")
>>> len(rows), rows[0].subject[:2], len(rows[0].values["id_number"])
(4, 'c-', 18)
>>> decoys(key, "X-1", {"phone": "PHONE"}, 1000, "c-1")[0].values == decoys(key, "X-1", {"phone": "PHONE"}, 1000,
...     "c-1")[0].values
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from piwarden.detect.ids import bank_card
from piwarden.detect.ids.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉萍红娥玲华飞鹏辉建国荣志海波宁慧颖瑶琳晨宇浩然子轩欣怡梓涵"
# (province, city, ((district, its resident-ID area code), ...)): an ID number is issued where its holder lives.
PLACES = (("浙江省", "杭州市", (("西湖区", "330106"), ("拱墅区", "330105"), ("滨江区", "330108"))),
          ("江苏省", "南京市", (("鼓楼区", "320106"), ("玄武区", "320102"), ("江宁区", "320115"))),
          ("广东省", "深圳市", (("南山区", "440305"), ("福田区", "440304"), ("宝安区", "440306"))),
          ("四川省", "成都市", (("武侯区", "510107"), ("锦江区", "510104"), ("青羊区", "510105"))),
          ("湖北省", "武汉市", (("洪山区", "420111"), ("江汉区", "420103"), ("武昌区", "420106"))),
          ("山东省", "青岛市", (("市南区", "370202"), ("崂山区", "370212"), ("黄岛区", "370211"))))
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                   "158", "159", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199")
STREETS = ("文一路", "学院路", "人民路", "建设路", "解放路", "中山路", "长江路", "和平路", "新华路", "光明路")
ESTATES = ("花园", "小区", "家园", "公寓", "新村")
GOODS = ("保温杯", "蓝牙耳机", "茶叶礼盒", "运动鞋", "洗发水", "坚果礼包", "电饭煲", "台灯")
_MAIL_HOSTS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com")
_HEALTH = ("高血压", "2型糖尿病", "过敏性鼻炎", "轻度脂肪肝")
# values distinctive enough to fingerprint: 8+ digits (phones, ID and card numbers) or an e-mail
_NUMBER = re.compile(r"\d{7,}[\dX]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_DECOYS = 50


@dataclass(frozen=True)
class Decoy:
    """One planted row: where it goes among the export's rows, its subject id and its values by field."""

    position: int
    subject: str
    values: dict[str, str]


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def resident_id(rng: random.Random, area: str) -> str:
    """A valid 18-digit resident ID number issued in ``area``, born 1960-2000."""
    born = dt.date.fromordinal(rng.randint(dt.date(1960, 1, 1).toordinal(), dt.date(2000, 12, 31).toordinal()))
    body = area + born.strftime("%Y%m%d") + digits(rng, 3)
    return body + ric.calc_check_digit(body)


def person(rng: random.Random) -> dict[str, str]:
    """A made-up customer's values by entity type (piwarden.entities names): consistent with each other."""
    prov, city, districts = rng.choice(PLACES)
    district, area = rng.choice(districts)
    card = "62" + digits(rng, 13)
    rid = resident_id(rng, area)
    return {
        "PERSON": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "PHONE": rng.choice(MOBILE_PREFIXES) + digits(rng, 8),
        "ADDRESS": (f"{prov}{city}{district}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
                    f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"),
        "CN_RESIDENT_ID": rid,
        "DATE_OF_BIRTH": f"{rid[6:10]}-{rid[10:12]}-{rid[12:14]}",
        "EMAIL": f"{''.join(rng.choice('abcdefghijkmnpqrstuvwxyz') for _ in range(rng.randint(5, 9)))}"
                 f"{digits(rng, rng.randint(0, 4))}@{rng.choice(_MAIL_HOSTS)}",
        "BANK_CARD": card + bank_card.calc_check_digit(card),
        "GOODS": rng.choice(GOODS),
        "AMOUNT": f"{rng.randrange(990, 59900) / 100:.2f}",
        "ORDER_ID": f"o-{digits(rng, 7)}",
        "WAYBILL_NO": f"YT{digits(rng, 10)}",
        "PAYMENT_ACCOUNT": rng.choice(MOBILE_PREFIXES) + digits(rng, 8),
        "HEALTH": rng.choice(_HEALTH),
    }


def count(rows: int) -> int:
    """How many decoys an export of ``rows`` rows carries: one per 250 rows, at least one, at most 50."""
    return 0 if rows <= 0 else min(MAX_DECOYS, max(1, rows // 250))


def _rng(key: bytes, export_id: str, i: int) -> random.Random:
    return random.Random(hmac.new(key, f"decoy\x00{export_id}\x00{i}".encode(), hashlib.sha256).digest())


def _shaped(like: str, rng: random.Random) -> str:
    """A subject id of the same shape as ``like``: its digits drawn anew (letters and separators kept)."""
    if not any(c.isdigit() for c in like):
        return f"{like}-{digits(rng, 6)}"
    return "".join(rng.choice("0123456789") if c.isdigit() else c for c in like)


def decoys(key: bytes, export_id: str, fields: Mapping[str, str], rows: int, like: str,
           taken: Iterable[str] = ()) -> list[Decoy]:
    """The decoys of export ``export_id`` of ``rows`` rows: ``fields`` maps each column to its entity type
    (a type the generator does not know gets an empty value); subject ids shaped like ``like``, none in
    ``taken``; sorted by position (0 = before the first real row, ``rows`` = after the last)."""
    avoid = set(taken)
    out = []
    for i in range(count(rows)):
        rng = _rng(key, export_id, i)
        values = person(rng)
        subject, tries = _shaped(like, rng), 0
        while subject in avoid:  # a shape with few digits runs out: longer ids then
            tries += 1
            subject = _shaped(like, rng) if tries < 8 else f"{like}-{digits(rng, 4 + tries)}"
        avoid.add(subject)
        out.append(Decoy(rng.randint(0, rows), subject, {f: values.get(t, "") for f, t in fields.items()}))
    out.sort(key=lambda d: d.position)
    return out


def _canonical(value: str) -> str | None:
    v = value.strip()
    if _EMAIL.fullmatch(v):
        return v.casefold()
    plain = re.sub(r"[\s-]", "", v).upper()
    return plain if _NUMBER.fullmatch(plain) else None


def fingerprint(key: bytes, value: str) -> str | None:
    """A keyed fingerprint of a distinctive value (8+ digits written with any spaces or dashes, or an
    e-mail); None for any other value."""
    canonical = _canonical(value)
    if canonical is None:
        return None
    return hmac.new(key, f"decoy-value\x00{canonical}".encode(), hashlib.sha256).hexdigest()[:20]


def fingerprints(key: bytes, rows: Iterable[Decoy]) -> list[str]:
    """The fingerprints of the decoys' distinctive values, sorted."""
    return sorted({fp for d in rows for v in d.values.values() if (fp := fingerprint(key, v)) is not None})
