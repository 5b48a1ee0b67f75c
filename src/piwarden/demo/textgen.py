"""Seeded synthetic labeled text: Chinese and English business text full of PI.

Records have the form of ``shared/data`` plus the genre and the language::

    {"id": "synth-000017", "text": "...", "spans": [{"start": 4, "end": 15, "label": "PHONE"}],
     "genre": "waybill", "lang": "zh"}

Text is assembled from templates (:mod:`piwarden.demo.textgen_genres`). A placeholder in
upper case, ``{PHONE}``, ``{BANK_CARD:spaced}`` or ``{PERSON#2}``, draws a fresh valid value
of that label (``:variant`` picks a form, ``#n`` repeats the same value within a record) and
records its span while the text is being appended, so offsets are exact by construction. A
lower-case placeholder, ``{s}``, ``{amount}``, ``{time}``, draws unlabeled filler. Records
marked ``"hard_negative": true`` carry no spans but look-alikes that must not be flagged:
numbers failing their check digit, hotlines, amounts, timestamps, codes, versions, and
court judgments whose parties were already de-identified (张某, 138****5678).

>>> recs = list(generate(3, seed=7))
>>> all(r["text"][s["start"]:s["end"]] for r in recs for s in r["spans"])
True
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from piwarden.demo import textgen_values as V

T = TypeVar("T")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_0-9]+)(?::([a-z0-9_]+))?(?:#(\d+))?\}")
HARD_NEGATIVE_SHARE = 0.2


class Doc:
    """Text under construction and the spans of the labeled values appended to it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[dict[str, Any]] = []
        self.length = 0

    def text(self, s: str) -> Doc:
        self.parts.append(s)
        self.length += len(s)
        return self

    def value(self, s: str, label: str) -> Doc:
        self.spans.append({"start": self.length, "end": self.length + len(s), "label": label, "value": s})
        return self.text(s)

    def build(self) -> str:
        return "".join(self.parts)


class Gen:
    """Random source for one run: values by label and language, fillers, Faker personas."""

    def __init__(self, seed: int) -> None:
        from faker import Faker  # only the generator needs Faker (a dev dependency)

        self.rng = random.Random(seed)
        self.faker = {"zh": Faker("zh_CN"), "en": Faker("en_US")}
        self.faker["zh"].seed_instance(seed)
        self.faker["en"].seed_instance(seed + 1)
        self.lang = "zh"
        self.memo: dict[str, str] = {}

    # -- template filling -------------------------------------------------------------------
    def fill(self, doc: Doc, template: str) -> Doc:
        """Append ``template`` to ``doc``, drawing a value for each placeholder."""
        pos = 0
        for m in _PLACEHOLDER.finditer(template):
            doc.text(template[pos:m.start()])
            name, variant, ref = m.groups()
            key = f"{name}:{variant}#{ref}"
            if ref is not None and key in self.memo:
                value = self.memo[key]
            else:
                value = self.draw(name, variant)
                if ref is not None:
                    self.memo[key] = value
            if name.isupper():
                doc.value(value, name)
            else:
                doc.text(value)
            pos = m.end()
        return doc.text(template[pos:])

    def draw(self, name: str, variant: str | None = None) -> str:
        table = VALUES if name.isupper() else FILLERS
        try:
            make = table[name]
        except KeyError:
            raise KeyError(f"no generator for placeholder {{{name}}}") from None
        return make(self, variant)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def sep(self) -> str:
        """Label-to-value separator; glued (no separator) in about half the cases."""
        if self.lang == "en":
            return self.rng.choice([": ", ": ", " ", " #", ":"])
        return self.rng.choices(["", "：", ":", " ", "是"], weights=(48, 25, 10, 12, 5))[0]

    # -- personas -----------------------------------------------------------------------------
    def address(self) -> str:
        r, f = self.rng, self.faker[self.lang]
        if self.lang == "en":
            return f"{f.street_address()}, {f.city()}, {f.state_abbr()} {f.zipcode()}"
        street = f.street_name()
        tail = f"{r.randint(1, 999)}号"
        if r.random() < 0.6:
            tail += self.pick(["", "阳光", "锦绣", "金色", "世纪"]) + self.pick(["花园", "小区", "家园", "公寓"])
            tail += f"{r.randint(1, 30)}栋{r.randint(1, 6)}单元{r.randint(1, 33)}{r.randint(1, 4):02d}室"
        city = f.city()
        district = f.district().removesuffix("区") + "区"
        province = f.province() if r.random() < 0.6 else ""
        return f"{province}{city}{district}{street}{tail}"

    def email(self, variant: str | None) -> str:
        r, f = self.rng, self.faker[self.lang]
        if variant == "phone" or (self.lang == "zh" and r.random() < 0.25):
            return V.cn_mobile(r) + "@" + self.pick(["126.com", "163.com", "139.com", "sina.com"])
        if self.lang == "zh" and r.random() < 0.25:
            return V.qq(r) + "@qq.com"
        local = f.user_name()
        if r.random() < 0.4:
            local += self.pick(["", ".", "_"]) + str(r.randint(1, 999))
        return local + "@" + (f.free_email_domain() if r.random() < 0.7 else f.domain_name())


