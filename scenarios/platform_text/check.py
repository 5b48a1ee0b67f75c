"""Self-check of the platform-text generator: every label must be exactly what the text says.

    python scenarios/platform_text/check.py [--records 300] [--seeds 1 2 3 4 5 101 102 103]

The tables below (surnames, titles, address markers, boundary characters) are written separately from
generate.py, so that a labeling bug shows up as a mismatch instead of cancelling out. The only shared source is
Faker's own zh_CN surname list, which generate.py draws names from.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from faker.providers.person.zh_CN import Provider as ZhPerson

HERE = Path(__file__).resolve().parent
GENRES = {"waybill", "cs_chat", "callcenter_note", "form_record", "delivery_note", "insurance_claim", "bank_remark",
          "hr_record"}
TYPES = {"PERSON", "ADDRESS", "PHONE", "EMAIL", "CN_RESIDENT_ID"}
NEG_KINDS = {"product_brand", "person_named_brand", "store_name", "surname_like_word", "surname_like_place", "job_title",
             "surname_title", "bare_place", "order_number", "sku_code", "tracking_number", "masked_name", "masked_phone",
             "postcode", "organization", "logistics_facility", "community_without_number", "room_number", "nickname"}

# ------------------------------------------------------------------------------------------------ own tables
TOP_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕丁沈姚卢"
                   "姜崔钟谭陆汪范金石廖贾夏韦付邹孟熊秦邱尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤")
UNCOMMON_SURNAMES = set("禤仉亓佘靳栾邝冼阚缪訾郗逯蒯帅操植晏矫苟麻揭蔺佟寇郜")
COMPOUND = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "慕容", "令狐", "公孙", "夏侯", "长孙", "司徒", "端木",
            "宇文", "澹台"}
COMPOUND_FIRST = {c[0] for c in COMPOUND}
ALL_SURNAMES = TOP_SURNAMES | UNCOMMON_SURNAMES | {k for k in ZhPerson.last_names if len(k) == 1}
WORD_GIVEN = {"建国", "海燕", "春花", "平安", "国庆", "建军", "秀英", "桂兰", "红梅", "志强", "丽华", "卫东", "向阳", "胜利",
              "和平", "金花", "富贵", "冬梅", "光明", "长江", "美丽", "文静", "春燕", "玉兰", "秋菊", "爱民", "振华", "跃进"}
# characters of Uyghur / Tibetan / Mongolian names in Chinese transliteration
MINORITY_CHARS = set("阿依古丽娜扎迪努尔热拉买提艾力不都吐逊帕肯合曼麦祖菲亚玛再兰则孜山明司马义尼卡德玉素甫西次仁卓格桑多吉"
                     "姆央金平措顿珠达瓦旺堆白索朗巴特乌图雅苏日额敦其那花宝音斯琴高娃坦仓门木")
# minority-name characters that also start everyday words (那里, 不用, 多少): not evidence of a cut-off name
MINORITY_BOUNDARY = MINORITY_CHARS - set("那不日其多山明西白金门木平")
TITLES = ("先生", "女士", "小姐", "老师", "经理", "师傅", "总", "同学", "主任", "主管", "姐", "哥", "阿姨", "大爷")
# given-name characters that would continue a name if they followed a name span
NAME_CONT = (set("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞刚桂英玉兰萍红鹏辉斌宇浩凯健俊帆旭琳颖婷雪慧倩晶晨欣佳怡嘉梓涵萱"
                 "轩睿博思雨诗梦峰波鑫燕铭瑶琪") | set("".join(ZhPerson.first_names))) - set("小")
PROVINCE_RE = re.compile(r"(北京|上海|天津|重庆)(市)?|[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,8}自治区|香港特别行政区|澳门特别行政区")
LEVEL_RE = re.compile(r"省|自治区|特别行政区|市|地区|区|县|镇|乡|街道|村|组|路|街|大道|道|巷|弄|号院|号|小区|花园|苑|家园|公寓|新村|华庭|名邸"
                      r"|嘉园|城|期|楼|栋|幢|座|单元|室|层|SOHO|园|广场|中心|大厦|基地|新街口")
ADDR_END = set("0123456789室号楼栋座层组村区县市镇幢院弄道") | set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# characters allowed right before / right after an address when they are CJK (others must be blank or punctuation)
ADDR_PREV = set("在到至往于是为成址放寄送住改填写点区发由达")
ADDR_NEXT = set("门的附隔与发旁改")
EN_ADDR_WORDS = re.compile(r"\b(Road|Street|Avenue|St|Ave|Rd|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Plaza|Park|"
                           r"District|County|Area|Room|Rm|Apt|Suite|Unit|Building|Bldg|Tower|Ramp|Ways|Trail|Road|\w+)\b")
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}[- ]?[2-8]\d{6,7}")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("platform_text_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def is_punct_or_blank(c: str) -> bool:
    return c == "" or c.isspace() or unicodedata.category(c)[0] in "PS"


# ------------------------------------------------------------------------------------------------ value checks
def resident_id_ok(s: str) -> bool:
    if not re.fullmatch(r"[1-6]\d{16}[\dX]", s):
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = (12 - sum(int(c) * w for c, w in zip(s[:17], weights, strict=True)) % 11) % 11
    return date(1900, 1, 1) <= born <= date.today() and s[17] == ("X" if check == 10 else str(check))


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(number[::-1]):
        d = int(ch) if i % 2 == 0 else int(ch) * 2
        total += d if d < 10 else d - 9
    return total % 10 == 0


def name_kind(v: str) -> str | None:
    """The kind of name v is, or None if it does not look like a personal name."""
    if re.fullmatch(r"[A-Z][A-Za-z'-]+( [A-Z][A-Za-z'.-]+){1,2}", v):
        return "latin"
    if not all(cjk(c) or c == "·" for c in v):
        return None
    if "·" in v:
        parts = v.split("·")
        ok = len(parts) == 2 and all(2 <= len(p) <= 6 and set(p) <= MINORITY_CHARS for p in parts)
        return "minority_dot" if ok else None
    if v[:2] in COMPOUND and 3 <= len(v) <= 4:
        return "compound"
    if v[0] in ALL_SURNAMES and 2 <= len(v) <= 3:
        if v[1:] in WORD_GIVEN:
            return "wordlike"
        if v[0] in UNCOMMON_SURNAMES:
            return "rare"
        return "two_char" if len(v) == 2 else "three_char"
    if 2 <= len(v) <= 8 and set(v) <= MINORITY_CHARS:
        return "minority"
    return None


def address_kind(v: str) -> str | None:
    """A coarse kind of address, or None if v is not a plausible complete address span."""
    if v[0].isspace() or v[-1].isspace() or "\n" in v:
        return None
    if v.isascii():
        if not (v[0].isalnum() and v[-1].isalnum()) or not re.search(r"\d", v):
            return None
        if ", " not in v and not re.search(r"\b(Road|Street|Avenue|Lane)$", v):  # a road with its number alone
            return None
        return "english"
    if not (cjk(v[0]) or v[0].isalnum()) or v[-1] not in ADDR_END:
        return None
    levels = LEVEL_RE.findall(v)
    divisions = [x for x in levels if x in ("省", "自治区", "特别行政区", "市", "地区", "区", "县")]
    if re.search(r"[\u4e00-\u9fff]\d{1,2}-\d{1,2}-\d{3,4}$", v) and levels:  # 保利华庭17-5-1201
        levels.append("building-unit-room")
    if len(levels) < 2 or not (re.search(r"\d", v) or len(divisions) >= 2 or re.search(r"[A-Za-z]座", v)):
        return None
    if not re.search(r"\d|座", v):
        return "region_only"
    if " " in v and PROVINCE_RE.match(v):
        return "spaced"
    if "村" in v and re.search(r"[县市]", v):
        return "rural"
    if PROVINCE_RE.match(v):
        return "from_province"
    if re.match(r"[\u4e00-\u9fff]{2,5}(市|地区)", v):
        return "from_city"
    if re.match(r"[\u4e00-\u9fff]{1,4}(新区|区|县|市)", v):
        return "from_district"
    if re.match(r"[\u4e00-\u9fff]{2,6}(路|街|大道|街道)\d", v) or re.match(r"新街口\d", v):
        return "from_road"
    return "community_or_building"


# ------------------------------------------------------------------------------------------------ record checks
def check_span(text: str, sp: dict[str, Any], errors: list[str], rid: str, bounds: tuple[set[int], set[int]]) -> None:
    if set(sp) != {"start", "end", "type", "value"}:
        errors.append(f"{rid}: bad span keys {sorted(sp)}")
        return
    s, e, typ, v = sp["start"], sp["end"], sp["type"], sp["value"]
    where = f"{rid} {typ} [{s}:{e}] {text[s:e]!r}"
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)) or typ not in TYPES:
        errors.append(f"{where}: bad offsets or type")
        return
    if text[s:e] != v:
        errors.append(f"{where}: text differs from value {v!r}")
        return
    if v != v.strip() or is_punct_or_blank(v[0]) or (is_punct_or_blank(v[-1]) and not v.endswith(".")):
        errors.append(f"{where}: span starts or ends with blank or punctuation")
    prev, nxt = text[s - 1:s], text[e:e + 1]
    # a value written directly against another labeled value ("…501室张伟138…") is bounded by that value
    if s in bounds[1]:
        prev = ""
    if e in bounds[0]:
        nxt = ""
    if typ == "PERSON":
        if name_kind(v) is None:
            errors.append(f"{where}: does not look like a name")
        if v.endswith(TITLES) and name_kind(v[:-1]) is not None:
            errors.append(f"{where}: title inside the name span")
        if v.isascii():
            if ascii_alnum(prev) or ascii_alnum(nxt) or nxt == "'":
                errors.append(f"{where}: name boundary inside a word")
            if re.search(r"\b(Mr|Ms|Mrs|Dr)\.?$", text[max(0, s - 5):s].strip()) is None and prev == ".":
                errors.append(f"{where}: odd character before name")
        else:
            if prev in TOP_SURNAMES | UNCOMMON_SURNAMES | COMPOUND_FIRST or prev == "·" or nxt == "·":
                errors.append(f"{where}: name boundary after a surname character or at a middle dot")
            if name_kind(v) in ("minority", "minority_dot") and (prev in MINORITY_BOUNDARY or nxt in MINORITY_BOUNDARY):
                errors.append(f"{where}: minority name boundary inside the name")
            if nxt in NAME_CONT:
                errors.append(f"{where}: name followed by a given-name character {nxt!r}")
    elif typ == "ADDRESS":
        if address_kind(v) is None:
            errors.append(f"{where}: does not look like a complete address")
        if v.isascii():
            if ascii_alnum(prev) or ascii_alnum(nxt):
                errors.append(f"{where}: address boundary inside a word")
        else:
            if not (is_punct_or_blank(prev) or prev in ADDR_PREV or (prev.isascii() and not prev.isalnum())):
                errors.append(f"{where}: address starts after {prev!r}")
            if not (is_punct_or_blank(nxt) or nxt in ADDR_NEXT):
                errors.append(f"{where}: address ends before {nxt!r}")
    elif typ == "PHONE":
        digits = re.sub(r"[- ]", "", v)
        if not (MOBILE.fullmatch(digits) or LANDLINE.fullmatch(v) or re.fullmatch(r"0\d{2,3}[2-8]\d{6,7}", digits)):
            errors.append(f"{where}: not a phone number")
        if ascii_alnum(prev) or ascii_alnum(nxt):
            errors.append(f"{where}: digit or letter next to a phone number")
    elif typ == "EMAIL":
        if not EMAIL_RE.fullmatch(v) or re.match(r"[A-Za-z0-9._%+-]", prev or " ") or re.match(r"[A-Za-z0-9_%+-]", nxt or " "):
            errors.append(f"{where}: not a cleanly bounded e-mail address")
    elif typ == "CN_RESIDENT_ID" and (not resident_id_ok(v) or ascii_alnum(prev) or ascii_alnum(nxt)):
        errors.append(f"{where}: not a valid, cleanly bounded resident ID")



def check_negative(text: str, neg: dict[str, Any], errors: list[str], rid: str) -> None:
    if set(neg) != {"start", "end", "kind"}:
        errors.append(f"{rid}: bad negative keys {sorted(neg)}")
        return
    s, e, kind = neg["start"], neg["end"], neg["kind"]
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)) or kind not in NEG_KINDS:
        errors.append(f"{rid}: bad negative {neg}")
        return
    v = text[s:e]
    where = f"{rid} negative {kind} {v!r}"
    ok = {
        "surname_title": lambda: bool(re.fullmatch(r"(老|小)?([\u4e00-\u9fff]{1,2})(" + "|".join(TITLES) + ")?", v)
                                      and (v.lstrip("老小")[:2] in COMPOUND or v.lstrip("老小")[0] in ALL_SURNAMES)
                                      and (v[0] in "老小" or v.endswith(TITLES)))
                                 or bool(re.fullmatch(r"(Mr|Ms|Mrs)\.? [A-Z][A-Za-z'-]+", v)),
        "masked_name": lambda: "*" in v or "某" in v,
        "masked_phone": lambda: bool(re.fullmatch(r"1[3-9]\d\*{4}\d{4}", v)),
        "order_number": lambda: bool(re.fullmatch(r"\d{16,19}", v)) and not luhn_ok(v) and not resident_id_ok(v),
        "tracking_number": lambda: bool(re.fullmatch(r"[A-Z]{0,3}\d{12,15}", v)),
        "postcode": lambda: bool(re.fullmatch(r"[1-8]\d{5}", v)),
        "bare_place": lambda: address_kind(v) is None and len(LEVEL_RE.findall(v)) <= 1 and not re.search(r"\d", v),
        "room_number": lambda: address_kind(v) is None or not PROVINCE_RE.match(v),
        "community_without_number": lambda: not re.search(r"\d", v),
        "surname_like_place": lambda: v[0] in ALL_SURNAMES and address_kind(v) is None,
        "surname_like_word": lambda: len(v) == 2 and v[0] in ALL_SURNAMES,
    }.get(kind, lambda: True)()
    if not ok:
        errors.append(f"{where}: does not fit its kind")


def check_record(rec: dict[str, Any], errors: list[str]) -> None:
    if set(rec) != {"id", "genre", "lang", "text", "spans", "negatives"}:
        errors.append(f"{rec.get('id')}: bad record keys {sorted(rec)}")
        return
    text, rid = rec["text"], rec["id"]
    if rec["genre"] not in GENRES or rec["lang"] not in ("zh", "en"):
        errors.append(f"{rid}: bad genre or lang")
    bounds = ({x.get("start") for x in rec["spans"]}, {x.get("end") for x in rec["spans"]})
    for sp in rec["spans"]:
        check_span(text, sp, errors, rid, bounds)
    for neg in rec["negatives"]:
        check_negative(text, neg, errors, rid)
    ranges = sorted([(x["start"], x["end"], "span") for x in rec["spans"]] + [(n["start"], n["end"], "neg") for n in rec["negatives"]])
    for (s1, e1, k1), (s2, _, k2) in pairwise(ranges):
        if s2 < e1:
            errors.append(f"{rid}: overlapping {k1}/{k2} at {s1}-{e1} and {s2}")
    # every occurrence of a labeled value is labeled (no second, unlabeled mention; no value inside other text)
    at = {(x["start"], x["end"]) for x in rec["spans"]}
    for sp in rec["spans"]:
        v = sp["value"]
        for m in re.finditer(re.escape(v), text):
            if (m.start(), m.end()) not in at:
                errors.append(f"{rid}: {sp['type']} {v!r} also occurs unlabeled at {m.start()}")
    # nothing PI-like outside the spans
    outside, last = [], 0
    for s, e, k in ranges:
        if k == "span":
            outside.append(text[last:s])
            last = max(last, e)
    outside.append(text[last:])
    rest = "\x00".join(outside)
    for run in re.findall(r"\d+", rest):
        if MOBILE.fullmatch(run) or (len(run) == 18 and resident_id_ok(run)):
            errors.append(f"{rid}: unlabeled identifier-like run {run}")
    if re.search(r"(?<!\d)1[3-9]\d[- ]\d{4}[- ]\d{4}(?!\d)", rest) or EMAIL_RE.search(rest):
        errors.append(f"{rid}: unlabeled phone or e-mail outside spans")
    if re.search(r"(?<![A-Za-z])(\d{17}[\dX])(?!\d)", rest) and any(resident_id_ok(x) for x in re.findall(r"\d{17}[\dX]", rest)):
        errors.append(f"{rid}: unlabeled resident ID outside spans")


# ------------------------------------------------------------------------------------------------ runs
def check_cli(seed: int, n: int, errors: list[str]) -> None:
    """Same seed, same bytes, across processes with different hash seeds; other seed, other bytes."""
    blobs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (sd, hs) in enumerate(((seed, "1"), (seed, "777"), (seed + 1, "1"))):
            out = Path(tmp) / f"{k}.jsonl"
            env = {**os.environ, "PYTHONHASHSEED": hs}
            subprocess.run([sys.executable, str(HERE / "generate.py"), "--seed", str(sd), "--records", str(n),
                            "--out", str(out)], check=True, env=env)
            blobs.append(out.read_bytes())
    if blobs[0] != blobs[1]:
        errors.append("CLI output differs between runs of the same seed")
    if blobs[0] == blobs[2]:
        errors.append("CLI output identical for different seeds")
    if [json.loads(line)["id"] for line in blobs[0].decode().splitlines()] != [f"ptext-s{seed}-{i:06d}" for i in range(n)]:
        errors.append("CLI ids not as expected")


def mutation_selftest(records: list[dict[str, Any]], errors: list[str]) -> dict[str, str]:
    """The checks must fail on labels that are slightly wrong. Returns catch rates per mutation."""
    def trim_start(sp: dict[str, Any]) -> None:
        sp.update(start=sp["start"] + 1, value=sp["value"][1:])

    def trim_end(sp: dict[str, Any]) -> None:
        sp.update(end=sp["end"] - 1, value=sp["value"][:-1])

    def widen(sp: dict[str, Any], text: str) -> None:
        sp.update(end=sp["end"] + 1, value=text[sp["start"]:sp["end"] + 1])

    must = {"shift": lambda sp, t: sp.update(start=sp["start"] + 1), "value": lambda sp, t: sp.update(value=sp["value"] + "x"),
            "type": lambda sp, t: sp.update(type={"PERSON": "ADDRESS"}.get(sp["type"], "PERSON"))}
    soft = {"trim_start": lambda sp, t: trim_start(sp), "trim_end": lambda sp, t: trim_end(sp), "widen": widen}
    tried: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    for rec in records[:1500]:
        for i, sp in enumerate(rec["spans"]):
            if sp["type"] not in ("PERSON", "ADDRESS") or len(sp["value"]) < 3:
                continue
            for name, mutate in list(must.items()) + list(soft.items()):
                if name == "widen" and sp["end"] >= len(rec["text"]):
                    continue
                bad = json.loads(json.dumps(rec))
                mutate(bad["spans"][i], bad["text"])
                found: list[str] = []
                check_record(bad, found)
                key = f"{sp['type']}:{name}"
                tried[key] += 1
                caught[key] += bool(found)
                if not found and name in must:
                    errors.append(f"{rec['id']}: mutation {name} of span {i} not caught")
        if rec["spans"] and len(tried) < 100:
            bad = json.loads(json.dumps(rec))
            sp = bad["spans"][0]
            bad["negatives"].append({"start": sp["start"], "end": sp["start"] + 1, "kind": "order_number"})
            found = []
            check_record(bad, found)
            if not found:
                errors.append(f"{rec['id']}: negative overlapping a span not caught")
    rates = {k: f"{caught[k]}/{tried[k]}" for k in sorted(tried)}
    for k in tried:
        if k.endswith(tuple(soft)) and caught[k] < 0.9 * tried[k]:
            errors.append(f"mutation {k} caught only {rates[k]}")
    return rates


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=300)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 101, 102, 103])
    args = ap.parse_args()
    gen = load_generator()
    errors: list[str] = []
    records: list[dict[str, Any]] = []
    for seed in args.seeds:
        batch = gen.generate_records(seed, args.records)
        if batch != gen.generate_records(seed, args.records):
            errors.append(f"seed {seed}: not deterministic in-process")
        if [r["id"] for r in batch] != [f"ptext-s{seed}-{i:06d}" for i in range(args.records)]:
            errors.append(f"seed {seed}: ids not as expected")
        records += batch
    for rec in records:
        check_record(rec, errors)
    rates = mutation_selftest(records, errors)
    check_cli(args.seeds[0], 60, errors)
    spans = [s for r in records for s in r["spans"]]
    names = Counter(name_kind(s["value"]) for s in spans if s["type"] == "PERSON")
    addrs = Counter(address_kind(s["value"]) for s in spans if s["type"] == "ADDRESS")
    negs = Counter(n["kind"] for r in records for n in r["negatives"])
    langs = Counter(r["lang"] for r in records)
    summary = {
        "records": len(records), "spans": len(spans), "types": dict(Counter(s["type"] for s in spans)),
        "genres": dict(Counter(r["genre"] for r in records)), "langs": dict(langs),
        "no_pi_records": sum(1 for r in records if not r["spans"]),
        "records_with_negatives": sum(1 for r in records if r["negatives"]),
        "name_kinds": dict(names), "address_kinds": dict(addrs), "negative_kinds": dict(negs), "mutations_caught": rates,
    }
    missing = {
        "genres": sorted(GENRES - set(summary["genres"])), "types": sorted(TYPES - set(summary["types"])),
        "name_kinds": sorted({"latin", "minority_dot", "minority", "compound", "wordlike", "rare", "two_char", "three_char"} - set(names)),
        "address_kinds": sorted({"english", "region_only", "spaced", "rural", "from_province", "from_city", "from_district",
                                 "from_road", "community_or_building"} - set(addrs)),
        "negative_kinds": sorted(NEG_KINDS - set(negs)),
    }
    if any(missing.values()):
        errors.append(f"coverage: missing {missing}")
    one_lang = sorted(g for g in GENRES if {r["lang"] for r in records if r["genre"] == g} != {"zh", "en"})
    if one_lang:
        errors.append(f"coverage: genres without both languages: {one_lang}")
    en_share = langs["en"] / len(records)
    no_pi = summary["no_pi_records"] / len(records)
    if not 0.10 <= en_share <= 0.20 or not 0.04 <= no_pi <= 0.15:
        errors.append(f"coverage: en share {en_share:.3f}, no-PI share {no_pi:.3f}")
    for k, v in Counter(r["text"] for r in records).items():
        if v > 3 + len(records) // 2000:
            errors.append(f"coverage: the same text appears {v} times: {k!r}")
    print(json.dumps(summary, ensure_ascii=False))
    for err in errors[:60]:
        print("FAIL", err)
    print(f"{len(errors)} problem(s)" if errors else "OK: every span, negative and record checked")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
