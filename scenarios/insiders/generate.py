#!/usr/bin/env python3
"""Insider-detection and leak-attribution scenarios: a platform, its staff and partners over D days.

Written from the public specs (access-event.md, datamap.md, leak-sample.md) only; see README.md.
Usage: python scenarios/insiders/generate.py --seed N --out DIR [--days D] [--scale small|medium]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml
from faker import Faker

TZ = timezone(timedelta(hours=8))
START = date(2026, 3, 23)  # a Monday: 28 days hold a month-end (03-31) and Qingming (04-04..06)
HOLIDAYS = {date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6), *(date(2026, 5, d) for d in range(1, 6)),
            date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21)}
PRE_DAYS = 30  # orders placed before the window (records exist, no events)

FIELDS = {"name": "PERSON", "phone": "PHONE", "address": "ADDRESS", "id_number": "CN_RESIDENT_ID",
          "payment_account": "PAYMENT_ACCOUNT", "goods": "GOODS", "order_id": "ORDER_ID", "order_time": "DATETIME",
          "amount": "AMOUNT", "waybill_no": "WAYBILL_NO", "sku_id": "SKU", "parcel_weight": "WEIGHT",
          "policy_no": "POLICY_NO", "policy_type": "POLICY_TYPE", "premium": "AMOUNT", "expiry_date": "DATE",
          "member_level": "MEMBER_LEVEL"}
ALL = list(FIELDS)
POLICY_F = ["policy_no", "policy_type", "premium", "expiry_date"]
ORDER_VIEW = ["name", "address", "goods", "order_id", "order_time", "amount", "waybill_no"]
M_RECV = ["name", "address", "goods", "order_id", "order_time", "amount", "sku_id", "waybill_no"]
SHIP = ["name", "phone", "address", "goods", "waybill_no", "parcel_weight"]
PAY_F = ["name", "phone", "payment_account", "amount", "order_id", "order_time"]
SHARE_F = ["phone", "goods", "amount", "order_time", "member_level"]
OFFLINE_CO = ["SF", "YTO", "ZTO", "STO"]
WAYBILL_FMT = {"SF": ("SF", 13), "YTO": ("YT", 13), "ZTO": ("78", 12), "STO": ("77", 13), "JD": ("JDV", 12),
               "DBL": ("DPK", 12), "EMS": ("11", 11)}

SCALES: dict[str, dict[str, Any]] = {
    "small": {"customers": 8000, "orders": 260, "merchants": 50, "cs": 33, "esc": 4, "claims": 6, "analysts": 6,
              "ops": 5, "etl": 3, "couriers": 13, "logged": ["JD", "DBL"], "hires": 4, "rows": (40, 140), "rate": 1.0},
    "medium": {"customers": 45000, "orders": 2300, "merchants": 280, "cs": 210, "esc": 18, "claims": 34,
               "analysts": 20, "ops": 18, "etl": 6, "couriers": 40, "logged": ["JD", "DBL", "EMS"], "hires": 14,
               "rows": (80, 400), "rate": 1.5},
}
PLACES = [("浙江省", "杭州市", "西湖区 拱墅区 滨江区 余杭区"), ("浙江省", "宁波市", "鄞州区 海曙区"),
          ("江苏省", "南京市", "鼓楼区 玄武区 江宁区"), ("江苏省", "苏州市", "姑苏区 吴中区 相城区"),
          ("广东省", "广州市", "天河区 越秀区 番禺区"), ("广东省", "深圳市", "南山区 福田区 宝安区 龙岗区"),
          ("上海市", "上海市", "浦东新区 徐汇区 闵行区 静安区"), ("北京市", "北京市", "朝阳区 海淀区 丰台区 通州区"),
          ("四川省", "成都市", "武侯区 锦江区 成华区"), ("湖北省", "武汉市", "洪山区 江汉区 武昌区"),
          ("山东省", "青岛市", "市南区 崂山区 黄岛区"), ("山东省", "济南市", "历下区 槐荫区"),
          ("河南省", "郑州市", "金水区 二七区"), ("福建省", "厦门市", "思明区 湖里区"),
          ("湖南省", "长沙市", "岳麓区 芙蓉区"), ("陕西省", "西安市", "雁塔区 碑林区"),
          ("重庆市", "重庆市", "渝北区 江北区 沙坪坝区"), ("天津市", "天津市", "南开区 河西区"),
          ("安徽省", "合肥市", "蜀山区 包河区"), ("辽宁省", "沈阳市", "和平区 浑南区"),
          ("云南省", "昆明市", "五华区 盘龙区"), ("江西省", "南昌市", "东湖区 西湖区")]
ROADS = ["文三路", "中山路", "人民路", "解放路", "建设路", "和平路", "长江路", "黄河路", "学院路", "科技路", "新华路",
         "东风路", "滨江大道", "胜利街", "青年路", "光明路", "朝阳路", "健康路", "友谊路", "幸福路", "金沙江路",
         "天目山路", "古墩路", "凤起路"]
ESTATES = ["阳光花园", "锦绣家园", "金色港湾", "翠湖苑", "万科城市花园", "碧桂园", "绿城桂花园", "华润悦府",
           "保利香槟国际", "龙湖春江郦城", "世纪新城", "天鹅湖小区", "东方明珠苑", "书香门第", "金地格林小镇",
           "融创玖樟台"]
# goods: (name, low, high price, parcel kg, category)
GOODS = [("怪味豆", 9, 25, 0.4, "food"), ("五香牛肉干", 29, 89, 0.5, "food"), ("坚果礼盒", 59, 199, 1.2, "food"),
         ("龙井茶叶250g", 88, 398, 0.4, "food"), ("螺蛳粉5袋装", 35, 59, 1.6, "food"),
         ("挂耳咖啡", 39, 99, 0.5, "food"), ("蓝牙耳机", 99, 899, 0.3, "digital"),
         ("移动电源", 69, 199, 0.5, "digital"), ("手机壳", 19, 59, 0.1, "digital"),
         ("机械键盘", 199, 699, 1.4, "digital"), ("智能手表", 299, 1999, 0.4, "digital"),
         ("充电器", 39, 129, 0.2, "digital"), ("保温杯", 49, 199, 0.6, "home"), ("不粘锅", 129, 399, 2.1, "home"),
         ("四件套床品", 199, 699, 2.5, "home"), ("乳胶枕", 99, 299, 1.3, "home"), ("收纳箱", 29, 89, 1.8, "home"),
         ("电热水壶", 79, 259, 1.5, "home"), ("连衣裙", 99, 459, 0.5, "apparel"),
         ("运动鞋", 199, 899, 1.1, "apparel"), ("羽绒服", 299, 1299, 1.3, "apparel"),
         ("牛仔裤", 89, 359, 0.7, "apparel"), ("儿童安全座椅", 599, 1999, 7.5, "baby"),
         ("婴儿奶粉", 198, 428, 1.1, "baby"), ("纸尿裤", 89, 199, 3.2, "baby"), ("儿童保温杯", 59, 169, 0.5, "baby"),
         ("面霜", 129, 899, 0.3, "beauty"), ("防晒霜", 69, 259, 0.2, "beauty"), ("口红", 99, 399, 0.1, "beauty"),
         ("洗发水", 39, 119, 0.9, "beauty"), ("猫粮", 89, 299, 2.5, "pet"), ("宠物牵引绳", 29, 99, 0.2, "pet"),
         ("瑜伽垫", 59, 199, 1.2, "sport"), ("哑铃", 99, 399, 10.0, "sport"), ("跑步机", 1999, 4999, 60.0, "sport")]
POLICIES = [("个人意外险", 59, 365), ("碎屏险", 39, 199), ("延保服务", 99, 499), ("宠物医疗险", 299, 999),
            ("住院医疗险", 199, 1299)]
LEVELS = ["普通会员", "白银会员", "黄金会员", "铂金会员", "钻石会员"]
BREAK_AFTER = 0.5  # the shift's meal break starts halfway
AREAS = ["330106", "330105", "330108", "330212", "320102", "320106", "320506", "440106", "440305", "310115",
         "310104", "110105", "110108", "510107", "420111", "370202", "370102", "410105", "350203", "430104", "610113",
         "500112", "120104", "340104", "210102", "530102", "360102", "321282", "411302", "130102", "522601", "450103"]
ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
AWAY = -(10**6)  # Actor.override start: not at work that day


@dataclass
class Actor:
    id: str
    party: str
    role: str
    kind: str
    ip: str
    device: str
    start: int = 540  # shift start, minutes after midnight
    hours: float = 9.0
    off: tuple[int, ...] = (5, 6)
    join: int = 0
    merchant: str = ""
    style: str = "console"  # console, api, batch: which optional keys the source writes
    rate: float = 1.0
    shifts: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)
    tickets: list[tuple[str, str]] = field(default_factory=list)
    override: dict[int, tuple[int, float, str]] = field(default_factory=dict)  # day -> start, hours, device


@dataclass
class Order:
    id: str
    cust: str
    merchant: str
    goods: str
    sku: str
    amount: str
    t: datetime
    day: int
    co: str
    waybill: str
    weight: str
    pay: str
    policy: str = ""
    shared: bool = False


class World:
    def __init__(self, seed: int, days: int, scale: str) -> None:
        self.seed, self.D, self.scale, self.sc = seed, days, scale, SCALES[scale]
        self.rng = random.Random(seed)
        self.fk = Faker("zh_CN")
        self.fk.seed_instance(seed)
        self.events: list[tuple[datetime, dict[str, Any]]] = []
        self.tags: dict[str, list[str]] = defaultdict(list)  # insider actor -> abnormal event ids
        self.used: set[str] = set()
        self.exports: dict[str, dict[str, Any]] = {}
        self.insiders: list[dict[str, Any]] = []
        self.lookalikes: list[dict[str, Any]] = []
        self.leaks: list[dict[str, Any]] = []
        self.sold: dict[str, list[tuple[datetime, str, dict[str, Any]]]] = {}  # quiet look-up sellers' reveals
        self.revealed: dict[str, list[tuple[datetime, Order]]] = {}  # mass-revealing merchant sub-accounts

    # ---------------------------------------------------------------- helpers
    def day(self, d: int) -> date:
        return START + timedelta(days=d)

    def at(self, d: int, minutes: float) -> datetime:
        return datetime(*self.day(d).timetuple()[:3], tzinfo=TZ) + timedelta(seconds=round(minutes * 60))

    def pois(self, lam: float) -> int:
        return max(0, round(self.rng.gauss(lam, math.sqrt(max(lam, 0.01)))))

    def uid(self, fmt: str, bits: int = 32) -> str:
        while True:
            s = fmt.format(self.rng.getrandbits(bits))
            if s not in self.used:
                self.used.add(s)
                return s

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def ticket(self, kind: str, d: int) -> str:
        if kind == "APR-":
            return self.uid("APR-2026-{:05d}", 16)
        return self.uid(kind + self.day(d).strftime("%y%m%d") + "{:05d}", 16)

    def spread(self, s: datetime, e: datetime, n: int) -> list[datetime]:
        span = (e - s).total_seconds()
        out = []
        for _ in range(n):
            x = self.rng.random() * span * (1 - 1 / 9)
            if x > span * BREAK_AFTER:
                x += span / 9  # meal break
            out.append(s + timedelta(seconds=x))
        return sorted(out)

    def public_ip(self, first: Iterable[int] = (112, 113, 115, 183, 223, 36, 58, 60, 101)) -> str:
        r = self.rng
        return f"{r.choice(list(first))}.{r.randint(1, 254)}.{r.randint(0, 254)}.{r.randint(1, 254)}"

    def ev(self, a: Actor, t: datetime, action: str, resource: str, subjects: list[str], fields: list[str],
           masked: Iterable[str] = (), *, records: list[str] | None = None, count: int | None = None,
           purpose: str | None = None, ticket: str | None = None, channel: str | None = None, by: str | None = None,
           export_id: str | None = None, result: str = "allowed", client: dict[str, str] | None = None,
           tag: str = "") -> dict[str, Any]:
        e: dict[str, Any] = {"id": self.uid("e-{:010x}", 40), "ts": t.isoformat(timespec="seconds"), "actor": a.id,
                             "party": a.party, "role": a.role, "action": action, "resource": resource,
                             "subjects": subjects, "fields": fields if result == "allowed" else []}
        masked = list(masked) if result == "allowed" else []
        cl = client or {"ip": a.ip, "device": a.device}
        if a.style == "api":  # partner gateways write the short form
            if masked:
                e["masked_fields"] = masked
            if count is not None and count != len(subjects):
                e["count"] = count
            if records:
                e["records"] = records
            e.update(purpose=purpose, channel=channel or "api", client=cl)
            if result != "allowed":
                e["result"] = result
        else:
            e.update(v=1, masked_fields=masked, count=len(subjects) if count is None else count, purpose=purpose,
                     ticket=ticket, channel=channel or ("batch" if a.style == "batch" else "console"), client=cl,
                     result=result)
            if records:
                e["records"] = records
        if e.get("purpose", "") is None:
            del e["purpose"]
        if by:
            e["query"] = {"by": by}
        if action in ("export", "print", "download") or export_id:
            e["export_id"] = export_id
        self.events.append((t, e))
        if tag:
            self.tags[tag].append(e["id"])
        return e

    def login(self, a: Actor, t: datetime, client: dict[str, str] | None = None, result: str = "allowed",
              tag: str = "") -> None:
        self.ev(a, t, "login", "session", [], [], channel="api" if a.style == "api" else "console", client=client,
                result=result, tag=tag)

    # ---------------------------------------------------------------- the platform's records
    def address(self) -> tuple[str, str]:
        r = self.rng
        prov, city, dists = r.choice(PLACES)
        head = prov if prov == city else prov + city
        tail = f"{r.choice(ROADS)}{r.randint(1, 999)}号"
        if r.random() < 0.7:
            room = f"{r.randint(1, 32)}{r.randint(1, 4):02d}"
            tail += f"{r.choice(ESTATES)}{r.randint(1, 30)}栋{r.randint(1, 4)}单元{room}室"
        return head + r.choice(dists.split()) + tail, city

    def id_number(self) -> str:
        r = self.rng
        born = date(1954, 1, 1) + timedelta(days=r.randrange(19000))
        body = r.choice(AREAS) + born.strftime("%Y%m%d") + f"{r.randrange(1000):03d}"
        return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_W, strict=True)) % 11]

    def card(self) -> str:
        body = self.rng.choice(["622202", "622848", "621700", "622588", "621483", "622262"]) + self.digits(12)
        total = 0
        for i, ch in enumerate(reversed(body)):
            k = int(ch) * (2 if i % 2 == 0 else 1)
            total += k - 9 if k > 9 else k
        return body + str((10 - total % 10) % 10)

    def build_records(self) -> None:
        r, fk, sc = self.rng, self.fk, self.sc
        self.cust: dict[str, dict[str, Any]] = {}
        phones: set[str] = set()
        for i in range(sc["customers"]):
            phone = fk.phone_number()
            while phone in phones:
                phone = fk.phone_number()
            phones.add(phone)
            addr, city = self.address()
            self.cust[f"c-{i + 1:06d}"] = {
                "name": fk.name(), "phone": phone, "address": addr, "city": city, "id_number": self.id_number(),
                "payment_account": self.card(), "member_level": r.choices(LEVELS, [50, 25, 15, 7, 3])[0],
                "pay": r.choices(["alipay", "wechatpay", "unionpay"], [55, 35, 10])[0], "consent": r.random() < 0.35,
                "w": r.lognormvariate(0, 1.1)}
        self.cids = list(self.cust)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for c, v in self.cust.items():
            self.by_name[v["name"]].append(c)
        # merchants: popularity, assortment, preferred carriers
        cos = OFFLINE_CO + sc["logged"]
        self.merchants: dict[str, dict[str, Any]] = {}
        for k, num in enumerate(sorted(r.sample(range(1, 9999), sc["merchants"]))):
            cats = r.sample(sorted({g[4] for g in GOODS}), r.choice([1, 1, 2]))
            goods = [g for g in GOODS if g[4] in cats]
            self.merchants[f"M{num:04d}"] = {
                "w": 1 / (k + 3) ** 0.9, "goods": {g[0]: f"SKU{num:04d}{j:03d}" for j, g in enumerate(goods)},
                "cos": r.sample(cos, 2), "ip": self.public_ip()}
        r.shuffle(order := list(self.merchants))
        self.mids = order
        gmap = {g[0]: g for g in GOODS}
        cw = list(self.cust.values())
        cum_c = list(accumulate(v["w"] for v in cw))
        cum_m = list(accumulate(self.merchants[m]["w"] for m in self.mids))
        hours = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 3, 4.5, 5, 5, 4.5, 4, 4, 4, 3.8, 3.5, 3.5, 4, 5.5, 6, 5, 2.5]
        self.orders: list[Order] = []
        self.orders_by_day: dict[int, list[Order]] = defaultdict(list)
        self.cust_orders: dict[str, list[Order]] = defaultdict(list)
        self.merchant_orders: dict[str, list[Order]] = defaultdict(list)
        self.md: dict[tuple[str, int], list[Order]] = defaultdict(list)
        self.policies: list[dict[str, Any]] = []
        for d in range(-PRE_DAYS, self.D):
            day = self.day(d)
            f = (1.15 if day.weekday() >= 5 else 1.0) * (1.3 if day in HOLIDAYS else 1.0) * r.uniform(0.85, 1.15)
            n = round(sc["orders"] * f)
            custs = r.choices(self.cids, cum_weights=cum_c, k=n)
            mers = r.choices(self.mids, cum_weights=cum_m, k=n)
            for cid, mid in zip(custs, mers, strict=True):
                m = self.merchants[mid]
                gname = r.choice(list(m["goods"]))
                g = gmap[gname]
                qty = r.choices([1, 2, 3], [80, 15, 5])[0]
                t = self.at(d, 60 * r.choices(range(24), hours)[0] + r.random() * 60)
                co = r.choice(m["cos"])
                pre, nd = WAYBILL_FMT[co]
                o = Order(self.uid("o-{:07d}", 23), cid, mid, gname, m["goods"][gname],
                          f"{qty * r.uniform(g[1], g[2]):.2f}", t, d, co, pre + self.digits(nd),
                          f"{qty * g[3] * r.uniform(0.9, 1.3) + 0.1:.1f}", self.cust[cid]["pay"])
                if r.random() < 0.2:  # return-shipping insurance bought with the order
                    o.policy = self.uid("P-2026-{:06d}", 19)
                    self.policies.append({"no": o.policy, "cust": cid, "type": "退货运费险", "order": o.id,
                                          "premium": f"{r.uniform(0.3, 3.5):.2f}",
                                          "expiry": (o.t + timedelta(days=90)).date().isoformat(), "insurer": "ZA"})
                self.orders.append(o)
                self.orders_by_day[d].append(o)
                self.cust_orders[cid].append(o)
                self.merchant_orders[mid].append(o)
                self.md[mid, d].append(o)
        for cid in self.cids:  # stand-alone policies
            if r.random() < 0.22:
                for _ in range(r.choice([1, 1, 1, 2])):
                    name, lo, hi = r.choice(POLICIES)
                    yr = r.choice([2024, 2025, 2025, 2026])
                    self.policies.append({"no": self.uid(f"P-{yr}-{{:06d}}", 19), "cust": cid, "type": name,
                                          "order": "", "premium": f"{r.uniform(lo, hi):.2f}", "insurer": "PAIC",
                                          "expiry": (START + timedelta(days=r.randint(20, 360))).isoformat()})
        self.cust_policies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in self.policies:
            self.cust_policies[p["cust"]].append(p)
        self.holders = sorted({p["cust"] for p in self.policies if p["insurer"] == "PAIC"})

    def order_fields(self, o: Order) -> dict[str, str]:
        c = self.cust[o.cust]
        return {"name": c["name"], "phone": c["phone"], "address": c["address"], "goods": o.goods,
                "order_id": o.id, "order_time": o.t.isoformat(timespec="seconds"), "amount": o.amount,
                "sku_id": o.sku, "waybill_no": o.waybill, "parcel_weight": o.weight,
                "payment_account": c["payment_account"]}

    def waybill_fields(self, o: Order) -> dict[str, str]:
        f = self.order_fields(o)
        return {k: f[k] for k in SHIP}

    def order_recipients(self, o: Order) -> list[str]:
        out = ["platform.backend", f"merchant:{o.merchant}", f"logistics:{o.co}", f"payment:{o.pay}"]
        return [*out, "partner:shuzhi"] if o.shared or (o.day < 0 and self.cust[o.cust]["consent"]) else out

    def policy_fields(self, p: dict[str, Any]) -> dict[str, str]:
        c = self.cust[p["cust"]]
        f = {"name": c["name"], "phone": c["phone"], "policy_no": p["no"], "policy_type": p["type"],
             "premium": p["premium"], "expiry_date": p["expiry"]}
        if p["order"]:
            f["order_id"] = p["order"]
        else:
            f.update(address=c["address"], id_number=c["id_number"])
        return f

    # ---------------------------------------------------------------- staff and partners
    def staff(self, prefix: str, n: int, party: str, role: str, kind: str, net: str) -> list[Actor]:
        out = []
        for _ in range(n):
            a = Actor(self.uid(prefix + "{:04d}", 13), party, role, kind,
                      f"{net}.{self.rng.randint(1, 254)}", self.uid("d-{:05d}", 16))
            out.append(a)
        return out

    def build_actors(self) -> None:
        r, sc = self.rng, self.sc
        self.cs = self.staff("cs-", sc["cs"], "platform.cs", "customer_service", "cs", "10.12.3")
        for a in self.cs:
            a.start, a.hours = r.choices([(480, 8.5), (540, 9), (810, 8.5), (1320, 9)], [35, 35, 22, 8])[0]
            k = r.randrange(7)
            a.off = (k, (k + 1) % 7)
        for a in self.cs[:2]:
            a.start, a.hours = 1320, 9  # the night desk
        self.esc = self.staff("cs-", sc["esc"], "platform.cs", "escalation", "esc", "10.12.5")
        for a in self.esc:
            a.start, a.hours, a.off = r.choice([540, 600, 720]), 9, (r.randrange(7),)
        self.claims = self.staff("cl-", sc["claims"], "platform.claims", "claims_adjuster", "claims", "10.14.1")
        self.analysts = self.staff("an-", sc["analysts"], "platform.analytics", "analyst", "analyst", "10.16.2")
        self.ops = self.staff("op-", sc["ops"], "platform.ops", "admin", "ops", "10.10.1")
        for a in self.claims + self.analysts + self.ops:
            a.start = r.choice([510, 540, 570, 600])
        hires = self.staff("cs-", sc["hires"], "platform.cs", "customer_service", "cs", "10.12.3")
        for a in hires:
            a.start, a.hours = r.choice([(480, 8.5), (540, 9)])
            a.join = r.randint(5, max(6, self.D - 8))
            a.off = (5, 6) if r.random() < 0.5 else (6, 0)
        self.hires = hires
        self.cs += hires
        names = ["dw", "crm", "risk", "search", "bi", "backup"][: sc["etl"]]
        self.etl = [Actor(f"svc-etl-{n}", "platform.backend", "etl_service", "etl", f"10.30.0.{11 + i}",
                          f"etl-node-{i + 1:02d}", start=60 + 20 * i, style="batch") for i, n in enumerate(names)]
        self.share = Actor("svc-datashare", "platform.backend", "etl_service", "share", "10.30.0.40", "etl-node-09",
                           style="batch")
        self.partner = Actor("svc-shuzhi-pull", "partner:shuzhi", "partner_service", "partner", "47.98.201.17",
                             "shuzhi-gw", style="api")
        self.pay = {p: [Actor(f"svc-{p}-{k}", f"payment:{p}", "payment_service", "payment", self.public_ip((121, 140)),
                              f"{p}-gw-{k}", style="api") for k in ("recon", "refund")]
                    for p in ("alipay", "wechatpay", "unionpay")}
        self.subs: dict[str, list[Actor]] = {}
        for k, mid in enumerate(self.mids):
            q = k / len(self.mids)
            n = 4 if q < 0.1 else 3 if q < 0.3 else 2 if q < 0.6 else 1
            roles = [("admin1", "merchant_admin"), ("op1", "merchant_operator"), ("cs1", "merchant_cs"),
                     ("cs2", "merchant_cs")][:n]
            subs = []
            for short, role in roles:
                a = Actor(f"m{mid[1:]}-{short}", f"merchant:{mid}", role,
                          "merchant", self.merchants[mid]["ip"], self.uid("w-{:05d}", 16), merchant=mid,
                          start=r.choice([480, 540, 600]), hours=r.choice([10, 12, 13]), off=(r.randrange(7),))
                subs.append(a)
            self.subs[mid] = subs
        self.couriers: dict[str, list[Actor]] = {}
        for co in sc["logged"]:
            self.couriers[co] = [Actor(self.uid(co.lower() + "-c{:05d}", 16), f"logistics:{co}", "courier", "courier",
                                       "", self.uid("app-{:06x}", 24), start=r.choice([420, 450, 480]), hours=12.5,
                                       off=(r.randrange(7),), style="api") for _ in range(sc["couriers"])]

    # ---------------------------------------------------------------- routine work
    def works(self, a: Actor, d: int) -> bool:
        day = self.day(d)
        if d < a.join:
            return False
        if d in a.override:
            return True
        if a.kind in ("claims", "analyst", "ops"):
            return day.weekday() < 5 and day not in HOLIDAYS and self.rng.random() > 0.04
        if day in HOLIDAYS and self.rng.random() < (0.5 if a.kind in ("cs", "esc") else 0.3):
            return False
        return day.weekday() not in a.off and self.rng.random() > 0.03

    def shift(self, a: Actor, d: int) -> tuple[datetime, datetime]:
        start, hours, _ = a.override.get(d, (a.start, a.hours, ""))
        s = self.at(d, start + self.rng.gauss(0, 6))
        e = s + timedelta(hours=hours + self.rng.gauss(0, 0.3))
        if a.kind in ("claims", "analyst", "ops") and self.rng.random() < 0.2:
            e += timedelta(minutes=self.rng.randint(30, 150))  # overtime
        a.shifts[d] = (s, e)
        return s, e

    def ramp(self, a: Actor, d: int) -> float:
        k = d - a.join
        return 1.0 if a.join == 0 or k >= 7 else 0.3 if k < 3 else 0.65

    def recent_order(self, d: int, horizon: int = 20) -> Order:
        while True:
            dd = d - 1 - min(int(self.rng.expovariate(1 / 4)), horizon)
            if self.orders_by_day.get(dd):
                return self.rng.choice(self.orders_by_day[dd])

    def step(self, t: datetime, lo: int = 15, hi: int = 180) -> datetime:
        return t + timedelta(seconds=self.rng.randint(lo, hi))

    def cs_case(self, a: Actor, d: int, t: datetime) -> None:
        r = self.rng
        esc = a.role == "escalation"
        ticket: str | None
        if a.tickets and r.random() < 0.12:  # follow-up on an open ticket
            ticket, cid = a.tickets[r.randrange(max(0, len(a.tickets) - 15), len(a.tickets))]
            o = r.choice(self.cust_orders[cid])
        else:
            o = self.recent_order(d)
            cid = o.cust
            ticket = None if r.random() < (0.55 if esc else 0.08) else self.ticket("T", d)
            if ticket:
                a.tickets.append((ticket, cid))
        purpose = r.choice(["escalation", "escalation", "complaint"]) if esc else \
            r.choice(["after_sales"] * 6 + ["refund", "delivery", "complaint"])
        kw: dict[str, Any] = {"purpose": purpose, "ticket": ticket}
        if a.join and d - a.join < 2:
            kw["purpose"] = "training"
        pols = self.cust_policies.get(cid)
        if pols and r.random() < 0.3:
            p = r.choice(pols)
            by = "policy_no" if r.random() < (0.25 if esc else 0.5) else "phone"
            self.ev(a, t, "search", "policy", [cid], ["name", "policy_no"], ["phone"], by=by, **kw)
            self.ev(a, t := self.step(t), "view", "policy", [cid], ["name", *POLICY_F], ["phone", "id_number"],
                    records=[p["no"]], by=by, **kw)
            if r.random() < (0.5 if esc else 0.15):
                self.ev(a, self.step(t), "reveal", "policy", [cid], ["name", "phone"], records=[p["no"]], by=by, **kw)
            return
        by = r.choice(["phone", "phone", "order_id", "order_id", "name", "waybill_no"])
        subs = [cid]
        if by == "name":
            subs += [c for c in self.by_name[self.cust[cid]["name"]] if c != cid][:4]
        self.ev(a, t, "search", "order", subs, ["name", "order_id", "goods"], ["phone", "address"], by=by, **kw)
        self.ev(a, t := self.step(t), "view", "order", [cid], ORDER_VIEW, ["phone"], records=[o.id], by=by, **kw)
        if r.random() < (0.6 if esc else 0.33):
            res = "denied" if r.random() < 0.004 else "allowed"
            self.ev(a, t := self.step(t), "reveal", "order", [cid], ["name", "phone", "address"], records=[o.id],
                    by=by, result=res, **kw)
        if esc and r.random() < 0.15:
            self.ev(a, t := self.step(t), "reveal", "customer", [cid], ["name", "id_number"], ["phone"],
                    records=[cid], by=by, **kw)
        if r.random() < 0.08:
            self.ev(a, t := self.step(t), "view", "waybill", [cid], ["name", "address", "goods", "waybill_no"],
                    ["phone"], records=[o.waybill], by="waybill_no", **kw)
        if ticket and r.random() < 0.05:
            self.ev(a, self.step(t), "update", "order", [cid], ["address"], records=[o.id], **kw)

    def day_staff(self, a: Actor, d: int) -> None:
        r = self.rng
        s, e = self.shift(a, d)
        own, dev = a.device, a.override.get(d, (0, 0, ""))[2]
        a.device = dev or own  # covering a colleague's shift from the colleague's workstation
        self.login(a, s - timedelta(seconds=r.randint(30, 400)))
        if a.kind in ("cs", "esc"):
            lam = (17 if a.kind == "esc" else 12) * self.ramp(a, d) * (1.3 if dev else 1.0) * self.sc["rate"] * a.rate
            for t in self.spread(s, e, self.pois(lam)):
                self.cs_case(a, d, t)
        elif a.kind == "claims":
            for t in self.spread(s, e, self.pois(8 * self.sc["rate"])):
                p = r.choice(self.policies)
                cid = p["cust"]
                tk = None if r.random() < 0.01 else self.ticket("CLM", d)
                kw: dict[str, Any] = {"purpose": "claims", "ticket": tk, "records": [p["no"]]}
                if kw["ticket"]:
                    a.tickets.append((kw["ticket"], cid))
                self.ev(a, t, "search", "policy", [cid], ["name", "policy_no"], by="policy_no", **kw)
                f = [k for k in self.policy_fields(p) if k != "order_id"]
                self.ev(a, t := self.step(t), "view", "policy", [cid], f, ["payment_account"], by="policy_no", **kw)
                if p["order"]:
                    self.ev(a, t := self.step(t), "view", "order", [cid], ORDER_VIEW, by="order_id",
                            **{**kw, "records": [p["order"]]})
                if r.random() < 0.5:
                    self.ev(a, t := self.step(t, 60, 900), "update", "policy", [cid], ["policy_no"], **kw)
                if r.random() < 0.05:
                    self.ev(a, self.step(t), "print", "policy", [cid], f, channel="print",
                            export_id=self.uid("X-{:08x}"), **kw)
        elif a.kind == "analyst":
            for t in self.spread(s, e, self.pois(4)):
                self.ev(a, t, "search", "order", [], ["goods", "amount", "order_time"], by="aggregate",
                        count=r.randint(300, 60000), purpose="reporting")
            if r.random() < 0.3:
                self.ev(a, self.spread(s, e, 1)[0], "export", "order", [], ["goods", "amount", "order_time", "sku_id"],
                        by="aggregate", count=r.randint(50, 3000), purpose="reporting", channel="export",
                        export_id=self.uid("X-{:08x}"))
            if r.random() < 0.1:
                rows = [self.recent_order(d, 28) for _ in range(r.randint(100, 600))]
                self.ev(a, self.spread(s, e, 1)[0], "export", "order", sorted({o.cust for o in rows}),
                        ["goods", "amount", "order_time"], count=len(rows), purpose="reporting",
                        ticket=self.ticket("APR-", d), channel="export", export_id=self.uid("X-{:08x}"))
        elif a.kind == "ops":
            for t in self.spread(s, e, self.pois(5 * self.sc["rate"])):
                cid = r.choice(self.cids)
                k = r.random()
                if k < 0.45:
                    kw = {"ticket": self.ticket("T", d), "purpose": "data_correction", "records": [cid]}
                    self.ev(a, t, "search", "customer", [cid], ["name", "phone"], by="phone", **kw)
                    self.ev(a, self.step(t), "update", "customer", [cid], ["name", "address"], **kw)
                elif k < 0.6:
                    self.ev(a, t, "delete", "customer", [cid], [], records=[cid], purpose="deletion_request",
                            ticket=self.ticket("DEL", d))
                else:
                    self.ev(a, t, "view", "customer", [cid], ["name", "phone", "member_level"], records=[cid],
                            by=r.choice(["phone", "name"]), purpose="account_security", ticket=self.ticket("SEC", d))
        a.device = own

    def day_merchant(self, mid: str, d: int) -> None:
        r = self.rng
        subs = [a for a in self.subs[mid] if self.works(a, d)]
        if not subs:
            return
        todays = self.md.get((mid, d - 1), [])
        for a in subs:
            s, e = self.shift(a, d)
            self.login(a, s)
        ops = [a for a in subs if a.role != "merchant_cs"] or subs
        css = [a for a in subs if a.role == "merchant_cs"] or subs
        s, e = ops[0].shifts[d]
        if todays:
            xs = self.spread(s, s + timedelta(hours=3), 2)
            subj = sorted({o.cust for o in todays})
            self.ev(r.choice(ops), xs[0], "export", "order", subj, [f for f in M_RECV if f != "waybill_no"], ["phone"],
                    count=len(todays), purpose="fulfilment", channel="export", export_id=self.uid("X-{:08x}"))
            for chunk in _chunks(todays, r.randint(20, 60)):
                self.ev(r.choice(ops), self.spread(xs[1], e, 1)[0], "print", "waybill", sorted({o.cust for o in chunk}),
                        ["name", "address", "goods", "waybill_no"], ["phone"], count=len(chunk), purpose="fulfilment",
                        channel="print", export_id=self.uid("X-{:08x}"))
            for o in r.sample(todays, int(len(todays) * 0.3)):
                a = r.choice(subs)
                self.ev(a, self.spread(*a.shifts[d], 1)[0], "view", "order", [o.cust], M_RECV, ["phone"],
                        records=[o.id], purpose="fulfilment")
        recent = [o for dd in range(d - 14, d) for o in self.md.get((mid, dd), [])]
        for o in r.sample(recent, min(len(recent), self.pois(len(recent) * 0.012))):
            a = r.choice(css)
            t = self.spread(*a.shifts[d], 1)[0]
            tk = self.uid("AS{:09d}", 29) if r.random() < 0.4 else None
            kw: dict[str, Any] = {"purpose": "after_sales", "ticket": tk, "records": [o.id], "by": "order_id"}
            self.ev(a, t, "view", "order", [o.cust], M_RECV, ["phone"], **kw)
            if r.random() < 0.4:
                self.ev(a, self.step(t), "reveal", "order", [o.cust], ["name", "phone"], **kw)

    def day_couriers(self, d: int) -> None:
        r = self.rng
        for co, crew in self.couriers.items():
            on = [a for a in crew if self.works(a, d)]
            if not on:
                continue
            for a in on:
                a.ip = self.public_ip((117, 111, 183))
                s, _ = self.shift(a, d)
                self.login(a, s)
            for o in [o for o in self.orders_by_day.get(d - 1, []) if o.co == co]:
                ah = crew[int(o.merchant[1:]) % len(crew)]
                ah = ah if ah in on else r.choice(on)
                kw: dict[str, Any] = {"records": [o.waybill], "purpose": "delivery", "by": "waybill_no"}
                self.ev(ah, self.spread(*ah.shifts[d], 1)[0], "update", "waybill", [o.cust],
                        ["waybill_no", "parcel_weight"], **kw)
            for o in [o for dd in (d - 2, d - 3) for o in self.orders_by_day.get(dd, []) if o.co == co]:
                if (o.day + d) % 2 and d - o.day == 3:
                    continue  # most parcels arrive the second day
                city = self.cust[o.cust]["city"]
                a = crew[sum(map(ord, city)) % len(crew)]
                a = a if a in on else r.choice(on)
                kw = {"records": [o.waybill], "purpose": "delivery", "by": "waybill_no"}
                t = self.spread(*a.shifts[d], 1)[0]
                self.ev(a, t, "view", "waybill", [o.cust], ["name", "address", "goods", "waybill_no", "parcel_weight"],
                        ["phone"], **kw)
                self.ev(a, self.step(t, 120, 1800), "update", "waybill", [o.cust], ["waybill_no"], **kw)

    def day_services(self, d: int) -> None:
        r = self.rng
        yday = self.orders_by_day.get(d - 1, [])
        tag = self.day(d - 1).strftime("%Y%m%d")
        for a in self.etl:
            t = self.at(d, a.start + r.uniform(0, 25))
            subj = sorted({o.cust for o in yday})
            full = a.id == "svc-etl-dw" and self.day(d).weekday() == 6  # weekly full snapshot
            fields = ALL if a.id in ("svc-etl-dw", "svc-etl-backup") else \
                ["name", "phone", "address", "member_level", "order_id", "amount"]
            rows = sum(len(v) for k, v in self.orders_by_day.items() if k < d) if full else len(yday)
            self.ev(a, t, "export", "order", self.cids if full else subj, fields, count=rows,
                    purpose="backup" if "backup" in a.id else "data_warehouse", channel="batch",
                    export_id=f"etl-{a.id[8:]}-{tag}{'-full' if full else ''}")
        for prov, (rec, ref) in self.pay.items():
            paid = [o for o in yday if o.pay == prov]
            if paid:
                xid = f"recon-{prov}-{tag}"
                self.ev(rec, self.at(d, 360 + r.uniform(0, 40)), "download", "order", sorted({o.cust for o in paid}),
                        ["name", "order_id", "amount", "order_time", "payment_account"], count=len(paid),
                        purpose="reconciliation", export_id=xid)
                self.exports[xid] = {"actor": rec.id, "orders": paid}
            for _ in range(self.pois(len(paid) * 0.02)):
                o = self.recent_order(d, 10)
                self.ev(ref, self.at(d, r.uniform(0, 1440)), "view", "order", [o.cust],
                        ["order_id", "amount", "payment_account"], records=[o.id], purpose="refund", by="order_id")
        if self.day(d).weekday() == 0:  # weekly share with the analytics partner
            week = [o for dd in range(d - 7, d) for o in self.orders_by_day.get(dd, []) if self.cust[o.cust]["consent"]]
            if week:
                for o in week:
                    o.shared = True
                xid = f"share-shuzhi-{tag}"
                self.ev(self.share, self.at(d, 180 + r.uniform(0, 20)), "export", "order",
                        sorted({o.cust for o in week}), SHARE_F, count=len(week), purpose="marketing_analytics",
                        ticket="DSA-2025-017", channel="batch", export_id=xid)
                self.ev(self.partner, self.at(d, 240 + r.uniform(0, 200)), "download", "order",
                        sorted({o.cust for o in week}), SHARE_F, count=len(week), purpose="marketing_analytics",
                        export_id=xid)
                self.exports[xid] = {"actor": self.partner.id, "orders": week}

    # ---------------------------------------------------------------- look-alikes
    def plan_lookalikes(self, free_cs: list[Actor], busy: list[Actor], nights: list[Actor]) -> None:
        r = self.rng
        for a in self.esc:
            self.lookalikes.append({"actor": a.id, "kind": "escalation_desk"})
        for a in self.etl:
            self.lookalikes.append({"actor": a.id, "kind": "nightly_etl"})
        for a in self.hires:
            self.lookalikes.append({"actor": a.id, "kind": "new_hire", "joined": self.day(a.join).isoformat()})
        self.month_end = r.sample(self.analysts, min(2, len(self.analysts)))
        for a in self.month_end:
            self.lookalikes.append({"actor": a.id, "kind": "month_end_export"})
        pool = free_cs[:]
        for colleague in nights[: 1 + (self.scale == "medium")]:
            cover = pool.pop()
            d0 = r.randint(3, self.D - 5)
            days = range(d0, d0 + r.randint(2, 4))
            for d in days:
                colleague.override[d] = (AWAY, 0, "")  # away: never works (see run)
                cover.override[d] = (colleague.start, colleague.hours, colleague.device)
            cover.override[days[-1] + 1] = (AWAY, 0, "")  # rests after the last night
            self.lookalikes.append({"actor": cover.id, "kind": "shift_cover", "covering": colleague.id,
                                    "days": [self.day(d).isoformat() for d in days]})
        self.incident = pool.pop()
        self.lookalikes.append({"actor": self.incident.id, "kind": "incident_ticket"})
        self.oncall = r.choice([a for a in self.ops if a not in busy] or self.ops)

    def run_lookalikes(self) -> None:
        r = self.rng
        for a in self.month_end:  # month-end exports of non-identifying columns, approved
            last: dict[int, int] = {}
            for d in sorted(a.shifts):
                last[self.day(d).month] = d
            for d in last.values():
                day = self.day(d)
                if (day.replace(day=28) + timedelta(days=4)).replace(day=1) - START > timedelta(days=self.D):
                    continue  # that month does not end inside the window
                month = [o for dd in range(d - day.day + 1, d + 1) for o in self.orders_by_day.get(dd, [])]
                tk = self.ticket("APR-", d)
                t = a.shifts[d][1] - timedelta(minutes=r.randint(60, 120))
                kw: dict[str, Any] = {"count": len(month), "purpose": "monthly_report", "ticket": tk,
                                      "channel": "export"}
                self.ev(a, t, "export", "order", sorted({o.cust for o in month}), ["goods", "amount", "order_time"],
                        result="pending_approval", export_id=None, **kw)
                self.ev(a, t + timedelta(minutes=r.randint(20, 70)), "export", "order", sorted({o.cust for o in month}),
                        ["goods", "amount", "order_time"], export_id=self.uid("X-{:08x}"), **kw)
        a = self.incident  # parcels of one carrier lost in a depot fire: one incident ticket, many related subjects
        days = [d for d in sorted(a.shifts) if d >= 2]
        d = r.choice(days[: max(1, len(days) // 2)] or sorted(a.shifts))
        co = r.choice(OFFLINE_CO)
        hit = [o for o in self.orders_by_day.get(d - 2, []) if o.co == co][:70]
        t = a.shifts[d][0] + timedelta(minutes=30)
        tk = self.ticket("INC-", d)
        for o in hit:
            kw = {"ticket": tk, "purpose": "after_sales", "records": [o.id], "by": "order_id"}
            self.ev(a, t := self.step(t, 20, 200), "view", "order", [o.cust], ORDER_VIEW, ["phone"], **kw)
            self.ev(a, t := self.step(t, 10, 60), "reveal", "order", [o.cust], ["name", "phone"], **kw)
        a = self.oncall  # weekend on-call admin: a few ticketed night fixes
        for d in r.sample([d for d in range(self.D) if self.day(d).weekday() >= 5], min(2, self.D // 7)):
            t = self.at(d, r.uniform(1320, 1500))
            self.login(a, t, client={"ip": "10.8.4." + str(r.randint(2, 250)), "device": a.device})
            for _ in range(r.randint(2, 5)):
                cid = r.choice(self.cids)
                self.ev(a, t := self.step(t, 60, 600), "update", "customer", [cid], ["name", "address"],
                        records=[cid], purpose="data_correction", ticket=self.ticket("INC-", d),
                        client={"ip": "10.8.4.9", "device": a.device})
        self.lookalikes.append({"actor": a.id, "kind": "oncall_admin"})

    # ---------------------------------------------------------------- insiders
    def onset(self, lo: float, hi: float) -> int:
        return self.rng.randint(max(1, int(self.D * lo)), max(2, int(self.D * hi)))

    def in_shift(self, a: Actor, d: int, n: int, burst: bool) -> list[datetime]:
        s, e = a.shifts[d]
        if not burst:
            return self.spread(s, e, n)
        t = self.spread(s, e - timedelta(minutes=40), 1)[0]
        out = []
        for _ in range(n):
            t = self.step(t, 8, 90)
            out.append(t)
        return out

    def insider(self, kind: str, a: Actor, note: str, **extra: Any) -> None:
        self.insiders.append({"actor": a.id, "party": a.party, "role": a.role, "behaviour": kind, "note": note,
                              **extra})

    def run_insider(self, kind: str, a: Actor) -> None:
        r, tag = self.rng, a.id
        days = sorted(a.shifts)
        if kind == "lookup_seller_quiet":
            o = self.onset(0.1, 0.35)
            sold = []
            for d in [d for d in days if d >= o and r.random() < 0.75]:
                for t in self.in_shift(a, d, r.randint(6, 24), burst=r.random() < 0.6):
                    cid = r.choice(self.holders)
                    p = r.choice([p for p in self.cust_policies[cid] if not p["order"]])
                    self.ev(a, t, "reveal", "policy", [cid], ["name", "phone", "address", *POLICY_F], ["id_number"],
                            records=[p["no"]], by="policy_no", purpose="after_sales", ticket=None, tag=tag)
                    sold.append((t, cid, p))
            self.sold[a.id] = sold
            self.insider(kind, a, "reveals policy holders by policy_no, no ticket, in bursts")
        elif kind == "lookup_seller_busy":
            o = self.onset(0.15, 0.45)
            for d in [d for d in days if d >= o and r.random() < 0.8]:
                for t in self.in_shift(a, d, r.randint(5, 16), burst=False):
                    cid = r.choice(self.holders)
                    p = r.choice([p for p in self.cust_policies[cid] if not p["order"]])
                    self.ev(a, t, "reveal", "policy", [cid], ["name", "phone", "address", "id_number", *POLICY_F],
                            records=[p["no"]], by="policy_no", purpose="claims", ticket=None, tag=tag)
            self.insider(kind, a, "escalation desk; sells records keyed by policy_no under purpose 'claims'")
        elif kind == "ticket_reuse":
            o = self.onset(0.15, 0.4)
            old = a.tickets[:40] or [(self.ticket("T", 0), r.choice(self.cids))]
            tk, own = r.choice(old)
            for d in [d for d in days if d >= o and r.random() < 0.7]:
                for t in self.in_shift(a, d, r.randint(4, 10), burst=False):
                    oo = self.recent_order(d, 28)
                    kw: dict[str, Any] = {"ticket": tk, "purpose": "after_sales", "records": [oo.id], "by": "phone"}
                    self.ev(a, t, "search", "order", [oo.cust], ["name", "order_id", "goods"], ["phone", "address"],
                            tag=tag, **kw)
                    self.ev(a, self.step(t), "reveal", "order", [oo.cust], ["name", "phone", "address"], tag=tag, **kw)
            self.insider(kind, a, f"cites ticket {tk} (opened for {own}) for many unrelated subjects", ticket=tk)
        elif kind == "offhours_bulk_export":
            o = self.onset(0.3, 0.7)
            nights = [d for d in range(o, self.D) if self.day(d).weekday() >= 4 or self.day(d) in HOLIDAYS]
            nights = sorted(r.sample(nights or list(range(o, self.D)), min(r.randint(2, 3), len(nights) or 1)))
            vpn = {"ip": f"10.8.4.{r.randint(2, 250)}", "device": a.device}
            for d in nights:
                t = self.at(d, r.uniform(70, 260))
                self.login(a, t, client=vpn, tag=tag)
                self.ev(a, t := self.step(t, 40, 300), "search", "customer", [], ["name"], by="aggregate",
                        count=len(self.cids), purpose="reporting", client=vpn, tag=tag)
                subj = sorted(r.sample(self.cids, min(len(self.cids), r.randint(800, 2500) * len(self.cids) // 8000)))
                self.ev(a, self.step(t, 60, 400), "export", "customer", subj, ["name", "phone", "address", "id_number"],
                        purpose="reporting", ticket=None, channel="export", export_id=self.uid("X-{:08x}"),
                        client=vpn, tag=tag)
            self.insider(kind, a, "night exports of name/phone/address/id_number, no ticket, over VPN")
        elif kind == "merchant_mass_reveal":
            o = self.onset(0.2, 0.5)
            pool = self.merchant_orders[a.merchant]
            revealed = []
            for d in [d for d in days if d >= o and r.random() < 0.6]:
                for t in self.in_shift(a, d, r.randint(30, 110), burst=True):
                    oo = r.choice([x for x in pool if x.day < d] or pool)
                    kw = {"records": [oo.id], "by": "order_id", "purpose": "after_sales", "ticket": None}
                    self.ev(a, t, "reveal", "order", [oo.cust], ["name", "phone", "address"], tag=tag, **kw)
                    revealed.append((t, oo))
            self.revealed[a.id] = revealed
            self.insider(kind, a, "merchant sub-account reveals phones of its merchant's past buyers en masse")
        elif kind == "compromised_account":
            o = self.onset(0.3, 0.8)
            bad = {"ip": self.public_ip((45, 103, 185, 194)), "device": self.uid("d-{:05d}", 16)}
            for d in sorted(r.sample(range(o, self.D), min(r.randint(1, 2), self.D - o))):
                t = self.at(d, r.uniform(60, 240))
                for _ in range(r.randint(0, 3)):
                    self.login(a, t := self.step(t, 5, 40), client=bad, result="denied", tag=tag)
                self.login(a, t := self.step(t, 5, 40), client=bad, tag=tag)
                for _ in range(r.randint(50, 160)):
                    oo = r.choice([x for x in self.merchant_orders[a.merchant] if x.day < d]) if a.merchant else \
                        self.recent_order(d, 28)
                    kw = {"records": [oo.id], "by": "phone" if not a.merchant else "order_id", "ticket": None,
                          "purpose": "after_sales", "client": bad}
                    self.ev(a, t := self.step(t, 3, 25), "search", "order", [oo.cust], ["name", "order_id"], ["phone"],
                            tag=tag, **kw)
                    fields = ["name", "phone", "address"] if a.merchant else ["name", "phone", "address", "goods"]
                    self.ev(a, t := self.step(t, 2, 12), "reveal", "order", [oo.cust], fields, tag=tag, **kw)
            self.insider(kind, a, "credentials used from a new device and foreign IP at night; burst of reveals",
                         bad_client=bad)
        elif kind == "curiosity_low_slow":
            o = self.onset(0.03, 0.15)
            targets = r.sample(self.cids, r.randint(2, 4))
            for d in [d for d in days if d >= o and r.random() < 0.65]:
                cid = r.choice(targets)
                t = self.in_shift(a, d, 1, burst=False)[0]
                self.ev(a, t, "reveal", "customer", [cid], ["name", "id_number"], ["phone"], records=[cid], by="name",
                        purpose="after_sales", ticket=None, tag=tag)
                past = [x for x in self.cust_orders.get(cid, []) if x.day < d]
                if r.random() < 0.3 and past:
                    oo = past[-1]
                    self.ev(a, self.step(t), "view", "order", [cid], ORDER_VIEW, ["phone"], records=[oo.id],
                            by="name", purpose="after_sales", ticket=None, tag=tag)
            self.insider(kind, a, "one ticketless id_number reveal a day about the same few customers",
                         targets=targets)
        elif kind == "mid_period_start":
            o = self.onset(0.55, 0.7)
            for k, d in enumerate(d for d in days if d >= o):
                for t in self.in_shift(a, d, 4 + 4 * k, burst=r.random() < 0.5):
                    oo = self.recent_order(d, 28)
                    self.ev(a, t, "reveal", "order", [oo.cust], ["name", "phone", "address"], records=[oo.id],
                            by="phone", purpose="after_sales", ticket=None, tag=tag)
                if r.random() < 0.35:
                    rows = [self.recent_order(d, 28) for _ in range(r.randint(10, 30))]
                    self.ev(a, self.in_shift(a, d, 1, False)[0], "print", "order", sorted({x.cust for x in rows}),
                            ["name", "address", "goods", "order_id"], ["phone"], count=len(rows), purpose="after_sales",
                            channel="print", export_id=self.uid("X-{:08x}"), tag=tag)
            self.insider(kind, a, "clean history, then ticketless reveals and prints ramping up from mid-period")

    # ---------------------------------------------------------------- leaks
    def degrade(self, f: str, v: str, masked_phone: bool = False) -> str:
        r = self.rng
        if f == "phone" and (masked_phone or r.random() < 0.2):
            return v[:3] + "****" + v[7:]
        if f == "name" and r.random() < 0.08:
            return v[0] + r.choice(["某某", "先生", "女士", "*" * (len(v) - 1)])
        if f == "address" and r.random() < 0.2:
            cut = max(v.find("区"), v.find("号"))
            return v[: cut + 1] if cut > 5 else v
        if f == "id_number" and r.random() < 0.3:
            return v[:6] + "********" + v[14:]
        if f == "payment_account" and r.random() < 0.5:
            return v[:6] + "*" * (len(v) - 10) + v[-4:]
        return v

    def with_decoy(self, pool: list[Any], holders: Callable[[Any], set[str]], resp: str, n: int
                   ) -> tuple[list[Any], list[dict[str, Any]]]:
        r = self.rng
        n = min(n, len(pool))
        k = round(n / 3)
        cnt = Counter(p for x in pool for p in sorted(holders(x)) if p != resp and not p.startswith("platform."))
        ok = []
        for party, c in cnt.most_common(12):
            if c >= k and len(pool) - c >= n - k:
                ok.append(party)
        if not ok:
            return r.sample(pool, n), []
        party = r.choice(ok[:5])
        inn = [x for x in pool if party in holders(x)]
        out = [x for x in pool if party not in holders(x)]
        rows = r.sample(inn, k) + r.sample(out, n - k)
        r.shuffle(rows)
        return rows, [{"party": party, "share": round(k / n, 2), "_held": [party in holders(x) for x in rows]}]

    def ord_holders(self, o: Order) -> set[str]:
        return set(self.order_recipients(o))

    def make_leaks(self, kinds: list[str]) -> None:
        r = self.rng
        lo, hi = self.sc["rows"]
        live = {x["actor"] for x in self.insiders}
        sellers = sorted(a for a, v in self.sold.items() if v and a in live)
        revealers = sorted(a for a, v in self.revealed.items() if v and a in live)
        for i, kind in enumerate(kinds):
            n = r.randint(lo, hi)
            actor, xid, extra, masked_phone = None, None, [], False
            if kind == "courier_waybill":
                co = r.choice(OFFLINE_CO)
                party = f"logistics:{co}"
                pool: list[Any] = [o for o in self.orders if o.co == co and o.day >= -10]
                fields = ["name", "phone", "address", "goods", *r.choice([["parcel_weight"], ["waybill_no"], []])]
                rows, decoys = self.with_decoy(pool, self.ord_holders, party, n)
                extra = [f for f in fields if f in ("parcel_weight",)]
            elif kind in ("merchant", "merchant_subaccount"):
                if kind == "merchant_subaccount" and revealers:
                    actor = r.choice(revealers)
                    mid = self.revealed[actor][0][1].merchant
                    pool = list({o.id: o for _, o in self.revealed[actor]}.values())
                    fields = ["name", "phone", "address"]
                else:
                    sizes = {m: len([o for o in self.merchant_orders[m] if o.day >= 0]) for m in self.mids}
                    mid = next((m for m in self.mids if sizes[m] > 2 * hi), max(sizes, key=lambda m: sizes[m]))
                    pool = [o for o in self.merchant_orders[mid] if o.day >= 0]
                    fields = ["name", "phone", "address", "goods", "order_id", "amount", "sku_id"]
                    masked_phone, kind = True, "merchant"
                    extra = ["sku_id"]
                party = f"merchant:{mid}"
                rows, decoys = self.with_decoy(pool, self.ord_holders, party, n)
            elif kind == "payment_partner":
                prov = r.choice(["alipay", "wechatpay"])
                party = f"payment:{prov}"
                actor = f"svc-{prov}-recon"  # the rows are those of its daily reconciliation files
                pool = [o for x in self.exports.values() if x["actor"] == actor for o in x["orders"]]
                fields = ["name", "payment_account", "amount", "order_time", *r.choice([["order_id"], []])]
                rows, decoys = self.with_decoy(pool, self.ord_holders, party, n)
            elif kind == "partner_analytics_export":
                party, actor = "partner:shuzhi", self.partner.id
                xid = r.choice([k for k in self.exports if k.startswith("share-")])
                pool = self.exports[xid]["orders"]
                fields = ["phone", "goods", "amount", "order_time", "member_level"]
                rows, decoys = self.with_decoy(pool, self.ord_holders, party, n)
                extra = ["member_level"]
            elif kind == "watermarked_export":
                busy = {y["actor"] for y in self.insiders + self.lookalikes}
                a = r.choice([x for x in self.ops if x.id not in busy] or self.ops)
                d = r.choice(sorted(a.shifts)[: max(1, len(a.shifts) * 2 // 3)])
                cat = r.choice(["baby", "digital", "home"])
                pool = [o for dd in range(d - 45, d) for o in self.orders_by_day.get(dd, [])
                        if next(g for g in GOODS if g[0] == o.goods)[4] == cat]
                pool = r.sample(pool, min(len(pool), 3 * hi))
                xid = self.uid("X-{:08x}")
                self.ev(a, self.in_shift(a, d, 1, False)[0], "export", "order", sorted({o.cust for o in pool}),
                        ["name", "phone", "address", "goods", "order_id"], count=len(pool), purpose="recall_notice",
                        ticket=self.ticket("T", d), channel="export", export_id=xid)
                actor, party = a.id, "platform.ops"
                fields = ["name", "phone", "address", "goods"]
                rows, decoys = self.with_decoy(pool, self.ord_holders, party, min(n, len(pool) // 2))
            else:  # cs_insider: rows come from what the quiet look-up seller revealed
                if not sellers:
                    continue
                actor, party = r.choice(sellers), "platform.cs"
                pool = list({c: (c, p) for _, c, p in self.sold[actor]}.values())
                fields = ["name", "phone", "address", "policy_no", *r.choice([["policy_type"], []])]

                def subj_holders(x: Any) -> set[str]:
                    return {f"logistics:{o.co}" for o in self.cust_orders.get(x[0], []) if o.co in OFFLINE_CO}

                rows, decoys = self.with_decoy(pool, subj_holders, party, n)
                extra = [f for f in fields if f == "policy_type"]
            recs, subs, out = [], [], []
            for x in rows:
                if isinstance(x, Order):
                    full, rec, sub = self.order_fields(x), x.waybill if kind == "courier_waybill" else x.id, x.cust
                    full["member_level"] = self.cust[x.cust]["member_level"]
                else:
                    full, rec, sub = self.policy_fields(x[1]), x[1]["no"], x[0]
                row = {f: self.degrade(f, full[f], masked_phone) for f in fields if f in full}
                for f in list(row):
                    if len(row) > 2 and f not in ("phone", "name", "payment_account") and r.random() < 0.06:
                        del row[f]  # a record may lack fields
                out.append(row)
                recs.append(rec)
                subs.append(sub)
            case = f"case-{i + 1:02d}"
            fmt = r.choices(["csv", "jsonl"], [6, 4])[0]
            self.leaks.append({"case": case, "format": fmt, "party": party, "actor": actor, "cause": kind,
                               "export_id": xid, "fields": fields, "subjects": subs, "records": recs, "rows": out,
                               "decoys": decoys, "datamap_only_fields": extra})
        if self.leaks and r.random() < 0.75:  # one case arrives as a fraud-call transcript
            c = r.choice([x for x in self.leaks if "name" in x["fields"] and "phone" in x["fields"]] or self.leaks)
            k = r.randint(3, 6)
            c.update(format="txt", subjects=c["subjects"][:k], records=c["records"][:k], rows=c["rows"][:k])
            for dcy in c["decoys"]:
                dcy["share"] = round(sum(dcy["_held"][:k]) / k, 2)

    def transcript(self, rows: list[dict[str, str]]) -> str:
        r, lines = self.rng, []
        for row in rows:
            when = (datetime(*self.day(self.D).timetuple()[:3]) + timedelta(days=r.randint(0, 6), minutes=r.randint(
                540, 1260))).strftime("%Y-%m-%d %H:%M")
            lines.append(f"【通话转写】{when} 来电号码 +86 {r.choice(['170', '171', '165'])}****{self.digits(4)}")
            who = row.get("name", "")
            say = [f"骗子：您好，请问是{who}吗？我是平台的售后客服。" if who else "骗子：您好，这里是平台售后客服。"]
            if "goods" in row:
                say.append(f"骗子：您在我们平台买的{row['goods']}质检不合格，我们要给您办理退款和理赔。")
            if "policy_no" in row:
                say.append(f"骗子：您的保单号{row['policy_no']}有一笔理赔款待领取。")
            say.append("受害人：你怎么知道我的信息？")
            if "phone" in row:
                say.append(f"骗子：系统里登记的手机号是{row['phone']}，没错吧？")
            if "address" in row:
                say.append(f"骗子：收货地址是{row['address']}，对吧？")
            if "amount" in row:
                say.append(f"骗子：订单金额{row['amount']}元，我们全额退给您，请下载会议软件共享屏幕。")
            lines += [*say, "受害人：……我再想想。", ""]
        return "\n".join(lines)

    # ---------------------------------------------------------------- assembly
    def run(self) -> None:
        r = self.rng
        self.build_records()
        self.build_actors()
        behaviours = ["lookup_seller_busy", "ticket_reuse", "offhours_bulk_export", "merchant_mass_reveal",
                      "compromised_account", "curiosity_low_slow", "mid_period_start"]
        picked = ["lookup_seller_quiet", *r.sample(behaviours, 5 if self.scale == "small" else 7)]
        if self.scale == "medium":
            picked += r.sample(["lookup_seller_quiet", "merchant_mass_reveal", "ticket_reuse", "curiosity_low_slow"], 2)
        cs_pool = [a for a in self.cs if not a.join and a.start < 1320]
        r.shuffle(cs_pool)
        big = [a for m in self.mids[: max(3, len(self.mids) // 4)] for a in self.subs[m] if a.role == "merchant_cs"]
        r.shuffle(big)
        plan: list[tuple[str, Actor]] = []
        for b in picked:
            if b == "lookup_seller_busy":
                a = self.esc.pop(r.randrange(len(self.esc)))
            elif b == "offhours_bulk_export":
                a = r.choice([x for x in self.ops if x not in [p[1] for p in plan]])
            elif b == "merchant_mass_reveal" or (b == "compromised_account" and r.random() < 0.5 and big):
                a = big.pop()
                big = [x for x in big if x.merchant != a.merchant]
            elif b == "ticket_reuse" and r.random() < 0.4:
                a = r.choice([x for x in self.claims if x not in [p[1] for p in plan]])
            else:
                a = cs_pool.pop()
            plan.append((b, a))
        self.plan_lookalikes(cs_pool, [p[1] for p in plan], [a for a in self.cs if a.start >= 1320 and not a.join])
        for b, a in plan:
            if b == "lookup_seller_busy":
                self.esc.append(a)
            if b == "lookup_seller_quiet":
                a.rate = 0.45  # a part-time back-office account: little routine traffic
        staff = self.cs + self.esc + self.claims + self.analysts + self.ops
        for d in range(self.D):
            for a in staff:
                if a.override.get(d, (0,))[0] == AWAY:
                    continue
                if self.works(a, d):
                    self.day_staff(a, d)
            for mid in self.mids:
                self.day_merchant(mid, d)
            self.day_couriers(d)
            self.day_services(d)
        self.run_lookalikes()
        for b, a in plan:
            self.run_insider(b, a)
        end = self.at(self.D, 0)
        self.events = [x for x in self.events if x[0] < end]  # night shifts of the last day run past the window
        self.insiders = [x for x in self.insiders if self.tags[x["actor"]]]  # a short window may leave one idle
        for rec in self.insiders:
            ids = set(self.tags[rec["actor"]])
            evs = sorted((t, e["id"]) for t, e in self.events if e["id"] in ids)
            rec.update(first_abnormal_event=evs[0][1], first_abnormal_ts=evs[0][0].isoformat(timespec="seconds"),
                       abnormal_events=[i for _, i in evs])
        causes = ["partner_analytics_export", "payment_partner", "watermarked_export",
                  "merchant_subaccount" if any(x["behaviour"] == "merchant_mass_reveal" for x in self.insiders)
                  else "merchant"]
        kinds = ["courier_waybill", "cs_insider", *r.sample(causes, r.randint(3, 4))]
        r.shuffle(kinds)
        self.make_leaks(kinds)

    def datamap(self) -> dict[str, Any]:
        cs_recv = ["name", "address", "goods", "order_id", "order_time", "amount", "waybill_no", "sku_id", *POLICY_F,
                   "member_level"]
        parties: list[dict[str, Any]] = [
            {"id": "platform.backend", "kind": "platform", "receives": ALL},
            {"id": "platform.ops", "kind": "platform", "receives": ALL},
            {"id": "platform.cs", "kind": "platform", "receives": cs_recv, "masked": ["phone", "id_number",
                                                                                     "payment_account"]},
            {"id": "platform.claims", "kind": "platform", "receives": ["name", "phone", "address", "id_number",
                                                                       *POLICY_F, *ORDER_VIEW[2:]],
             "masked": ["payment_account"]},
            {"id": "platform.analytics", "kind": "platform", "receives": ["goods", "amount", "order_time", "sku_id",
                                                                          "order_id", "member_level"],
             "masked": ["phone", "address"]},
        ]
        parties += [{"id": f"merchant:{m}", "kind": "merchant", "receives": M_RECV, "masked": ["phone"]}
                    for m in self.mids]
        parties += [{"id": f"logistics:{c}", "kind": "logistics", "channel": "waybill", "receives": SHIP}
                    for c in OFFLINE_CO]
        parties += [{"id": f"logistics:{c}", "kind": "logistics", "channel": "api",
                     "receives": [f for f in SHIP if f != "phone"], "masked": ["phone"]} for c in self.sc["logged"]]
        parties += [{"id": f"payment:{p}", "kind": "payment", "channel": "api", "receives": PAY_F} for p in self.pay]
        parties += [{"id": f"insurer:{i}", "kind": "insurer", "channel": "offline",
                     "receives": ["name", "phone", "id_number", "address", "order_id", *POLICY_F]}
                    for i in ("PAIC", "ZA")]
        parties.append({"id": "partner:shuzhi", "kind": "partner", "channel": "api", "receives": SHARE_F})
        merch = [f"merchant:{m}" for m in self.mids]
        logi = [f"logistics:{c}" for c in OFFLINE_CO + self.sc["logged"]]
        processing = [
            {"id": "fulfilment", "purpose": "deliver orders", "legal_basis": "contract",
             "fields": ["name", "phone", "address", "goods", "waybill_no", "parcel_weight"], "recipients": merch + logi,
             "retention_days": 365},
            {"id": "payment", "purpose": "take payments and refunds", "legal_basis": "contract", "fields": PAY_F,
             "recipients": [f"payment:{p}" for p in self.pay], "retention_days": 1825},
            {"id": "insurance", "purpose": "issue policies and settle claims", "legal_basis": "contract",
             "fields": ["name", "phone", "id_number", "address", *POLICY_F],
             "recipients": ["insurer:PAIC", "insurer:ZA", "platform.claims"], "retention_days": 1825},
            {"id": "customer_service", "purpose": "after-sales and complaints", "legal_basis": "contract",
             "fields": [*cs_recv, "phone"], "recipients": ["platform.cs"], "retention_days": 365},
            {"id": "marketing_analytics", "purpose": "audience analytics with a partner", "legal_basis": "consent",
             "fields": SHARE_F, "recipients": ["partner:shuzhi", "platform.analytics"], "retention_days": 180},
        ]
        return {"v": 1, "fields": FIELDS, "parties": parties, "processing": processing}

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "leaks").mkdir(exist_ok=True)
        for old in (out / "leaks").iterdir():
            old.unlink()
        self.events.sort(key=lambda x: (x[0], x[1]["id"]))
        lines = [json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for _, e in self.events]
        (out / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        shuffled = lines[:]
        random.Random(self.seed * 7919 + 1).shuffle(shuffled)
        (out / "events_shuffled.jsonl").write_text("\n".join(shuffled) + "\n", encoding="utf-8")
        plain = json.loads(json.dumps(self.datamap()))  # distinct lists: no YAML anchors
        (out / "datamap.yaml").write_text(yaml.safe_dump(plain, allow_unicode=True, sort_keys=False), encoding="utf-8")
        with open(out / "records.jsonl", "w", encoding="utf-8") as f:

            def dump(x: dict[str, Any]) -> None:
                f.write(json.dumps(x, ensure_ascii=False) + "\n")

            for cid, c in self.cust.items():
                dump({"subject": cid, "record": cid, "resource": "customer",
                      "fields": {k: c[k] for k in ("name", "phone", "address", "id_number", "payment_account",
                                                   "member_level")}, "recipients": ["platform.backend"]})
            for o in self.orders:
                dump({"subject": o.cust, "record": o.id, "resource": "order", "fields": self.order_fields(o),
                      "recipients": self.order_recipients(o)})
                dump({"subject": o.cust, "record": o.waybill, "resource": "waybill", "fields": self.waybill_fields(o),
                      "recipients": ["platform.backend", f"logistics:{o.co}"]})
            for p in self.policies:
                dump({"subject": p["cust"], "record": p["no"], "resource": "policy", "fields": self.policy_fields(p),
                      "recipients": ["platform.backend", f"insurer:{p['insurer']}"]})
        leaks = []
        for c in self.leaks:
            path = out / "leaks" / f"{c['case']}.{c['format']}"
            rows = c.pop("rows")
            for dcy in c["decoys"]:
                del dcy["_held"]
            if c["format"] == "csv":
                with open(path, "w", encoding="utf-8", newline="") as f:
                    w = csv.DictWriter(f, fieldnames=c["fields"])
                    w.writeheader()
                    w.writerows(rows)
            elif c["format"] == "jsonl":
                path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows), encoding="utf-8")
            else:
                path.write_text(self.transcript(rows), encoding="utf-8")
            leaks.append({"file": f"leaks/{path.name}", **c})
        truth = {"seed": self.seed, "scale": self.scale, "days": self.D, "start": START.isoformat(),
                 "utc_offset": "+08:00",
                 "holidays": sorted(d.isoformat() for d in HOLIDAYS if 0 <= (d - START).days < self.D),
                 "insiders": self.insiders, "lookalikes": self.lookalikes, "leaks": leaks}
        (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


def _chunks(xs: list[Any], n: int) -> Iterable[list[Any]]:
    for i in range(0, len(xs), n):
        yield xs[i: i + n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = ap.parse_args()
    if args.days < 10:
        ap.error("--days must be at least 10")
    t0 = time.perf_counter()
    w = World(args.seed, args.days, args.scale)
    w.run()
    w.write(args.out)
    actors = {e["actor"] for _, e in w.events}
    print(f"seed {args.seed} {args.scale}: {len(w.events)} events, {len(actors)} actors, {len(w.insiders)} insiders, "
          f"{len(w.leaks)} leak cases -> {args.out} ({time.perf_counter() - t0:.1f}s)")


if __name__ == "__main__":
    main()