def _phone(g: Gen, variant: str | None) -> str:
    r = g.rng
    if g.lang == "en" and variant != "cn":
        return V.us_phone(r)
    if variant == "landline" or (variant is None and r.random() < 0.2):
        return V.cn_landline(r)
    m = V.cn_mobile(r)
    return m if variant == "plain" else V.format_cn_mobile(r, m)


def _card(g: Gen, variant: str | None) -> str:
    number = V.en_card(g.rng) if g.lang == "en" else V.unionpay_card(g.rng)
    if variant == "spaced" or (variant is None and g.rng.random() < 0.25):
        return V.group4(number, g.pick([" ", " ", "-"]) if g.lang == "en" else " ")
    return number


def _resident_id(g: Gen, variant: str | None) -> str:
    if variant == "legacy" or (variant is None and g.rng.random() < 0.08):
        return V.resident_id_legacy(g.rng)
    born = g.memo.pop("born", None)
    return V.resident_id(g.rng, dt.date.fromisoformat(born) if born else None)


def _dob(g: Gen, variant: str | None) -> str:
    born = V.birth_date(g.rng)
    g.memo["born"] = born.isoformat()  # a resident ID drawn later in the record agrees with it
    return V.dob_text(g.rng, born, g.lang)


def _payment(g: Gen, variant: str | None) -> str:
    return g.email(None) if g.rng.random() < 0.35 else V.cn_mobile(g.rng)


def _wechat(g: Gen, variant: str | None) -> str:
    return V.wechat_id(g.rng, g.faker["en"].user_name())


def _order(g: Gen, variant: str | None) -> str:
    return V.order_id(g.rng, g.lang)


def _waybill(g: Gen, variant: str | None) -> str:
    if g.lang == "en" or variant == "ems":
        return V.s10(g.rng, "CN" if g.lang == "zh" else g.pick(["US", "CN", "GB"]))
    if variant is None:
        return V.waybill(g.rng)[1]
    return {"sf": "SF", "yt": "YT", "jt": "JT"}[variant] + V.digits(g.rng, 13)


VALUES: dict[str, Callable[[Gen, str | None], str]] = {
    "PERSON": lambda g, v: g.faker["en" if v == "en" else g.lang].name(),
    "ADDRESS": lambda g, v: g.address(),
    "PHONE": _phone,
    "EMAIL": lambda g, v: g.email(v),
    "CN_RESIDENT_ID": _resident_id,
    "BANK_CARD": _card,
    "IBAN": lambda g, v: V.iban(g.rng),
    "US_SSN": lambda g, v: V.us_ssn(g.rng),
    "DRIVER_LICENSE": lambda g, v: V.us_driver_license(g.rng),
    "IP_ADDRESS": lambda g, v: V.ipv6(g.rng) if v == "v6" or (not v and g.rng.random() < 0.25) else V.ipv4(g.rng),
    "MAC_ADDRESS": lambda g, v: V.mac(g.rng),
    "IMEI": lambda g, v: V.imei(g.rng),
    "CN_USCC": lambda g, v: V.uscc(g.rng),
    "PASSPORT": lambda g, v: V.passport(g.rng),
    "CN_HKMO_PERMIT": lambda g, v: V.hkmo_permit(g.rng),
    "HK_ID": lambda g, v: V.hk_id(g.rng),
    "TW_ID": lambda g, v: V.tw_id(g.rng),
    "CN_LICENSE_PLATE": lambda g, v: V.plate(g.rng),
    "GPS_COORDINATE": lambda g, v: V.gps_en(g.rng) if g.lang == "en" else V.gps_cn(g.rng),
    "DATE_OF_BIRTH": _dob,
    "WAYBILL_NO": _waybill,
    "ORDER_ID": _order,
    "QQ_ID": lambda g, v: V.qq(g.rng),
    "WECHAT_ID": _wechat,
    "PAYMENT_ACCOUNT": _payment,
}


