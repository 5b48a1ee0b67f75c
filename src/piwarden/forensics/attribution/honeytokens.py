"""Honeytokens: synthetic canary customers, each shown to known parties only.

A canary is a customer with an order that no real person placed: values derived from a
secret key (HMAC-SHA256), so the same key and party always plant the same canary and nobody
without the key can tell a canary from a customer or forge one. The registry (JSON) records
each canary's values and the parties it was exposed to. Any later access to a canary in the
access events, or its appearance in a leak sample, is an alert naming who could have seen it:
no business process touches a customer who does not exist.

The registry holds the canaries' (synthetic) values, never the key; alerts name canary ids,
parties, actors and event ids only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piwarden.detect.ids.cn import ric
from piwarden.forensics.attribution.leak import LeakRow
from piwarden.forensics.attribution.match import Record, RecordIndex

if TYPE_CHECKING:
    from piwarden.events import AccessEvent

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉萍红娥玲华飞鹏辉建国荣志海波宁慧颖瑶琳晨宇浩然子轩欣怡梓涵"
# (province, city, ((district, its resident-ID area code), ...)): a canary's ID number is issued where it lives.
_PLACES = (("浙江省", "杭州市", (("西湖区", "330106"), ("拱墅区", "330105"), ("滨江区", "330108"))),
           ("江苏省", "南京市", (("鼓楼区", "320106"), ("玄武区", "320102"), ("江宁区", "320115"))),
           ("广东省", "深圳市", (("南山区", "440305"), ("福田区", "440304"), ("宝安区", "440306"))),
           ("四川省", "成都市", (("武侯区", "510107"), ("锦江区", "510104"), ("青羊区", "510105"))),
           ("湖北省", "武汉市", (("洪山区", "420111"), ("江汉区", "420103"), ("武昌区", "420106"))),
           ("山东省", "青岛市", (("市南区", "370202"), ("崂山区", "370212"), ("黄岛区", "370211"))))
_MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                    "158", "159", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199")
_STREETS = ("文一路", "学院路", "人民路", "建设路", "解放路", "中山路", "长江路", "和平路", "新华路", "光明路")
_ESTATES = ("花园", "小区", "家园", "公寓", "新村")
_GOODS = ("保温杯", "蓝牙耳机", "茶叶礼盒", "运动鞋", "洗发水", "坚果礼包", "电饭煲", "台灯")


class HoneytokenError(ValueError):
    """The registry is missing or malformed."""


@dataclass
class Canary:
    """One planted canary: a customer record and an order, exposed to ``parties`` only."""

    subject: str
    record: str
    fields: dict[str, str]
    parties: list[str]
    planted: str = ""


@dataclass
class Registry:
    """Every canary planted under one key (identified by a digest, never stored)."""

    key_id: str
    canaries: list[Canary] = field(default_factory=list)

    def save(self, path: Path) -> None:
        data = {"v": 1, "key_id": self.key_id, "canaries": [asdict(c) for c in self.canaries]}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path) -> Registry:
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls(str(data["key_id"]), [Canary(**c) for c in data["canaries"]])
        except OSError as exc:
            raise HoneytokenError(f"cannot read honeytoken registry ({exc.strerror})") from None
        except (ValueError, KeyError, TypeError):
            raise HoneytokenError("honeytoken registry is malformed") from None

    def exposure(self) -> dict[str, list[str]]:
        """Canary subject -> the parties it was exposed to."""
        return {c.subject: list(c.parties) for c in self.canaries}

    def records(self) -> Iterator[Record]:
        """The canaries as records (leak-sample.md), for matching leaked rows."""
        for c in self.canaries:
            yield Record(c.subject, c.record, "order", dict(c.fields), tuple(c.parties))

    def ids(self) -> set[str]:
        return {c.subject for c in self.canaries} | {c.record for c in self.canaries}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _resident_id(rng: random.Random, area: str) -> str:
    """A valid 18-digit resident ID number issued in ``area``, born 1960-2000."""
    born = dt.date.fromordinal(rng.randint(dt.date(1960, 1, 1).toordinal(), dt.date(2000, 12, 31).toordinal()))
    body = area + born.strftime("%Y%m%d") + _digits(rng, 3)
    return body + ric.calc_check_digit(body)


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"piwarden-honeytoken:" + key).hexdigest()[:16]


def canary(key: bytes, party: str, i: int, id_start: int = 900000, planted: str = "") -> Canary:
    """The ``i``-th canary for ``party`` under ``key``: deterministic, unforgeable without the key."""
    digest = hmac.new(key, f"{party}\x00{i}".encode(), hashlib.sha256).digest()
    rng = random.Random(digest)
    n = id_start + int.from_bytes(digest[:4]) % 100000
    prov, city, districts = rng.choice(_PLACES)
    district, area = rng.choice(districts)
    address = (f"{prov}{city}{district}{rng.choice(_STREETS)}{rng.randint(1, 999)}号"
               f"{rng.choice(_ESTATES)}{rng.randint(1, 30)}栋{rng.randint(1, 33)}{rng.randint(1, 4):02d}室")
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(
        minutes=rng.randrange(60 * 24 * 90))
    fields = {"name": name, "phone": rng.choice(_MOBILE_PREFIXES) + _digits(rng, 8), "address": address,
              "id_number": _resident_id(rng, area), "goods": rng.choice(_GOODS), "order_id": f"o-{n * 7 % 10**7:07d}",
              "order_time": when.isoformat(), "amount": f"{rng.randrange(990, 59900) / 100:.2f}",
              "waybill_no": f"YT{int.from_bytes(digest[4:9]) % 10**10:010d}"}
    return Canary(f"c-{n:06d}", fields["order_id"], fields, [party], planted)


def plant(key: bytes, parties: Iterable[str], per_party: int = 2, id_start: int = 900000,
          existing: Registry | None = None) -> Registry:
    """Canaries for each party (``per_party`` each), added to ``existing`` when given."""
    kid = key_id(key)
    reg = existing or Registry(kid)
    if reg.key_id != kid:
        raise HoneytokenError("registry was planted under a different key")
    have = {(c.subject, tuple(c.parties)) for c in reg.canaries}
    today = dt.date.today().isoformat()
    for party in parties:
        for i in range(per_party):
            c = canary(key, party, i, id_start, today)
            if (c.subject, tuple(c.parties)) not in have:
                reg.canaries.append(c)
    return reg


def check_events(reg: Registry, events: Iterable[AccessEvent]) -> Iterator[dict[str, Any]]:
    """An alert for every event that touches a canary (by subject or record id)."""
    watch = reg.ids()
    exposed = reg.exposure()
    by_record = {c.record: c.subject for c in reg.canaries}
    for ev in events:
        hit = watch.intersection(ev.subjects) | watch.intersection(ev.records or ())
        for h in sorted(hit):
            subject = by_record.get(h, h)
            if h in by_record and subject in ev.subjects:
                continue  # reported by its subject
            yield {"alert": "honeytoken_access", "canary": subject, "event": ev.id, "ts": ev.ts,
                   "actor": ev.actor, "party": ev.party, "action": ev.action,
                   "exposed_to": exposed.get(subject, []),
                   "reason": f"{ev.actor} ({ev.party}) {ev.action} canary {subject}, which no "
                             f"business process touches; exposed only to {', '.join(exposed.get(subject, []))}"}


def check_leak(reg: Registry, rows: Iterable[LeakRow]) -> Iterator[dict[str, Any]]:
    """An alert for every leaked row that matches a canary."""
    idx = RecordIndex(reg.records())
    exposed = reg.exposure()
    for row in rows:
        for m in idx.match(row):
            parties = exposed.get(m.subject, [])
            yield {"alert": "honeytoken_leak", "canary": m.subject, "line": m.line, "exposed_to": parties,
                   "fields": sorted(m.fields),
                   "reason": f"canary {m.subject} appears in the leak (line {m.line}); only "
                             f"{', '.join(parties)} could have seen it"}
