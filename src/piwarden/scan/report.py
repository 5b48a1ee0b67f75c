"""Scan outputs: JSON, CSV (one row per column), an HTML summary, and SARIF for code repositories.

All of them are built from the inventory rows (:func:`piwarden.scan.inventory.load`), so they
say exactly what the database says: counts, grades and masked examples, never a raw value.
Assets are ordered most sensitive first (grade, then estimated data subjects).
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from datetime import datetime
from typing import Any

import orjson

from piwarden import entities

Row = dict[str, Any]


def ordered(assets: list[Row]) -> list[Row]:
    """Most sensitive first: grade, sensitivity, then the number of people."""
    return sorted(assets, key=lambda a: (-(a["grade"] or 0), not a["sensitive"], -(a["subjects"] or 0),
                                         a["store"], a["asset"]))


def _grade(n: int | None) -> str | None:
    return f"L{n}" if n else None


def _asset_dict(a: Row) -> Row:
    return {
        "store": a["store"], "asset": a["asset"], "kind": a["kind"], "format": a["format"], "rows": a["rows"],
        "sampled": a["sampled"], "size_bytes": a["size_bytes"], "types": a["types"], "category": a["category"],
        "sensitive": a["sensitive"], "grade": _grade(a["grade"]), "subjects": a["subjects"],
        "scanned_at": a["scanned_at"].isoformat() if isinstance(a["scanned_at"], datetime) else a["scanned_at"],
        "seconds": round(a["seconds"] or 0.0, 3), "error": a["error"],
        "columns": [
            {"column": c["name"], "type": c["entity"], "confidence": c["confidence"], "share": c["share"],
             "sampled": c["sampled"], "non_null": c["non_null"], "distinct": c["distinct"],
             "free_text": c["free_text"], "types": c["types"], "also": c["also"], "hint": c["hint"],
             "basis": c["basis"], "category": c["category"], "sensitive": c["sensitive"],
             "grade": _grade(c["grade"]), "examples": c["examples"], "subjects": c["subjects"]}
            for c in a["columns"]
        ],
    }


def summary(assets: list[Row]) -> Row:
    """Counts of columns (and documents) by category and by grade, and of assets by grade."""
    by_category: Counter[str] = Counter()
    by_grade: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    for a in assets:
        for c in a["columns"]:
            found = [t for t in ([c["entity"]] if c["entity"] else []) + list(c["also"]) + list(c["types"])
                     if entities.get(t).is_pi]
            for t in dict.fromkeys(found):
                e = entities.get(t)
                by_category[e.category.value] += 1
                by_grade[f"L{int(e.grade)}"] += 1
                by_type[t] += 1
    return {
        "assets": len(assets),
        "assets_with_pi": sum(1 for a in assets if a["grade"]),
        "assets_by_grade": dict(sorted(Counter(_grade(a["grade"]) or "none" for a in assets).items())),
        "findings_by_category": dict(by_category.most_common()),
        "findings_by_grade": dict(sorted(by_grade.items(), reverse=True)),
        "findings_by_type": dict(by_type.most_common()),
        "subjects_estimated": sum(a["subjects"] or 0 for a in assets),
    }


def to_json(assets: list[Row], run: Row | None = None) -> bytes:
    doc = {"run": run or {}, "summary": summary(assets), "assets": [_asset_dict(a) for a in ordered(assets)]}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


CSV_FIELDS = ("store", "asset", "kind", "format", "rows", "column", "type", "confidence", "share", "free_text",
              "types", "category", "sensitive", "grade", "subjects", "examples", "scanned_at")


def to_csv(assets: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for a in ordered(assets):
        d = _asset_dict(a)
        for c in d["columns"]:
            w.writerow([d["store"], d["asset"], d["kind"], d["format"], d["rows"], c["column"], c["type"] or "",
                        c["confidence"], c["share"], c["free_text"],
                        ";".join(f"{t}={n}" for t, n in c["types"].items()), c["category"] or "", c["sensitive"],
                        c["grade"] or "", c["subjects"] if c["subjects"] is not None else "",
                        " | ".join(c["examples"]), d["scanned_at"]])
    return buf.getvalue()


_CSS = """
body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}.g4{background:#b71c1c;color:#fff}.g3{background:#e65100;color:#fff}
.g2{background:#f9a825}.g1{background:#9e9e9e;color:#fff}.g0{background:#eee}
.bar{display:inline-block;height:12px;background:#1565c0;vertical-align:middle}
.muted{color:#777;font-size:90%}code{font-size:90%}
"""


def _bars(counts: dict[str, int], label: str) -> str:
    top = max(counts.values(), default=1) or 1
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v}</td><td><svg width='{int(300 * v / top) + 1}' height='12'>"
        f"<rect width='{int(300 * v / top) + 1}' height='12' fill='#1565c0'/></svg></td></tr>"
        for k, v in counts.items())
    return f"<table><tr><th>{html.escape(label)}</th><th>n</th><th></th></tr>{rows}</table>"


def _cat_label(value: str) -> str:
    try:
        cat = entities.Category(value)
    except ValueError:
        return value
    return f"{cat.value} {cat.zh}"


def to_html(assets: list[Row], run: Row | None = None) -> str:
    s = summary(assets)
    e = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>piwarden scan report</title>"
             f"<style>{_CSS}</style></head><body><h1>PI inventory 个人信息清单</h1>"]
    if run:
        parts.append(f"<p class='muted'>run {e(str(run.get('id', '')))}, {e(str(run.get('finished_at', '')))}; "
                     f"{s['assets']} assets, {s['assets_with_pi']} with PI; about {s['subjects_estimated']} "
                     f"data subjects (estimated from samples)</p>")
    parts.append("<h2>By grade 分级</h2>" + _bars(s["findings_by_grade"], "grade"))
    parts.append("<h2>By category 分类 (GB/T 35273)</h2>"
                 + _bars({_cat_label(k): v for k, v in s["findings_by_category"].items()}, "category"))
    parts.append("<h2>By type</h2>" + _bars(s["findings_by_type"], "type"))
    parts.append("<h2>Stores, most sensitive first</h2><table><tr><th>grade</th><th>store</th><th>asset</th>"
                 "<th>kind</th><th>rows</th><th>subjects</th><th>types</th></tr>")
    for a in ordered(assets):
        g = a["grade"] or 0
        types = ", ".join(f"{t} ({n})" for t, n in a["types"].items())
        parts.append(f"<tr><td class='g{g}'>{_grade(g) or '-'}</td><td>{e(a['store'])}</td><td>{e(a['asset'])}</td>"
                     f"<td>{e(a['format'])}</td><td>{a['rows'] if a['rows'] is not None else ''}</td>"
                     f"<td>{a['subjects'] or ''}</td><td>{e(types) or e(a['error'] or '')}</td></tr>")
    parts.append("</table><h2>Columns with PI</h2><table><tr><th>grade</th><th>asset</th><th>column</th><th>type</th>"
                 "<th>confidence</th><th>share</th><th>category</th><th>masked examples</th></tr>")
    for a in ordered(assets):
        for c in a["columns"]:
            if not c["grade"]:
                continue
            kind = c["entity"] or ("free text: " + ", ".join(c["types"]) if c["free_text"] else "")
            parts.append(f"<tr><td class='g{c['grade']}'>L{c['grade']}</td><td>{e(a['asset'])}</td>"
                         f"<td>{e(c['name'])}</td><td>{e(kind)}</td><td>{c['confidence']}</td><td>{c['share']}</td>"
                         f"<td>{e(_cat_label(c['category'] or ''))}</td><td><code>{e(' | '.join(c['examples']))}"
                         f"</code></td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def to_sarif(assets: list[Row]) -> bytes:
    """SARIF 2.1.0: one result per file (or table) column holding PI, one rule per type."""
    level = {4: "error", 3: "error", 2: "warning", 1: "note"}
    rules: dict[str, Row] = {}
    results = []
    for a in ordered(assets):
        for c in a["columns"]:
            found = [t for t in ([c["entity"]] if c["entity"] else []) + list(c["also"]) + list(c["types"])
                     if entities.get(t).is_pi]
            for t in dict.fromkeys(found):
                et = entities.get(t)
                rules.setdefault(t, {"id": t, "name": et.en, "shortDescription": {"text": f"{et.en} ({et.zh})"},
                                     "properties": {"category": et.category.value, "grade": f"L{int(et.grade)}",
                                                    "sensitive": et.sensitive}})
                where = f"column {c['name']}" if c["name"] != "(text)" else "text"
                loc: Row = ({"physicalLocation": {"artifactLocation": {"uri": a["asset"]}}} if a["kind"] == "file"
                            else {"logicalLocations": [{"fullyQualifiedName": f"{a['asset']}.{c['name']}"}]})
                results.append({"ruleId": t, "level": level[int(et.grade)],
                                "message": {"text": f"{et.en} in {where} (grade L{int(et.grade)})"},
                                "locations": [loc]})
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "piwarden scan",
                                         "rules": list(rules.values())}}, "results": results}]}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)
