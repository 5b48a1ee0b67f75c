"""piwarden's detector against Microsoft Presidio, same input, same core, same run.

    python benchmarks/detect_vs_presidio.py [--quick] [--data-dir ../shared/data] [--synthetic N]
                                            [--out benchmarks/out] [--ner] [--batch N] [--evasion-seeds 1]

Data sets: the four labeled files of ``shared/data`` (English one -> Presidio ``en``, the
Chinese ones -> Presidio ``zh``), the dev part of the English file's template-grouped split
(``en_template_dev``: templates the other part, and so what the model may train on, never holds;
:func:`piwarden.detect.ner.data.template_split`), the evasion set of ``scenarios/evasion`` (``--evasion-seeds``,
Presidio ``zh``) and a synthetic set from :mod:`piwarden.demo.textgen` (fixed
seed), whose Chinese and English parts run with the matching Presidio configuration.

Both sides run on one core: piwarden in this process (``os.sched_setaffinity``), Presidio as a
subprocess under ``taskset -c <core>`` with ``OMP_NUM_THREADS=1`` inside ``.venv-presidio``
(``bash benchmarks/presidio_env.sh``; see ``benchmarks/presidio_runner.py``). Each side first
makes one untimed pass over the whole set (``--no-warm-pass``: over its first 20 records only, as
before session 5), so that both are timed in the steady state of a long scan rather than while
loading metadata and filling caches; only the analyze calls are timed. Scoring is :mod:`piwarden.detect.evaluate`:
exact and overlap P/R/F1 per PI type, masking coverage, and the hard-negative rate.

Writes ``<out>/detect_vs_presidio.json`` and ``<out>/detect_vs_presidio.md``.

Times are the process's CPU time around each analyze call (``time.process_time``) on both
sides: on a shared, loaded machine wall-clock time measures the neighbours as much as the code.
piwarden is called as ``piwarden detect`` and scans call it, 256 texts per ``analyze_batch``
(``--batch 1``: one ``analyze`` call per text); Presidio one ``analyze`` call per text, which is
also all its ``BatchAnalyzerEngine`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

from piwarden.detect.evaluate import Report, default_labels, markdown_table, score  # noqa: E402

SHARED_SETS = (("en_presidio_synth_v2", "en"), ("zh_bdci2020_privacy", "zh"),
               ("zh_cluener2020", "zh"), ("zh_weibo_ner", "zh"))
SYNTH_SEED = 20260301
QUICK_LIMIT = 300
WARMUP = 20


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(json.loads(line))
                if limit is not None and len(out) >= limit:
                    break
    return out


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def utf8_bytes(records: list[dict[str, Any]]) -> int:
    return sum(len(r["text"].encode("utf-8")) for r in records)


def run_piwarden(records: list[dict[str, Any]], analyzer: Any, batch: int = 1, warm_pass: bool = True,
                 ) -> dict[str, Any]:
    """One text per ``analyze`` call, or ``batch`` texts per ``analyze_batch`` (how a scan calls it)."""
    texts = [r["text"] for r in records]
    if warm_pass:
        for i in range(0, len(texts), batch):
            analyzer.analyze_batch(texts[i:i + batch])
    else:
        analyzer.analyze_batch(texts[:WARMUP])
    preds, seconds = [], 0.0
    for i in range(0, len(texts), batch):
        t0 = time.process_time()
        found = analyzer.analyze_batch(texts[i:i + batch]) if batch > 1 else [analyzer.analyze(texts[i])]
        seconds += time.process_time() - t0
        preds += [[(s.start, s.end, s.type) for s in spans] for spans in found]
    return {"predictions": preds, "seconds": seconds}


def run_presidio(path: Path, lang: str, limit: int | None, python: Path, core: int,
                 zh_minimal: bool = False, warm_pass: bool = True) -> dict[str, Any]:
    cmd = [str(python), str(REPO / "benchmarks" / "presidio_runner.py"), "--lang", lang, str(path)]
    if warm_pass:
        cmd.append("--warm-pass")
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if zh_minimal:
        cmd.append("--zh-minimal")
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(core), *cmd]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"presidio_runner failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout)
    out["predictions"] = [[tuple(p) for p in preds] for preds in out["predictions"]]
    return out


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time (predictions are the same in every run)."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def speed(records: int, nbytes: int, seconds: float) -> dict[str, float]:
    s = max(seconds, 1e-9)
    return {"seconds": seconds, "records_per_s": records / s, "kb_per_s": nbytes / 1024 / s}


def compare(name: str, lang: str, records: list[dict[str, Any]], pw: dict[str, Any],
            pr: dict[str, Any] | None) -> dict[str, Any]:
    """Score both sides on one label set and put speeds and differences side by side."""
    gold_labels = [s["label"] for r in records for s in r["spans"]]
    pred_labels = [p[2] for side in (pw, pr) if side for preds in side["predictions"] for p in preds]
    labels = default_labels(gold_labels, [{"CREDIT_CARD": "BANK_CARD"}.get(x, x) for x in pred_labels])
    nbytes = utf8_bytes(records)
    result: dict[str, Any] = {"name": name, "lang": lang, "records": len(records), "bytes": nbytes,
                              "labels": list(labels)}
    reports: dict[str, Report] = {"piwarden": score(records, pw["predictions"], labels=labels)}
    result["piwarden"] = {**speed(len(records), nbytes, pw["seconds"]), **reports["piwarden"].as_dict()}
    if pr is not None:
        if pr["ids"] != [r.get("id") for r in records]:
            raise RuntimeError(f"{name}: Presidio's records do not line up with the gold records")
        reports["presidio"] = score(records, pr["predictions"], labels=labels)
        result["presidio"] = {**speed(len(records), nbytes, pr["seconds"]), "config": pr.get("config"),
                              "version": pr.get("presidio"), **reports["presidio"].as_dict()}
        result["throughput_ratio"] = result["piwarden"]["kb_per_s"] / max(result["presidio"]["kb_per_s"], 1e-9)
        result["f1_diff"] = {
            mode: {lab: getattr(reports["piwarden"], mode).per_label[lab].f1
                   - getattr(reports["presidio"], mode).per_label[lab].f1 for lab in labels}
            | {"micro": getattr(reports["piwarden"], mode).micro.f1 - getattr(reports["presidio"], mode).micro.f1}
            for mode in ("exact", "overlap")}
    result["markdown"] = dataset_markdown(result, reports)
    return result


def _f(x: float) -> str:
    return f"{x:.3f}"


def dataset_markdown(res: dict[str, Any], reports: dict[str, Report]) -> str:
    sides = list(reports)
    head = ["type", "support"]
    for mode in ("exact", "overlap"):
        head += [f"{s} {mode} F1" for s in sides] + ([f"Δ {mode}"] if len(sides) == 2 else [])
    rows = [head]
    for lab in [*res["labels"], "micro"]:
        counts = {s: {m: (getattr(reports[s], m).micro if lab == "micro" else getattr(reports[s], m).per_label[lab])
                      for m in ("exact", "overlap")} for s in sides}
        if lab != "micro" and not any(c.tp or c.fp or c.fn for s in sides for c in counts[s].values()):
            continue
        row = [f"**{lab}**" if lab == "micro" else lab, str(counts[sides[0]]["exact"].support)]
        for mode in ("exact", "overlap"):
            f1s = [counts[s][mode].f1 for s in sides]
            row += [_f(x) for x in f1s] + ([f"{f1s[0] - f1s[1]:+.3f}"] if len(sides) == 2 else [])
        rows.append(row)
    lines = [f"### {res['name']} ({res['lang']}, {res['records']} records, {res['bytes'] / 1024:.0f} KB)", "",
             markdown_table(rows), ""]
    for s in sides:
        r, rep = res[s], reports[s]
        line = (f"- {s}: {r['records_per_s']:.0f} records/s, {r['kb_per_s']:.1f} KB/s; "
                f"masking coverage {rep.coverage.rate:.1%}")
        if rep.hard_negatives.records:
            hn = rep.hard_negatives
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(hn.per_type.items())) or "none"
            line += f"; hard negatives flagged {hn.flagged}/{hn.records} ({hn.rate:.1%}: {kinds})"
        lines.append(line)
    if "throughput_ratio" in res:
        lines.append(f"- throughput piwarden/Presidio: {res['throughput_ratio']:.1f}x")
    return "\n".join(lines) + "\n"


def summary_markdown(results: list[dict[str, Any]]) -> str:
    rows = [["data set", "records", "piwarden F1 exact/overlap", "Presidio F1 exact/overlap",
             "piwarden KB/s", "Presidio KB/s", "speed ratio", "hard-neg flagged pw/Presidio"]]
    for r in results:
        pw, pr = r["piwarden"], r.get("presidio")

        def f1s(side: dict[str, Any] | None) -> str:
            return "-" if side is None else f"{side['exact']['micro']['f1']:.3f} / {side['overlap']['micro']['f1']:.3f}"

        hn = "-"
        if pw["hard_negatives"]["records"]:
            hn = f"{pw['hard_negatives']['rate']:.1%}" + (f" / {pr['hard_negatives']['rate']:.1%}" if pr else "")
        rows.append([r["name"], str(r["records"]), f1s(pw), f1s(pr), f"{pw['kb_per_s']:.1f}",
                     f"{pr['kb_per_s']:.1f}" if pr else "-",
                     f"{r['throughput_ratio']:.1f}x" if pr else "-", hn])
    return markdown_table(rows)


def load_sets(args: argparse.Namespace, limit: int | None) -> list[tuple[str, str, Path, list[dict[str, Any]]]]:
    sets = []
    for name, lang in SHARED_SETS:
        path = args.data_dir / f"{name}.jsonl"
        if path.exists():
            sets.append((name, lang, path, read_jsonl(path, limit)))
            if name == "en_presidio_synth_v2":
                from piwarden.detect.ner.data import template_split

                dev = template_split(read_jsonl(path))[1][:limit]
                sets.append(("en_template_dev", lang, write_jsonl(args.out / "en_template_dev.jsonl", dev), dev))
        else:
            print(f"skipping {name}: {path} not found", file=sys.stderr)
    if args.evasion_seeds:
        # the evasion set (scenarios/evasion, docs/detect.md): contact details written to slip past filters
        generator = REPO / "scenarios" / "evasion" / "generate.py"
        part = []
        for seed in args.evasion_seeds.split(","):
            out = subprocess.run([sys.executable, str(generator), "--seed", seed, "--records", str(limit or 2000),
                                  "--out", "-"], check=True, capture_output=True, text=True, encoding="utf-8").stdout
            part += [json.loads(line) for line in out.splitlines() if line.strip()]
        part = part[:limit] if limit else part
        for record in part:  # the shared sets' span form
            record["spans"] = [{"start": x["start"], "end": x["end"], "label": x["type"]} for x in record["spans"]]
        path = write_jsonl(args.out / "evasion.jsonl", part)
        sets.append(("evasion", "zh", path, part))
    if args.synthetic:
        from piwarden.demo.textgen import generate

        synth = list(generate(args.synthetic, seed=args.seed))
        for lang in ("zh", "en"):
            part = [r for r in synth if r["lang"] == lang][:limit]
            path = write_jsonl(args.out / f"synthetic_{lang}.jsonl", part)
            sets.append((f"synthetic_{lang}", lang, path, part))
    return sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="piwarden vs Presidio: accuracy and speed")
    parser.add_argument("--quick", action="store_true", help=f"~{QUICK_LIMIT} records per data set")
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--synthetic", type=int, default=3000, help="synthetic records (0: none)")
    parser.add_argument("--seed", type=int, default=SYNTH_SEED)
    parser.add_argument("--evasion-seeds", default="1",
                        help="seeds of scenarios/evasion for the evasion set ('' for none; 101-103 are held out)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--presidio-python", type=Path, default=REPO / ".venv-presidio" / "bin" / "python")
    parser.add_argument("--no-presidio", action="store_true", help="run piwarden's side only")
    parser.add_argument("--core", type=int, default=0, help="CPU core both sides are pinned to")
    parser.add_argument("--presidio-zh-minimal", action="store_true",
                        help="Presidio's Chinese configuration without the USCC/HK ID/TW ID/passport/permit/plate "
                             "recognizers (as measured before session 4)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="run both sides in turn this many times; report the median-time run of each")
    parser.add_argument("--only", nargs="+", default=None, metavar="SET",
                        help="run only these data sets (e.g. synthetic_zh zh_bdci2020_privacy)")
    parser.add_argument("--ner", action="store_true",
                        help="enable the trained PERSON/ADDRESS/ORG model (NameAddressRecognizer)")
    parser.add_argument("--english-names", default=None, metavar="RULE",
                        help="with --ner: NameAddressRecognizer.english_names (model, spacy, union, model-first; "
                             "all but model need the names-en extra); default: the class's")
    parser.add_argument("--batch", type=int, default=None,
                        help="texts per analyze_batch call (default 256, the batch `piwarden detect` "
                             "and scans hand the analyzer; 1: one analyze call per text)")
    parser.add_argument("--no-warm-pass", dest="warm_pass", action="store_false",
                        help=f"warm each side up on its first {WARMUP} records only (before session 5) instead of "
                             "one untimed pass over the whole set")
    args = parser.parse_args(argv)
    limit = QUICK_LIMIT if args.quick else None
    if args.quick and args.synthetic > 2 * QUICK_LIMIT:
        args.synthetic = 2 * QUICK_LIMIT
    args.out.mkdir(parents=True, exist_ok=True)

    presidio = not args.no_presidio and args.presidio_python.exists()
    if not args.no_presidio and not presidio:
        print(f"Presidio environment not found ({args.presidio_python}); create it with\n"
              f"    bash benchmarks/presidio_env.sh\nRunning piwarden's side only.\n", file=sys.stderr)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    from piwarden.detect import Analyzer

    analyzer = Analyzer()
    if args.ner:
        from piwarden.detect.ner.recognizer import NameAddressRecognizer

        names = NameAddressRecognizer
        if args.english_names:
            names = type("Names", (NameAddressRecognizer,), {"english_names": args.english_names})
        analyzer = Analyzer([names(), *analyzer.recognizers])
    batch = args.batch or 256
    results = []
    for name, lang, path, records in load_sets(args, limit):
        if args.only and name not in args.only:
            continue
        # both sides in turn, --repeats times: the shared machine's speed drifts over minutes, and the
        # median of interleaved runs keeps one side from being timed in a slow stretch only
        pws, prs = [], []
        for _ in range(args.repeats):
            pws.append(run_piwarden(records, analyzer, batch, args.warm_pass))
            if presidio:
                prs.append(run_presidio(path, lang, len(records), args.presidio_python, args.core,
                                        args.presidio_zh_minimal, args.warm_pass))
        pw, pr = _median_run(pws), _median_run(prs) if prs else None
        if args.repeats > 1:
            print(f"{name}: piwarden seconds {[round(r['seconds'], 3) for r in pws]}, "
                  f"Presidio seconds {[round(r['seconds'], 3) for r in prs]}", flush=True)
        res = compare(name, lang, records, pw, pr)
        print(res["markdown"], flush=True)
        results.append(res)

    summary = summary_markdown(results)
    print("## Summary\n\n" + summary)
    meta = {"quick": args.quick, "synthetic": args.synthetic, "seed": args.seed, "core": args.core,
            "ner": args.ner, "english_names": args.english_names, "batch": batch, "presidio_zh_minimal": args.presidio_zh_minimal,
            "repeats": args.repeats, "warm_pass": args.warm_pass,
            "python": sys.version.split()[0], "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    (args.out / "detect_vs_presidio.json").write_text(
        json.dumps({"meta": meta, "datasets": results}, ensure_ascii=False, indent=1), encoding="utf-8")
    md = ["# piwarden vs Presidio: detection", "",
          f"Run {meta['time']}; one core each (core {args.core}); quick={args.quick}; synthetic seed "
          f"{args.seed}; name/address model {'on' if args.ner else 'off'}; {batch} text(s) per call; "
          f"warm-up: {'one untimed pass over each set' if args.warm_pass else f'first {WARMUP} records'}; "
          f"repeats {args.repeats}.", "", "## Summary", "", summary, "", *(r["markdown"] for r in results)]
    (args.out / "detect_vs_presidio.md").write_text("\n".join(md), encoding="utf-8")
    print(f"\nwrote {args.out / 'detect_vs_presidio.json'} and {args.out / 'detect_vs_presidio.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
