"""Leak cases with ground truth, for testing and benchmarking leak attribution.

Each case picks a leaking party (and, where the platform's logs would show it, the actor),
samples subjects that party could see, and writes what it leaked the way such leaks surface:
a CSV or JSON Lines file with canonical field names, or the transcript of fraud calls in
Chinese. Values are sometimes masked as the leaker saw them (``138****5678``, ``薛**``),
records are sometimes partial (a field dropped, an address cut to its district), and some
rows are about people who are not customers at all (noise).

Kinds (``KINDS``):

- ``carrier``: a logistics company on the offline waybill channel leaks name, phone,
  address and goods (sometimes the waybill number), never order-only fields; no actor;
- ``merchant``: a merchant operator leaks orders it viewed: name, address, goods, order id,
  time and amount, the phone only masked as the merchant sees it;
- ``insider``: an account from an injected incident (:mod:`piwarden.demo.incidents`) leaks
  the name, phone and address it revealed or exported;
- ``analyst``: an analyst leaks an export: goods, order time and amount, with masked name
  and phone.

Deterministic by seed. Ground truth names party, actor (or None), subjects and noise rows.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from piwarden.demo.platform import GOODS, Simulation, ts

KINDS = ("carrier", "merchant", "insider", "analyst")
FORMATS = {"carrier": ("csv", "jsonl", "text"), "merchant": ("csv", "jsonl"), "insider": ("csv", "jsonl", "text"),
           "analyst": ("csv", "jsonl")}
_NOISE_NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷")
_NOISE_PLACES = ("北京市朝阳区望京街", "上海市浦东新区张江路", "广州市天河区体育西路", "重庆市渝中区解放碑",
                 "西安市雁塔区小寨东路")
_OPENERS = ("来电记录{k}：对方自称{who}客服，", "受害人{k}陈述：骗子冒充{who}工作人员打来电话，",
            "第{k}通录音：对方说是{who}理赔专员，")
_WHO = ("快递公司", "物流", "商城", "平台", "保险公司")


@dataclass
class LeakCase:
    """One leak with its ground truth; ``content`` is the leak file's text (synthetic PI)."""

    id: str
    kind: str
    party: str
    actor: str | None
    fmt: str
    subjects: list[str]
    fields: list[str]
    noise: int
    content: str = ""
    canaries: list[str] = field(default_factory=list)

    def truth(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "party": self.party, "actor": self.actor, "format": self.fmt,
                "subjects": self.subjects, "fields": self.fields, "noise_rows": self.noise,
                "canaries": self.canaries}

    @property
    def suffix(self) -> str:
        return {"csv": ".csv", "jsonl": ".jsonl", "text": ".txt"}[self.fmt]


@dataclass
class _Row:
    subject: str
    values: dict[str, str]