def _masked_name(g: Gen, variant: str | None) -> str:
    return g.faker["zh"].last_name() + g.pick(["某", "某", "某某", "某甲", "某乙"])


def _masked(g: Gen, variant: str | None) -> str:
    r = g.rng
    if variant == "id":
        rid = V.resident_id(r)
        return rid[:g.pick([3, 4, 6])].ljust(14, "*") + rid[14:]
    if variant == "card":
        return g.pick(["尾号", "尾号为", "6222 **** **** ", "6217********"]) + V.digits(r, 4)
    m = V.cn_mobile(r)
    return m[:3] + "****" + m[7:]


def _amount(g: Gen, variant: str | None) -> str:
    x = g.rng.randint(100, 9_999_999) / 100
    if g.lang == "en":
        return f"${x:,.2f}"
    return g.pick([f"¥{x:,.2f}", f"{x:.2f}元", f"人民币{x:,.2f}元", f"￥{x:.2f}"])


def _time(g: Gen, variant: str | None) -> str:
    t = dt.datetime(2026, 1, 1) + dt.timedelta(seconds=g.rng.randrange(120 * 86400))
    if variant == "compact":
        return t.strftime("%Y%m%d%H%M%S")
    return t.strftime(g.pick(["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S+08:00", "%Y/%m/%d %H:%M"]))


def _date(g: Gen, variant: str | None) -> str:
    d = dt.date(2026, 1, 1) + dt.timedelta(days=g.rng.randrange(120))
    return f"{d.year}年{d.month}月{d.day}日" if g.lang == "zh" else d.strftime("%B %d, %Y")


def _hotline(g: Gen, variant: str | None) -> str:
    if g.lang == "en":
        return g.pick(["1-800-275-2273", "1-888-280-4331", "800-642-7676", "1-877-242-2677"])
    return g.pick(["95588", "95533", "95555", "95566", "10086", "10010", "10000", "12315", "12345",
                   "400-820-8820", "4008208820", "400-111-1111", "95338", "95311"])


_WORDS = {
    "zh": {"goods": ["手机壳", "蓝牙耳机", "保温杯", "运动鞋", "茶叶礼盒", "婴儿奶粉", "笔记本电脑"],
           "bank": ["中国工商银行", "中国建设银行", "招商银行", "中国农业银行", "交通银行", "平安银行"]},
    "en": {"goods": ["phone case", "headphones", "coffee maker", "sneakers", "books"],
           "bank": ["Chase", "Bank of America", "Wells Fargo", "Citibank"]},
}

