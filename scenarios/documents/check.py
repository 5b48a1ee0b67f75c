#!/usr/bin/env python3
"""Verify a generated document-reuse scenario (see README.md).

Usage: python scenarios/documents/check.py DIR [--quiet]

Checks files and references, relation/label consistency, edit parameter ranges, that never-stored queries carry
identities (name and number) absent from every stored document of the same template, and the check characters of
ID numbers, unified social credit codes, card numbers (Luhn) and passport machine-readable zones. The check digits
are recomputed here independently of generate.py. Exit status 0 when everything holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image

TEMPLATES = {"id_front", "id_back", "business_licence", "passport", "bank_card", "household_register"}
RELATIONS = {"copy", "never_stored", "same_subject"}
EDIT_TYPES = {"crop", "scale", "rotate", "jpeg", "blur", "photometric", "glare", "noise", "screenshot", "perspective",
              "background", "occlusion", "recompress2"}
# the printed fields that identify the holder, per template
IDENTITY = {
    "id_front": ("name", "id_number"),
    "id_back": ("validity",),
    "business_licence": ("company_name", "credit_code"),
    "passport": ("name", "passport_no", "mrz1"),
    "bank_card": ("name_py", "card_number"),
    "household_register": ("name", "id_number"),
}


def valid_id_number(s: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    if "10X98765432"[sum(int(c) * w for c, w in zip(s[:17], weights, strict=True)) % 11] != s[17]:
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return True


def valid_credit_code(s: str) -> bool:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if len(s) != 18 or any(c not in chars for c in s):
        return False
    weights = [3 ** i % 31 for i in range(17)]
    if chars[(31 - sum(chars.index(c) * w for c, w in zip(s[:17], weights, strict=True)) % 31) % 31] != s[17]:
        return False
    org = s[8:17]  # the embedded organisation code has its own GB 11714 check character
    r = 11 - sum(int(c, 36) * w for c, w in zip(org[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(r, str(r)) == org[8]


def luhn_ok(s: str) -> bool:
    if not s.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


def mrz_digit(s: str) -> str:
    values = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10)


def mrz_errors(f: dict[str, str]) -> list[str]:
    l1, l2 = f.get("mrz1", ""), f.get("mrz2", "")
    errs = []
    if len(l1) != 44 or len(l2) != 44:
        return ["MRZ lines are not 44 characters"]
    if not l1.startswith("P<CHN") or l1[5:].rstrip("<") != f"{f['surname_py']}<<{f['given_py']}":
        errs.append("MRZ line 1 does not match the romanised name")
    for a, b, what in ((0, 9, "number"), (13, 19, "birth"), (21, 27, "expiry"), (28, 42, "personal")):
        if mrz_digit(l2[a:b]) != l2[b]:
            errs.append(f"MRZ {what} check digit")
    if mrz_digit(l2[0:10] + l2[13:20] + l2[21:43]) != l2[43]:
        errs.append("MRZ composite check digit")
    if l2[0:9].rstrip("<") != f["passport_no"]:
        errs.append("MRZ number differs from the printed passport number")
    return errs


def field_errors(template: str, f: dict[str, str]) -> list[str]:
    errs = [f"missing field {k}" for k in IDENTITY[template] if not f.get(k)]
    if errs:
        return errs
    if template in ("id_front", "household_register"):
        n = f["id_number"]
        if not valid_id_number(n):
            errs.append(f"bad ID number {n}")
        elif (int(n[16]) % 2 == 1) != (f["sex"] == "男"):
            errs.append(f"sex {f['sex']} disagrees with ID number {n}")
        if template == "id_front" and f["birth"].replace("-", "") != n[6:14]:
            errs.append(f"birth {f['birth']} disagrees with ID number {n}")
    elif template == "business_licence" and not valid_credit_code(f["credit_code"]):
        errs.append(f"bad credit code {f['credit_code']}")
    elif template == "bank_card" and not (luhn_ok(f["card_number"]) and len(f["card_number"]) in (16, 19)):
        errs.append(f"card number fails Luhn {f['card_number']}")
    elif template == "passport":
        errs += mrz_errors(f)
    elif template == "id_back" and not re.fullmatch(r"\d{4}\.\d\d\.\d\d-(\d{4}\.\d\d\.\d\d|长期)", f["validity"]):
        errs.append(f"bad validity {f['validity']}")
    return errs


def edit_errors(e: dict[str, Any]) -> list[str]:
    t = e.get("type")
    if t not in EDIT_TYPES:
        return [f"unknown edit {t}"]
    errs = []
    if t == "crop" and not all(0 <= e[k] <= 0.15 for k in ("left", "top", "right", "bottom")):
        errs.append(f"crop beyond 15% {e}")
    if t == "jpeg" and not 30 <= e["quality"] <= 90:
        errs.append(f"jpeg quality {e['quality']}")
    if t == "recompress2" and not (30 <= e["quality1"] <= 90 and 30 <= e["quality2"] <= 90):
        errs.append(f"recompress qualities {e}")
    if t == "perspective":
        shifts = [(dx * dx + dy * dy) ** 0.5 for dx, dy in e["corners"]]
        if not (0.0199 <= max(shifts) <= 0.1201 and min(shifts) >= 0.0199):
            errs.append(f"perspective corner shifts {shifts}")
    if t == "occlusion" and not 0 < e["area"] <= 0.1:
        errs.append(f"occlusion area {e['area']}")
    return errs


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def image_ok(path: Path) -> bool:
    try:
        with Image.open(path) as im:
            im.verify()
        return True
    except Exception:
        return False


def check(root: Path) -> tuple[list[str], dict[str, Any]]:
    errors: list[str] = []
    stored = read_jsonl(root / "stored.jsonl")
    truth = read_jsonl(root / "truth.jsonl")
    fields = {row["ref"]: row for row in read_jsonl(root / "fields.jsonl")}
    by_id: dict[str, dict[str, Any]] = {}
    identities: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s in stored:
        missing = {"doc_id", "subject", "account", "path", "template"} - s.keys()
        if missing:
            errors.append(f"stored record lacks {sorted(missing)}: {s}")
            continue
        if s["doc_id"] in by_id:
            errors.append(f"duplicate doc_id {s['doc_id']}")
        by_id[s["doc_id"]] = s
        if s["template"] not in TEMPLATES:
            errors.append(f"{s['doc_id']}: unknown template {s['template']}")
            continue
        if not image_ok(root / s["path"]):
            errors.append(f"{s['doc_id']}: missing or unreadable {s['path']}")
        rec = fields.get(s["doc_id"])
        if rec is None or rec["template"] != s["template"]:
            errors.append(f"{s['doc_id']}: no printed fields for it")
            continue
        errors += [f"{s['doc_id']}: {e}" for e in field_errors(s["template"], rec["fields"])]
        for k in IDENTITY[s["template"]]:
            identities[s["template"]][k].add(rec["fields"].get(k, ""))

    queries_seen = set()
    for t in truth:
        q = t.get("query", "?")
        missing = {"query", "source_doc", "edits", "template", "relation"} - t.keys()
        if missing:
            errors.append(f"{q}: truth lacks {sorted(missing)}")
            continue
        if q in queries_seen:
            errors.append(f"{q}: listed twice")
        queries_seen.add(q)
        if not image_ok(root / q):
            errors.append(f"{q}: missing or unreadable")
        if t["relation"] not in RELATIONS:
            errors.append(f"{q}: unknown relation {t['relation']}")
        if t["template"] not in TEMPLATES:
            errors.append(f"{q}: unknown template {t['template']}")
            continue
        if not 0 <= len(t["edits"]) <= 4:
            errors.append(f"{q}: {len(t['edits'])} edits")
        types = [e.get("type") for e in t["edits"]]
        if len(set(types)) != len(types):
            errors.append(f"{q}: repeated edit type {types}")
        for e in t["edits"]:
            errors += [f"{q}: {m}" for m in edit_errors(e)]
        if t["relation"] == "never_stored":
            if t["source_doc"] is not None:
                errors.append(f"{q}: never_stored with a source_doc")
            rec = fields.get(q)
            if rec is None:
                errors.append(f"{q}: never_stored query without printed fields")
                continue
            errors += [f"{q}: {e}" for e in field_errors(t["template"], rec["fields"])]
            for k in IDENTITY[t["template"]]:
                if rec["fields"].get(k) in identities[t["template"]][k]:
                    errors.append(f"{q}: {k} {rec['fields'][k]!r} also printed on a stored {t['template']}")
        else:
            src = by_id.get(t["source_doc"] or "")
            if src is None:
                errors.append(f"{q}: source_doc {t['source_doc']} is not stored")
                continue
            if not t["edits"]:
                errors.append(f"{q}: a positive without edits")
            if src["template"] != t["template"]:
                errors.append(f"{q}: template {t['template']} but its source is {src['template']}")
            if t["relation"] == "same_subject" and t.get("subject", src["subject"]) != src["subject"]:
                errors.append(f"{q}: same_subject upload by {t.get('subject')} of {src['subject']}'s document")
            if t["relation"] == "copy" and (t.get("subject") == src["subject"] or t.get("account") == src["account"]):
                errors.append(f"{q}: copy uploaded by the document's own subject/account")

    on_disk = {f"queries/{p.name}" for p in (root / "queries").glob("*") if p.is_file()}
    if on_disk - queries_seen:
        errors.append(f"{len(on_disk - queries_seen)} query files not in truth.jsonl")
    rel = Counter(t.get("relation") for t in truth)
    n = len(truth)
    if n >= 20 and not 0.35 <= (rel["copy"] + rel["same_subject"]) / n <= 0.65:
        errors.append(f"positives are not about half of the queries: {dict(rel)}")
    summary = {
        "stored": len(stored), "queries": n, "relations": dict(rel),
        "templates_stored": dict(Counter(s["template"] for s in stored)),
        "edits": dict(Counter(e["type"] for t in truth for e in t.get("edits", []))),
        "chain_lengths": dict(sorted(Counter(len(t.get("edits", [])) for t in truth).items())),
    }
    return errors, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    errors, summary = check(a.root)
    if not a.quiet:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    for e in errors[:50]:
        print("ERROR", e)
    if len(errors) > 50:
        print(f"... and {len(errors) - 50} more")
    print("FAIL" if errors else "OK", f"({len(errors)} problems)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