class LeakFactory:
    """Draws leak cases from one simulation: its customers, orders and (optionally) its events."""

    def __init__(self, sim: Simulation, people: list[dict[str, str]], events: Iterable[dict[str, Any]],
                 canaries: list[dict[str, Any]] | None = None) -> None:
        self.sim = sim
        self.people = {p["customer_id"]: p for p in people}
        self.orders: dict[str, Any] = {}
        for day in sim.orders():
            for o in day:
                self.orders[o.id] = o
        self.seen: dict[str, dict[str, set[str]]] = {}  # actor -> order id -> clear fields
        self.exports: dict[str, list[list[str]]] = {}  # analyst -> order ids per export
        self.party_of: dict[str, str] = {}
        incident_actors = {i.actor.id for i in sim.incidents}
        for ev in events:
            a = ev["actor"]
            if ev["action"] not in ("view", "reveal", "export", "print") or ev.get("role") == "service":
                continue
            keep = a in incident_actors or ev["role"] in ("merchant_operator", "analyst")
            if not keep:
                continue
            self.party_of[a] = ev["party"]
            if ev["role"] == "analyst" and ev["action"] == "export" and a not in incident_actors:
                self.exports.setdefault(a, []).append([r for r in ev.get("records") or [] if r in self.orders])
                continue
            recs = ev.get("records") or []
            by_subject = {self.orders[r].customer: r for r in recs if r in self.orders}
            seen = self.seen.setdefault(a, {})
            for s in ev["subjects"]:
                key = by_subject.get(s, s)
                seen.setdefault(key, set()).update(ev["fields"])
        self.incident_actors = sorted(incident_actors)
        self.canaries = canaries or []

    # -- values ------------------------------------------------------------------------------------
    def _values(self, subject: str, order_id: str | None) -> dict[str, str]:
        p = self.people[subject]
        v = {"name": p["name"], "phone": p["phone"], "address": p["address"]}
        o = self.orders.get(order_id or "")
        if o is not None:
            v.update(goods=GOODS[o.goods], order_id=o.id, amount=f"{o.amount_cents / 100:.2f}",
                     order_time=ts(self.sim.config.start + __import__("datetime").timedelta(days=o.day), o.seconds),
                     waybill_no=o.waybill)
        return v

    # -- cases -------------------------------------------------------------------------------------
    def case(self, i: int, kind: str) -> LeakCase | None:
        rng = random.Random(f"{self.sim.config.seed}:leak:{i}:{kind}")
        maker = {"carrier": self._carrier, "merchant": self._merchant, "insider": self._insider,
                 "analyst": self._analyst}[kind]
        got = maker(rng)
        if got is None:
            return None
        party, actor, rows, fields = got
        fmt = rng.choice(FORMATS[kind])
        c = LeakCase(f"leak-{self.sim.config.seed}-{i:03d}", kind, party, actor, fmt,
                     sorted({r.subject for r in rows}), fields, 0)
        canaries = [x for x in self.canaries if party in x["parties"]]
        for x in canaries[:1]:
            rows.append(_Row(x["subject"], {k: x["fields"][k] for k in fields if k in x["fields"]}))
            c.canaries.append(x["subject"])
        self._blur(rng, rows, kind, fmt)
        noise = [self._noise(rng, fields) for _ in range(rng.randrange(0, 5))]
        c.noise = len(noise)
        allrows = rows + noise
        rng.shuffle(allrows)
        c.content = self._write(rng, allrows, fields, fmt)
        return c

    def _carrier(self, rng: random.Random) -> tuple[str, str | None, list[_Row], list[str]] | None:
        carrier = rng.choice(("SF", "YTO", "ZTO", "JD", "EMS"))
        pool = [o for o in self.orders.values() if o.carrier == carrier]
        if len(pool) < 10:
            return None
        fields = ["name", "phone", "address", "goods"] + (["waybill_no"] if rng.random() < 0.2 else [])
        picked = rng.sample(pool, rng.randrange(8, min(40, len(pool))))
        rows = [_Row(o.customer, {k: v for k, v in self._values(o.customer, o.id).items() if k in fields})
                for o in picked]
        return f"logistics:{carrier}", None, rows, fields

    def _merchant(self, rng: random.Random) -> tuple[str, str | None, list[_Row], list[str]] | None:
        need = {"name", "address", "amount", "order_time"}
        ops = [(a, [r for r, f in seen.items() if need <= f and r in self.orders])
               for a, seen in sorted(self.seen.items()) if self.party_of[a].startswith("merchant:")]
        ops = [(a, rs) for a, rs in ops if len(rs) >= 8]
        if not ops:
            return None
        actor, recs = rng.choice(ops)
        fields = ["name", "address", "goods", "order_id", "order_time", "amount"]
        if rng.random() < 0.3:
            fields.remove("order_id")
        if rng.random() < 0.4:
            fields.append("phone")  # as the merchant sees it: masked
        picked = rng.sample(recs, min(len(recs), rng.randrange(8, 30)))
        rows = []
        for r in picked:
            v = {k: x for k, x in self._values(self.orders[r].customer, r).items() if k in fields}
            if "phone" in v:
                v["phone"] = v["phone"][:3] + "****" + v["phone"][7:]
            rows.append(_Row(self.orders[r].customer, v))
        return self.party_of[actor], actor, rows, fields

    def _insider(self, rng: random.Random) -> tuple[str, str | None, list[_Row], list[str]] | None:
        need = {"name", "phone", "address"}
        cands = []
        for a in self.incident_actors:
            seen = self.seen.get(a, {})
            subj: dict[str, set[str]] = {}
            for key, f in seen.items():
                s = self.orders[key].customer if key in self.orders else key
                subj.setdefault(s, set()).update(f)
            ok = sorted(s for s, f in subj.items() if need <= f and s in self.people)
            if len(ok) >= 8:
                cands.append((a, ok))
        if not cands:
            return None
        actor, subjects = rng.choice(cands)
        fields = ["name", "phone", "address"]
        picked = rng.sample(subjects, min(len(subjects), rng.randrange(8, 40)))
        rows = [_Row(s, self._values(s, None)) for s in picked]
        return self.party_of[actor], actor, rows, fields

    def _analyst(self, rng: random.Random) -> tuple[str, str | None, list[_Row], list[str]] | None:
        cands = [(a, x) for a, xs in sorted(self.exports.items()) for x in xs if len(x) >= 20]
        if not cands:
            return None
        actor, recs = rng.choice(cands)
        fields = ["name", "phone", "goods", "order_time", "amount"]
        picked = rng.sample(recs, min(len(recs), rng.randrange(10, 40)))
        rows = []
        for r in picked:
            v = {k: x for k, x in self._values(self.orders[r].customer, r).items() if k in fields}
            v["name"] = v["name"][0] + "*" * (len(v["name"]) - 1)
            v["phone"] = v["phone"][:3] + "****" + v["phone"][7:]
            rows.append(_Row(self.orders[r].customer, v))
        return self.party_of[actor], actor, rows, fields

    # -- blur, noise, writing ----------------------------------------------------------------------
    @staticmethod
    def _blur(rng: random.Random, rows: list[_Row], kind: str, fmt: str) -> None:
        """Masks and partial records as leaks really look (never so much that nothing identifies)."""
        if kind == "analyst":
            return
        for r in rows:
            v = r.values
            if "phone" in v and "*" not in v["phone"] and rng.random() < 0.2:
                v["phone"] = v["phone"][:3] + "****" + v["phone"][7:]
            elif fmt != "text" and "phone" in v and "address" in v and rng.random() < 0.1:
                del v["address"]  # partial record
            if "address" in v and rng.random() < 0.15:
                cut = v["address"].find("区")
                if cut >= 4:
                    v["address"] = v["address"][:cut + 1]  # only the district
            if fmt != "text" and "goods" in v and rng.random() < 0.1:
                del v["goods"]

    @staticmethod
    def _noise(rng: random.Random, fields: list[str]) -> _Row:
        """A row about someone who is not a customer."""
        phone = rng.choice(("139", "186", "151", "177")) + "".join(rng.choice("0123456789") for _ in range(8))
        v = {"name": rng.choice(_NOISE_NAMES), "phone": phone,
             "address": f"{rng.choice(_NOISE_PLACES)}{rng.randint(1, 300)}号", "goods": rng.choice(GOODS),
             "order_time": "2026-03-05T10:00:00+08:00", "amount": f"{rng.randrange(990, 59900) / 100:.2f}"}
        return _Row("", {k: x for k, x in v.items() if k in fields})

    @staticmethod
    def _write(rng: random.Random, rows: list[_Row], fields: list[str], fmt: str) -> str:
        if fmt == "csv":
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow(r.values)
            return buf.getvalue()
        if fmt == "jsonl":
            return "".join(orjson.dumps(r.values).decode() + "\n" for r in rows)
        paras = []
        for k, r in enumerate(rows, 1):
            v = r.values
            s = rng.choice(_OPENERS).format(k=k, who=rng.choice(_WHO))
            if "name" in v:
                s += f"叫出了我的名字{v['name']}，" if rng.random() < 0.5 else f"问是不是{v['name']}先生/女士，"
            if "phone" in v:
                s += f"知道我的手机号{v['phone']}，"
            if "address" in v:
                s += f"还报出收货地址{v['address']}，"
            if "goods" in v:
                s += f"说我买的{v['goods']}在运输中丢失了，"
            s += rng.choice(("要我加微信办理理赔。", "让我下载会议软件共享屏幕。", "要求先交保证金。"))
            paras.append(s)
        if rng.random() < 0.5:
            paras.insert(rng.randrange(len(paras) + 1), "受害人表示当天还接到过几个推销电话，没有细节。")
        return "\n\n".join(paras) + "\n"


def make_cases(sim: Simulation, people: list[dict[str, str]], events: Iterable[dict[str, Any]], n: int = 30,
               canaries: list[dict[str, Any]] | None = None) -> list[LeakCase]:
    """``n`` leak cases cycling through the kinds (carrier, merchant, insider, analyst)."""
    f = LeakFactory(sim, people, events, canaries)
    out: list[LeakCase] = []
    i = 0
    while len(out) < n and i < 4 * n + 8:
        kind = ("carrier", "merchant", "insider", "analyst", "carrier")[i % 5]
        c = f.case(i, kind)
        i += 1
        if c is not None:
            out.append(c)
    return out