FILLERS: dict[str, Callable[[Gen, str | None], str]] = {
    "s": lambda g, v: g.sep(),
    "time": _time,
    "date": _date,
    "amount": _amount,
    "masked_name": _masked_name,
    "masked": _masked,
    "hotline": _hotline,
    "company": lambda g, v: g.faker[g.lang].company(),
    "goods": lambda g, v: g.pick(_WORDS[g.lang]["goods"]),
    "bank": lambda g, v: g.pick(_WORDS[g.lang]["bank"]),
    "city": lambda g, v: g.faker[g.lang].city(),
    "code": lambda g, v: V.digits(g.rng, g.pick([4, 6, 6])),
    "n": lambda g, v: str(g.rng.randint(2, 99)),
    "uid": lambda g, v: str(g.rng.randint(10_000, 99_999_999)),
    "policy": lambda g, v: "P" + V.digits(g.rng, 2) + "2026" + V.digits(g.rng, 12),
    "case": lambda g, v: f"（2026）{V.PROVINCES[g.rng.randrange(31)]}{g.rng.randint(1, 9):02d}"
                         f"{g.pick(['民初', '刑初', '民终'])}{g.rng.randint(100, 9999)}号",
    "bad_id": lambda g, v: V.resident_id_bad(g.rng),
    "bad_card": lambda g, v: V.luhn_bad(g.rng, g.pick([16, 18, 19]), g.pick(["62", "4", ""])),
    "version": lambda g, v: ".".join(str(g.rng.randint(0, 20)) for _ in range(4)),
    "digits": lambda g, v: V.digits(g.rng, int(v or 12)),
    "invoice": lambda g, v: V.digits(g.rng, g.pick([8, 20])),
}


def _record(g: Gen, i: int, lang: str, hard: bool) -> dict[str, Any]:
    from piwarden.demo import textgen_genres as genres

    g.lang, g.memo = lang, {}
    doc = Doc()
    if hard:
        genre, templates = genres.hard_negative(g, lang)
    else:
        genre = g.pick(sorted(genres.GENRES[lang]))
        templates = genres.GENRES[lang][genre](g)
    for t in templates:
        g.fill(doc, t)
    rec: dict[str, Any] = {"id": f"synth-{i:06d}", "text": doc.build(), "spans": doc.spans,
                           "genre": genre, "lang": lang}
    if hard:
        if doc.spans:
            raise AssertionError(f"hard negative template drew labeled values: {templates}")
        rec["hard_negative"] = True
    return rec


def generate(n: int, seed: int, lang: str = "both", *, with_values: bool = False) -> Iterator[dict[str, Any]]:
    """``n`` labeled records, the same for the same ``seed``; ``lang`` is zh, en or both.

    ``with_values`` keeps each span's generated value under ``"value"`` (for tests); by
    default spans carry only start, end and label, as in ``shared/data``.
    """
    if lang not in ("zh", "en", "both"):
        raise ValueError("lang must be 'zh', 'en' or 'both'")
    g = Gen(seed)
    for i in range(n):
        rec_lang = lang if lang != "both" else ("zh" if g.rng.random() < 0.6 else "en")
        rec = _record(g, i, rec_lang, g.rng.random() < HARD_NEGATIVE_SHARE)
        if not with_values:
            for span in rec["spans"]:
                del span["value"]
        yield rec


def write_jsonl(path: str | Path, n: int, seed: int, lang: str = "both") -> Path:
    """Write ``generate(n, seed, lang)`` to ``path`` as JSON Lines (UTF-8); returns the path."""
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rec in generate(n, seed, lang):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


# -- training records for the name/address/organisation model ------------------------------

_OPEN, _CLOSE = "\x01", "\x02"


def generate_with_orgs(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` records of :func:`generate` with company names labeled ORG (``piwarden ner train``).

    The generator draws company names as unlabeled filler; here they are drawn between two
    marker characters, which are then removed and turned into ORG spans.
    """
    company = FILLERS["company"]
    FILLERS["company"] = lambda g, v: _OPEN + company(g, v) + _CLOSE
    try:
        recs = list(generate(n, seed))
    finally:
        FILLERS["company"] = company
    return [_unmark(r) for r in recs]


def _unmark(rec: dict[str, Any]) -> dict[str, Any]:
    text = rec["text"]
    if _OPEN not in text:
        return rec
    new_pos, out, orgs, opened = list[int](), list[str](), list[dict[str, Any]](), 0
    for ch in text:
        new_pos.append(len(out))
        if ch == _OPEN:
            opened = len(out)
        elif ch == _CLOSE:
            orgs.append({"start": opened, "end": len(out), "label": "ORG"})
        else:
            out.append(ch)
    new_pos.append(len(out))
    spans = [{**s, "start": new_pos[s["start"]], "end": new_pos[s["end"]]} for s in rec["spans"]]
    return {**rec, "text": "".join(out), "spans": sorted(spans + orgs, key=lambda s: s["start"])}
