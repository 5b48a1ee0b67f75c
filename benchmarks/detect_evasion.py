"""Evasion: contact details and identifiers written so that filters miss them, found or not.

    python benchmarks/detect_evasion.py [--seeds 1,2,3,4,5] [--records 2000] [--off]
                                        [--speed] [--speed-repeats 5] [--out benchmarks/out]

Records come from the independent generator ``scenarios/evasion/generate.py`` (run as a
subprocess; its README gives the seed policy: 1-5 for development, 101-103 held out and
reported only). Scored on its six types (``CREDIT_CARD`` counts as ``BANK_CARD``, as the
generator calls every card one): exact-offset precision and recall per type, recall per
evasion form (a span counts toward each of its forms), and the share of each hard-negative
kind that a prediction of the six types overlaps.

``--off`` scores the analyzer with the normalization off (what detection found before it).
``--speed`` times the analyzer with the normalization on and off, side by side in one process,
on clean text (the labeled sets of ``shared/data`` that carry no evasion) and prints the ratio;
times are CPU time (``time.process_time``) of ``analyze_batch`` over the whole set, the median
of ``--speed-repeats`` alternating runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
try:
    import piwarden  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(REPO / "src"))

from piwarden.detect import Analyzer  # noqa: E402
from piwarden.detect.evaluate import markdown_table, score  # noqa: E402

GENERATOR = REPO / "scenarios" / "evasion" / "generate.py"
TYPES = ("PHONE", "CN_RESIDENT_ID", "BANK_CARD", "QQ_ID", "WECHAT_ID", "EMAIL")
LABEL_MAP = {"CREDIT_CARD": "BANK_CARD"}
CLEAN_SETS = ("zh_bdci2020_privacy", "en_presidio_synth_v2", "zh_cluener2020")
BATCH = 256


def generate(seed: int, records: int) -> list[dict[str, Any]]:
    """The generator's records for ``seed`` (deterministic per seed)."""
    out = subprocess.run([sys.executable, str(GENERATOR), "--seed", str(seed), "--records", str(records),
                          "--out", "-"], check=True, capture_output=True, text=True, encoding="utf-8").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def predict(analyzer: Analyzer, texts: list[str]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for i in range(0, len(texts), BATCH):
        out.extend(analyzer.analyze_batch(texts[i : i + BATCH]))
    return out


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(records: list[dict[str, Any]], preds: list[list[Any]]) -> dict[str, Any]:
    """Per-type P/R (exact offsets and type), recall per form, negatives flagged per kind."""
    gold = [{"id": r["id"], "text": r["text"], "spans": [{"start": s["start"], "end": s["end"], "label": s["type"]}
                                                         for s in r["spans"]]} for r in records]
    triples = [[(p.start, p.end, LABEL_MAP.get(p.type, p.type)) for p in ps] for ps in preds]
    report = score(gold, triples, labels=TYPES, label_map=None)
    forms: dict[str, list[int]] = {}
    negatives: dict[str, list[int]] = {}
    for rec, ps in zip(records, triples, strict=True):
        found = {p for p in ps if p[2] in TYPES}
        for s in rec["spans"]:
            hit = (s["start"], s["end"], s["type"]) in found
            for form in s["evasion"] or ["(none)"]:
                c = forms.setdefault(form, [0, 0])
                c[0] += hit
                c[1] += 1
        for n in rec["negatives"]:
            flagged = any(_overlaps((n["start"], n["end"]), p[:2]) for p in found)
            c = negatives.setdefault(n["kind"], [0, 0])
            c[0] += flagged
            c[1] += 1
    per_type = {t: {"precision": report.exact.per_label[t].precision, "recall": report.exact.per_label[t].recall,
                    "support": report.exact.per_label[t].support} for t in TYPES}
    flagged = sum(c[0] for c in negatives.values())
    total = sum(c[1] for c in negatives.values())
    return {"records": len(records), "per_type": per_type, "micro": report.exact.micro.as_dict(),
            "overlap_micro": report.overlap.micro.as_dict(),
            "forms": {k: {"found": v[0], "total": v[1], "recall": v[0] / v[1]} for k, v in sorted(forms.items())},
            "negatives": {k: {"flagged": v[0], "total": v[1], "rate": v[0] / v[1]} for k, v in sorted(negatives.items())},
            "negatives_flagged": {"flagged": flagged, "total": total, "rate": flagged / total if total else 0.0}}


def markdown(res: dict[str, Any]) -> str:
    rows = [["type", "support", "precision", "recall"]]
    rows += [[t, str(v["support"]), f"{v['precision']:.3f}", f"{v['recall']:.3f}"] for t, v in res["per_type"].items()]
    m = res["micro"]
    rows.append(["**micro**", str(m["tp"] + m["fn"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}"])
    text = markdown_table(rows)
    text += "\n\n" + markdown_table([["form", "spans", "recall"]] + [[k, str(v["total"]), f"{v['recall']:.3f}"]
                                                                     for k, v in res["forms"].items()])
    text += "\n\n" + markdown_table([["negative kind", "count", "flagged"]] + [
        [k, str(v["total"]), f"{v['rate']:.1%}"] for k, v in res["negatives"].items()])
    nf = res["negatives_flagged"]
    text += f"\n\nHard negatives flagged: {nf['flagged']}/{nf['total']} ({nf['rate']:.2%})"
    return text


def clean_texts(data_dir: Path, limit: int | None) -> list[str]:
    texts: list[str] = []
    for name in CLEAN_SETS:
        path = data_dir / f"{name}.jsonl"
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if limit is not None and i >= limit:
                    break
                texts.append(json.loads(line)["text"])
    return texts


def speed(texts: list[str], repeats: int) -> dict[str, Any]:
    """CPU seconds of the analyzer with the normalization on and off, alternating, medians."""
    on, off = Analyzer(), Analyzer(evasion=False)
    for a in (on, off):  # warm: caches, metadata
        predict(a, texts)
    times: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(repeats):
        for name, a in (("off", off), ("on", on)):
            t0 = time.process_time()
            predict(a, texts)
            times[name].append(time.process_time() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    return {"texts": len(texts), "bytes": nbytes, "seconds": med,
            "mb_per_s": {k: nbytes / v / 1e6 for k, v in med.items()}, "ratio_on_over_off": med["on"] / med["off"],
            "runs": times}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--off", action="store_true", help="score with the normalization off")
    ap.add_argument("--speed", action="store_true", help="also time clean text with the normalization on and off")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--speed-repeats", type=int, default=5)
    ap.add_argument("--speed-limit", type=int, default=None, help="records per clean set")
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args(argv)
    result: dict[str, Any] = {}
    if not args.speed_only:
        seeds = [int(s) for s in args.seeds.split(",") if s]
        records = [r for s in seeds for r in generate(s, args.records)]
        analyzer = Analyzer(evasion=not args.off)
        preds = predict(analyzer, [r["text"] for r in records])
        res = evaluate(records, preds)
        result["evasion"] = {"seeds": seeds, "normalization": not args.off, **res}
        print(f"## Evasion set, seeds {args.seeds}, {len(records)} records, normalization "
              f"{'off' if args.off else 'on'}\n")
        print(markdown(res))
    if args.speed or args.speed_only:
        data_dir = args.data_dir if args.data_dir.exists() else Path("/work/shared/data")
        sp = speed(clean_texts(data_dir, args.speed_limit), args.speed_repeats)
        result["speed"] = sp
        print(f"\n## Clean text ({', '.join(CLEAN_SETS)}: {sp['texts']} texts, {sp['bytes'] / 1e6:.2f} MB)\n")
        print(markdown_table([["normalization", "CPU s (median)", "MB/s"],
                              *[[k, f"{sp['seconds'][k]:.3f}", f"{sp['mb_per_s'][k]:.2f}"] for k in ("off", "on")]]))
        print(f"\nratio on/off: {sp['ratio_on_over_off']:.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "detect_evasion.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
