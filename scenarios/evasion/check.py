"""Self-check of the evasion generator: every label must be exactly what the text says.

    python scenarios/evasion/check.py [--records 400] [--seeds 1 2 3 4 5 101 102 103]

The un-evasion below is written separately from generate.py (its own character tables, built from
``unicodedata`` where possible), so that a rendering bug shows up as a mismatch instead of cancelling out.
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

HERE = Path(__file__).resolve().parent
ALL_FORMS = {"fullwidth", "chinese_numerals", "capital_numerals", "circled", "homoglyph", "mixed", "spaced",
             "emoji_separated", "zero_width", "email_at", "email_dot", "cue_wechat", "cue_qq"}
ZW = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"}
CHINESE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"幺": 1, "两": 2}
CAPITAL = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
HOMOGLYPH = {"O": 0, "o": 0, "l": 1, "I": 1}
SEPARATORS = set(" -./·，、…嗯呃\u3000")
SYMBOLS = set("~*|\ufe0f")
PLAIN_CUES = {"QQ_ID": ("qq号码", "qq号", "qq no.", "qq"), "WECHAT_ID": ("微信号", "微信", "wechat id", "wechat")}
DISGUISED_CUES = {"QQ_ID": ("扣扣", "企鹅", "企鹅号", "叩叩", "抠抠", "球球", "🐧", "q号", "扣", "q", "penguin"),
                  "WECHAT_ID": ("v信", "薇信", "威信", "维信", "徽信", "vx", "wx", "微❤", "薇❤", "卫星", "绿泡泡", "v",
                                "薇", "🛰️", "weixin")}
MOBILE = re.compile(r"1[3-9]\d{9}")
WECHAT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
EMAIL = re.compile(r"[a-z0-9._]+@[a-z0-9-]+(\.[a-z0-9-]+)+")


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("evasion_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------------ validity
def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(number[::-1]):
        d = int(ch) if i % 2 == 0 else int(ch) * 2
        total += d if d < 10 else d - 9
    return total % 10 == 0


def resident_id_ok(s: str) -> bool:
    if not re.fullmatch(r"[1-6]\d{16}[\dX]", s):
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643: W_i = 2^(i-1) mod 11, counted from the right
    check = (12 - sum(int(c) * w for c, w in zip(s[:17], weights, strict=True)) % 11) % 11
    return date(1900, 1, 1) <= born <= date.today() and s[17] == ("X" if check == 10 else str(check))


def value_ok(typ: str, v: str) -> bool:
    return {
        "PHONE": lambda: bool(MOBILE.fullmatch(v) or re.fullmatch(r"0\d{2,3}[2-8]\d{6,7}", v)),
        "CN_RESIDENT_ID": lambda: resident_id_ok(v),
        "BANK_CARD": lambda: bool(re.fullmatch(r"[3-6]\d{15,18}", v)) and luhn_ok(v),
        "QQ_ID": lambda: bool(re.fullmatch(r"[1-9]\d{4,10}", v)),
        "WECHAT_ID": lambda: bool(WECHAT.fullmatch(v) or MOBILE.fullmatch(v)),
        "EMAIL": lambda: bool(EMAIL.fullmatch(v)),
    }[typ]()


# ------------------------------------------------------------------------------------------------ un-evasion
def digit_of(c: str) -> tuple[int, str] | None:
    """(digit, style) of one character, or None if it is no digit in any supported form."""
    if "0" <= c <= "9":
        return int(c), "ascii"
    if c in HOMOGLYPH:
        return HOMOGLYPH[c], "homoglyph"
    if c in CHINESE:
        return CHINESE[c], "chinese_numerals"
    if c in CAPITAL:
        return CAPITAL[c], ("capital_numerals" if c != "零" else "zero")  # 零 is shared by both numeral sets
    d = unicodedata.digit(c, None)
    if d is None:
        return None
    return d, ("fullwidth" if "\uff10" <= c <= "\uff19" else "circled")


def is_symbol(c: str) -> bool:
    return c in SYMBOLS or unicodedata.category(c) in ("So", "Sm", "Sk")


def unevade_number(s: str, typ: str, claimed: set[str]) -> tuple[str, set[str]]:
    out, seen, styles = [], set(), set()
    for c in s:
        if c in ZW:
            seen.add("zero_width")
        elif c in SEPARATORS:
            seen.add("spaced")
        elif is_symbol(c):
            seen.add("emoji_separated")
        elif c in "XxＸ" and typ == "CN_RESIDENT_ID":
            out.append("X")
            styles |= {"fullwidth"} if c == "Ｘ" else set()
        else:
            got = digit_of(c)
            if got is None:
                raise ValueError(f"unexpected character {c!r} in {s!r}")
            d, st = got
            if st == "zero":
                st = "capital_numerals" if "capital_numerals" in claimed and "chinese_numerals" not in claimed \
                    else "chinese_numerals"
            if st == "homoglyph":
                seen.add("homoglyph")
                st = "ascii"
            styles.add(st)
            out.append(str(d))
    seen |= (styles - {"ascii"}) | ({"mixed"} if len(styles) > 1 else set())
    return "".join(out), seen


def unevade_alnum(s: str) -> tuple[str, set[str]]:
    out, seen = [], set()
    for c in s:
        if c in ZW:
            seen.add("zero_width")
        elif c == " ":
            seen.add("spaced")
        elif is_symbol(c):
            seen.add("emoji_separated")
        elif c in CHINESE:
            seen.add("chinese_numerals")
            out.append(str(CHINESE[c]))
        else:
            n = unicodedata.normalize("NFKC", c)
            if not re.fullmatch(r"[A-Za-z0-9_-]", n):
                raise ValueError(f"unexpected character {c!r} in {s!r}")
            seen |= {"fullwidth"} if n != c else set()
            out.append(n)
    return "".join(out), seen


AT_RE = re.compile(r"\s*(?:[\[({【]\s*(?:at|艾特)\s*[\])}】]|\s+at\s+|艾特|#)\s*")
DOT_RE = re.compile(r"(?:[\[(]dot[\])]|\sdot\s|dot|点|。)")


def unevade_email(s: str) -> tuple[str, set[str]]:
    seen = {"zero_width"} if any(c in ZW for c in s) else set()
    s = "".join(c for c in s if c not in ZW)
    if any(unicodedata.normalize("NFKC", c) != c and unicodedata.normalize("NFKC", c).isascii() for c in s):
        seen.add("fullwidth")
    s = unicodedata.normalize("NFKC", s)
    if "@" not in s:
        s, n = AT_RE.subn("@", s, count=1)
        seen |= {"email_at"} if n else set()
    local, _, domain = s.partition("@")
    domain, n = DOT_RE.subn(".", domain)
    seen |= {"email_dot"} if n else set()
    return (local + "@" + domain).lower(), seen


# ------------------------------------------------------------------------------------------------ checks
def digit_like(c: str) -> bool:
    return c in ZW or (digit_of(c) is not None and c not in HOMOGLYPH)


def check_span(text: str, sp: dict[str, Any], errors: list[str], rid: str) -> None:
    s, e, typ, value, forms = sp["start"], sp["end"], sp["type"], sp["value"], set(sp["evasion"])
    where = f"{rid} {typ} [{s}:{e}] {text[s:e]!r}"
    if not (0 <= s < e <= len(text)) or set(sp) != {"start", "end", "type", "evasion", "value"}:
        errors.append(f"{where}: bad offsets or keys")
        return
    piece = text[s:e]
    if not forms <= ALL_FORMS or len(sp["evasion"]) != len(forms):
        errors.append(f"{where}: unknown or repeated form {sp['evasion']}")
    if not value_ok(typ, value):
        errors.append(f"{where}: value {value!r} is not a valid {typ}")
    if piece[0].isspace() or piece[-1].isspace() or piece[0] in ZW or piece[-1] in ZW:
        errors.append(f"{where}: span starts or ends with blank or zero-width")
    cue_forms = forms & {"cue_qq", "cue_wechat"}
    try:
        if typ == "EMAIL":
            got, seen = unevade_email(piece)
            if "#" in unicodedata.normalize("NFKC", piece) and "@" not in text[e:e + 12]:
                errors.append(f"{where}: '#' used for @ without a note after the span")
        elif typ == "WECHAT_ID" and not value.isdigit():
            got, seen = unevade_alnum(piece)
        else:
            got, seen = unevade_number(piece, typ, forms)
    except ValueError as exc:
        errors.append(f"{where}: {exc}")
        return
    plain_landline = typ == "PHONE" and value.startswith("0") and not forms and piece.count("-") == 1
    if plain_landline and piece.replace("-", "") == value:
        seen.discard("spaced")
    if got != value:
        errors.append(f"{where}: un-evaded {got!r} != value {value!r}")
    if seen != forms - cue_forms:
        errors.append(f"{where}: forms seen {sorted(seen)} != claimed {sorted(forms - cue_forms)}")
    if not forms and piece != value and not plain_landline:
        errors.append(f"{where}: no form claimed but text differs from value")
    id_chars = {"EMAIL": r"[A-Za-z0-9_.@-]", "WECHAT_ID": r"[A-Za-z0-9_-]"}.get(typ) if not value.isdigit() else None
    after = text[e:e + 2]
    for c in (text[s - 1] if s else "", after[:1]):
        if c == "." and c == after[:1] and not re.match(r".[A-Za-z0-9_]", after):
            continue  # a full stop ending the sentence
        if c and (digit_like(c) or (id_chars and re.fullmatch(id_chars, unicodedata.normalize("NFKC", c)))):
            errors.append(f"{where}: ambiguous boundary, neighbour {c!r}")
    if typ in ("QQ_ID", "WECHAT_ID"):
        window = text[max(0, s - 14):s].lower().rstrip(" ：:是")
        plain = any(window.endswith(c) for c in PLAIN_CUES[typ])
        disguised = not plain and any(window.endswith(c) for c in DISGUISED_CUES[typ])
        if not (plain or disguised):
            errors.append(f"{where}: no {typ} cue right before the span: {window!r}")
        elif disguised != bool(cue_forms):
            errors.append(f"{where}: cue form {sorted(cue_forms)} but window {window!r}")


def pi_like_runs(text: str) -> list[str]:
    """Maximal runs of ASCII/full-width digits, and of Chinese numerals, as digit strings."""
    runs = re.findall(r"[0-9０-９]+", text) + re.findall(r"[〇一二三四五六七八九幺两]+", text)
    return ["".join(str(digit_of(c)[0]) for c in run) for run in runs]  # type: ignore[index]


def looks_like_pi(run: str) -> bool:
    return bool(MOBILE.fullmatch(run)) or (len(run) == 18 and resident_id_ok(run)) or (
        16 <= len(run) <= 19 and run[0] in "3456" and luhn_ok(run))


def check_record(rec: dict[str, Any], errors: list[str]) -> None:
    text, rid = rec["text"], rec["id"]
    for sp in rec["spans"]:
        check_span(text, sp, errors, rid)
    ranges = [(x["start"], x["end"], "span") for x in rec["spans"]] + [(n["start"], n["end"], "neg") for n in rec["negatives"]]
    ranges.sort()
    for (s1, e1, k1), (s2, _, k2) in pairwise(ranges):
        if s2 < e1:
            errors.append(f"{rid}: overlapping {k1}/{k2} at {s1}-{e1} and {s2}")
    for neg in rec["negatives"]:
        s, e = neg["start"], neg["end"]
        if not (0 <= s < e <= len(text)) or not isinstance(neg.get("kind"), str):
            errors.append(f"{rid}: bad negative {neg}")
        elif any(looks_like_pi(run) for run in pi_like_runs(text[s:e])):
            errors.append(f"{rid}: negative {text[s:e]!r} contains a valid identifier")
    outside, last = [], 0
    for s, e, _ in ranges:
        outside.append(text[last:s])
        last = max(last, e)
    outside.append(text[last:])
    rest = "\x00".join(outside)
    if any(c in ZW for c in rest):
        errors.append(f"{rid}: zero-width character outside spans")
    if any(looks_like_pi(run) for run in pi_like_runs(rest)):
        errors.append(f"{rid}: unlabeled identifier-like run outside spans: {rest!r}")


def check_cli(seed: int, n: int, errors: list[str]) -> None:
    """Same seed, same bytes, across processes with different hash seeds; other seed, other bytes."""
    blobs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (sd, hs) in enumerate(((seed, "1"), (seed, "999"), (seed + 1, "1"))):
            out = Path(tmp) / f"{k}.jsonl"
            env = {**os.environ, "PYTHONHASHSEED": hs}
            subprocess.run([sys.executable, str(HERE / "generate.py"), "--seed", str(sd), "--records", str(n),
                            "--out", str(out)], check=True, env=env)
            blobs.append(out.read_bytes())
    if blobs[0] != blobs[1]:
        errors.append("CLI output differs between runs of the same seed")
    if blobs[0] == blobs[2]:
        errors.append("CLI output identical for different seeds")
    if [json.loads(line)["id"] for line in blobs[0].decode().splitlines()] != [f"evasion-s{seed}-{i:06d}" for i in range(n)]:
        errors.append("CLI ids not as expected")


def mutation_selftest(records: list[dict[str, Any]], errors: list[str]) -> None:
    """The checks must fail on labels that are slightly wrong."""
    def bump(v: str) -> str:
        return v[:-1] + ("0" if v[-1] != "0" else "1")

    mutations = (lambda s: s.update(start=s["start"] + 1), lambda s: s.update(end=s["end"] - 1),
                 lambda s: s.update(value=bump(s["value"])), lambda s: s.update(evasion=s["evasion"][1:]),
                 lambda s: s.update(evasion=[f for f in ("zero_width", "homoglyph", "circled") if f not in s["evasion"]][:1]
                                    + s["evasion"]))
    picked = [r for r in records if any(len(s["evasion"]) > 1 for s in r["spans"])][:40]
    for rec in picked:
        i = next(k for k, s in enumerate(rec["spans"]) if len(s["evasion"]) > 1)
        for j, mutate in enumerate(mutations):
            bad = json.loads(json.dumps(rec))
            mutate(bad["spans"][i])
            found: list[str] = []
            check_record(bad, found)
            if not found:
                errors.append(f"{rec['id']}: mutation {j} of span {i} not caught")
        bad = json.loads(json.dumps(rec))
        bad["negatives"].append({"start": bad["spans"][i]["start"], "end": bad["spans"][i]["start"] + 1, "kind": "x"})
        found = []
        check_record(bad, found)
        if not found:
            errors.append(f"{rec['id']}: negative overlapping a span not caught")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=400)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 101, 102, 103])
    args = ap.parse_args()
    gen = load_generator()
    errors: list[str] = []
    records = []
    for seed in args.seeds:
        batch = gen.generate_records(seed, args.records)
        if batch != gen.generate_records(seed, args.records):
            errors.append(f"seed {seed}: not deterministic in-process")
        records += batch
    for rec in records:
        check_record(rec, errors)
    mutation_selftest(records, errors)
    check_cli(args.seeds[0], 60, errors)
    forms = Counter(f for r in records for s in r["spans"] for f in s["evasion"])
    share_neg = sum(1 for r in records if r["negatives"]) / len(records)
    summary = {
        "records": len(records), "spans": sum(len(r["spans"]) for r in records),
        "plain_spans": sum(1 for r in records for s in r["spans"] if not s["evasion"]),
        "share_with_negatives": round(share_neg, 3),
        "all_negative": sum(1 for r in records if r["negatives"] and not r["spans"]),
        "missing_forms": sorted(ALL_FORMS - set(forms)),
        "types": dict(Counter(s["type"] for r in records for s in r["spans"])),
        "genres": dict(Counter(r["genre"] for r in records)), "langs": dict(Counter(r["lang"] for r in records)),
    }
    if summary["missing_forms"] or not 0.3 <= share_neg <= 0.42 or summary["all_negative"] < len(records) * 0.04:
        errors.append(f"coverage: {summary}")
    if len(summary["types"]) != 6 or len(summary["genres"]) != 5 or summary["plain_spans"] < summary["spans"] * 0.08:
        errors.append(f"coverage: {summary}")
    print(json.dumps(summary, ensure_ascii=False))
    for err in errors[:60]:
        print("FAIL", err)
    print(f"{len(errors)} problem(s)" if errors else "OK: every span, negative and form checked")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
