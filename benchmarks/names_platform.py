"""PERSON and ADDRESS on independent platform-genre text (issue 19): ``scenarios/platform_text``.

    python benchmarks/names_platform.py [--seeds 1,2,3,4,5] [--records 2000] [--misses N]
                                        [--system detect-names|model-after] [--json FILE]

Generates ``--records`` records per seed with ``scenarios/platform_text/generate.py`` (a
generator written without reading the detector: waybills, chats, call-centre notes, forms,
delivery notes, insurance claims, bank remarks, HR records; its README gives the labeling
conventions) into a temporary directory, runs the detector over the texts and prints markdown
tables:

- per type (PERSON, ADDRESS, and PHONE, EMAIL, CN_RESIDENT_ID for context): exact-span
  precision/recall/F1 (same start, end and type) and overlap F1 (same type, any shared
  character, one-to-one), over all seeds together, then PERSON and ADDRESS per seed, per genre
  and per language;
- the generator's hard negatives: per kind, the share that a predicted PERSON or ADDRESS span
  overlaps;
- the PERSON and ADDRESS errors by shape (missed outright, boundary too wide / too narrow,
  split, the wrong type, a spurious span on a hard negative or on no labeled text);
- throughput: UTF-8 KB per CPU second of the ``analyze_batch`` calls (256 texts a call, after
  an untimed warm-up batch), on one process.

Systems: ``detect-names`` (default) is the analyzer of ``piwarden detect --names`` and ``mask
run`` (``DetectOptions(names=True)``: the default rules plus the NameAddressRecognizer, which
makes ADDRESS spans whole with the address parser); ``model-after`` is
``benchmarks/address_eval.py``'s "model after" (every rule, the AddressRecognizer included).

Seeds 1-5 are the generator's development seeds; 101-103 are held out (report numbers only):
``--misses`` is refused for them. ``--misses N`` prints, per genre, up to N missed and N spurious
PERSON/ADDRESS spans (exact match) with the text around them, for error analysis.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
try:
    import piwarden  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "src"))

from piwarden.detect.evaluate import Report, markdown_table, score  # noqa: E402

GENERATOR = REPO / "scenarios" / "platform_text" / "generate.py"
TYPES = ("PERSON", "ADDRESS", "PHONE", "EMAIL", "CN_RESIDENT_ID")
NAMED = ("PERSON", "ADDRESS")
HELD_OUT = frozenset({101, 102, 103})
BATCH = 256

Triple = tuple[int, int, str]


def generate(seeds: Sequence[int], records: int, out_dir: Path) -> list[dict[str, Any]]:
    """The generator's records for each seed (its own script, in a subprocess), ``seed`` added to each."""
    out = []
    for seed in seeds:
        path = out_dir / f"s{seed}.jsonl"
        subprocess.run([sys.executable, str(GENERATOR), "--seed", str(seed), "--records", str(records),
                        "--out", str(path)], check=True)
        with path.open(encoding="utf-8") as fh:
            out += [{**json.loads(line), "seed": seed} for line in fh if line.strip()]
    return out


def build(system: str) -> Any:
    if system == "model-after":
        from address_eval import analyzers

        return analyzers()["model after"]
    from piwarden.detect.runner import DetectOptions

    return DetectOptions(names=True).analyzer()


def detect(analyzer: Any, texts: list[str]) -> tuple[list[list[Triple]], float]:
    """Predicted ``(start, end, type)`` per text and the CPU seconds the analyze calls took."""
    analyzer.analyze_batch(texts[:BATCH])  # untimed: loads the model, warms the caches
    preds: list[list[Triple]] = []
    seconds = 0.0
    for i in range(0, len(texts), BATCH):
        t0 = time.process_time()
        found = analyzer.analyze_batch(texts[i:i + BATCH])
        seconds += time.process_time() - t0
        preds += [[(s.start, s.end, s.type) for s in spans] for spans in found]
    return preds, seconds


def _gold(rec: dict[str, Any]) -> list[Triple]:
    return [(s["start"], s["end"], s["type"]) for s in rec["spans"]]


def _hit(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _f(x: float) -> str:
    return f"{x:.3f}"


def scores(recs: list[dict[str, Any]], preds: list[list[Triple]], labels: Sequence[str] = TYPES) -> Report:
    return score([{"id": r["id"], "text": r["text"], "spans": _gold(r)} for r in recs], preds, labels=labels)


def type_rows(rep: Report, labels: Sequence[str]) -> list[list[str]]:
    rows = [["type", "gold", "pred", "exact P", "exact R", "exact F1", "overlap P", "overlap R", "overlap F1"]]
    for lab in labels:
        e, o = rep.exact.per_label[lab], rep.overlap.per_label[lab]
        rows.append([lab, str(e.support), str(e.tp + e.fp), _f(e.precision), _f(e.recall), _f(e.f1),
                     _f(o.precision), _f(o.recall), _f(o.f1)])
    return rows


def group_rows(title: str, groups: dict[str, list[int]], recs: list[dict[str, Any]],
               preds: list[list[Triple]]) -> tuple[list[list[str]], dict[str, Any]]:
    rows = [[title, "records", "PERSON gold", "PERSON exact P/R/F1", "PERSON overlap F1",
             "ADDRESS gold", "ADDRESS exact P/R/F1", "ADDRESS overlap F1"]]
    out: dict[str, Any] = {}
    for name in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        idx = groups[name]
        rep = scores([recs[i] for i in idx], [preds[i] for i in idx], NAMED)
        row = [name, str(len(idx))]
        for lab in NAMED:
            e, o = rep.exact.per_label[lab], rep.overlap.per_label[lab]
            row += [str(e.support), f"{_f(e.precision)}/{_f(e.recall)}/{_f(e.f1)}", _f(o.f1)]
        rows.append(row)
        out[name] = {lab: {"exact": rep.exact.per_label[lab].as_dict(), "overlap": rep.overlap.per_label[lab].as_dict()}
                     for lab in NAMED}
    return rows, out


def negatives(recs: list[dict[str, Any]], preds: list[list[Triple]]) -> dict[str, dict[str, int]]:
    """Per negative kind: how many there are and how many a PERSON / ADDRESS prediction overlaps."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "flagged": 0, "PERSON": 0, "ADDRESS": 0})
    for rec, pred in zip(recs, preds, strict=True):
        for neg in rec["negatives"]:
            row = out[neg["kind"]]
            row["n"] += 1
            kinds = {t for s, e, t in pred if t in NAMED and _hit((s, e), (neg["start"], neg["end"]))}
            row["flagged"] += bool(kinds)
            for t in kinds:
                row[t] += 1
    return dict(out)


def errors(rec: dict[str, Any], pred: list[Triple]) -> list[tuple[str, str, Triple, Triple | None]]:
    """The PERSON/ADDRESS exact-match errors of one record: ``(side, shape, span, counterpart)``.

    A missed gold span is ``missed`` (nothing overlaps it), ``wrong type`` (only other types
    overlap it), ``wider`` / ``narrower`` / ``shifted`` (one same-type prediction overlaps it),
    ``split`` (several do) or ``merged`` (the one that overlaps it overlaps another gold span too).
    A spurious prediction is ``on negative:<kind>``, ``on <type>`` (it overlaps a gold span of
    another type only), ``boundary`` (it overlaps a gold span of its type) or ``on unlabeled text``.
    """
    gold = _gold(rec)
    gold_set, pred_set = set(gold), set(pred)
    out: list[tuple[str, str, Triple, Triple | None]] = []
    for g in gold:
        if g[2] not in NAMED or g in pred_set:
            continue
        same = [p for p in pred if p[2] == g[2] and _hit(p[:2], g[:2])]
        other = [p for p in pred if p[2] != g[2] and _hit(p[:2], g[:2])]
        if not same:
            out.append(("missed", f"wrong type ({other[0][2]})" if other else "missed", g, other[0] if other else None))
            continue
        if len(same) > 1:
            out.append(("missed", "split", g, same[0]))
            continue
        p = same[0]
        if any(h != g and h[2] == g[2] and _hit(p[:2], h[:2]) for h in gold):
            shape = "merged"
        elif p[0] <= g[0] and p[1] >= g[1]:
            shape = "wider"
        elif p[0] >= g[0] and p[1] <= g[1]:
            shape = "narrower"
        else:
            shape = "shifted"
        out.append(("missed", shape, g, p))
    for p in pred:
        if p[2] not in NAMED or p in gold_set:
            continue
        same = [g for g in gold if g[2] == p[2] and _hit(p[:2], g[:2])]
        if same:
            out.append(("spurious", "boundary", p, same[0]))
            continue
        other = [g for g in gold if _hit(p[:2], g[:2])]
        negs = [n for n in rec["negatives"] if _hit(p[:2], (n["start"], n["end"]))]
        if other:
            out.append(("spurious", f"on {other[0][2]}", p, other[0]))
        elif negs:
            out.append(("spurious", f"on negative:{negs[0]['kind']}", p, None))
        else:
            out.append(("spurious", "on unlabeled text", p, None))
    return out


def _show(text: str, span: Triple, other: Triple | None, width: int = 18) -> str:
    lo = max(0, span[0] - width)
    hi = min(len(text), span[1] + width)
    ctx = (text[lo:span[0]] + "[" + text[span[0]:span[1]] + "]" + text[span[1]:hi]).replace("\n", "⏎")
    extra = f"  vs {other[2]} '{text[other[0]:other[1]]}'".replace("\n", "⏎") if other else ""
    return f"{span[2]:7} '{text[span[0]:span[1]]}'  …{ctx}…{extra}".replace("\n", "⏎")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--system", choices=("detect-names", "model-after"), default="detect-names")
    ap.add_argument("--misses", type=int, default=0, metavar="N",
                    help="print up to N missed and N spurious PERSON/ADDRESS spans per genre (dev seeds only)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the numbers here")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    held = sorted(HELD_OUT & set(seeds))
    if held and args.misses:
        ap.error(f"--misses shows records; seeds {held} are held out (report numbers only)")

    with tempfile.TemporaryDirectory(prefix="names_platform-") as tmp:
        recs = generate(seeds, args.records, Path(tmp))
    analyzer = build(args.system)
    texts = [r["text"] for r in recs]
    preds, seconds = detect(analyzer, texts)
    preds = [[p for p in ps if p[2] in TYPES] for ps in preds]
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024

    status = "HELD-OUT" if held == seeds else "DEVELOPMENT" if not held else "MIXED dev and held-out"
    print(f"## Names and addresses on platform text: seeds {','.join(map(str, seeds))} ({status}), "
          f"{args.records} records each, system {args.system}\n")
    overall = scores(recs, preds)
    print(markdown_table(type_rows(overall, TYPES)), "\n")
    result: dict[str, Any] = {"seeds": seeds, "records": len(recs), "system": args.system, "status": status,
                              "kb": kb, "cpu_seconds": seconds, "kb_per_s": kb / seconds if seconds else 0.0,
                              "overall": {lab: {"exact": overall.exact.per_label[lab].as_dict(),
                                                "overlap": overall.overlap.per_label[lab].as_dict()}
                                          for lab in TYPES}}
    for title, key in (("seed", "seed"), ("genre", "genre"), ("lang", "lang")):
        groups: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(recs):
            groups[str(r[key])].append(i)
        if key == "seed" and len(groups) < 2:
            continue
        rows, result[f"per_{key}"] = group_rows(title, groups, recs, preds)
        print(markdown_table(rows), "\n")

    negs = negatives(recs, preds)
    rows = [["negative kind", "n", "flagged", "rate", "as PERSON", "as ADDRESS"]]
    for kind, c in sorted(negs.items(), key=lambda kv: (-kv[1]["flagged"] / kv[1]["n"], kv[0])):
        rows.append([kind, str(c["n"]), str(c["flagged"]), _f(c["flagged"] / c["n"]), str(c["PERSON"]), str(c["ADDRESS"])])
    tot_n, tot_f = sum(c["n"] for c in negs.values()), sum(c["flagged"] for c in negs.values())
    rows.append(["all", str(tot_n), str(tot_f), _f(tot_f / tot_n if tot_n else 0.0), "", ""])
    print("Hard negatives overlapped by a predicted PERSON or ADDRESS span:\n")
    print(markdown_table(rows), "\n")
    result["negatives"] = negs

    errs = [(i, *e) for i, (r, p) in enumerate(zip(recs, preds, strict=True)) for e in errors(r, p)]
    shapes = Counter((side, span[2], shape) for _, side, shape, span, _ in errs)
    rows = [["error", "type", "shape", "count"]]
    rows += [[side, lab, shape, str(n)] for (side, lab, shape), n in
             sorted(shapes.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[1]))]
    print("PERSON and ADDRESS errors (exact match) by shape:\n")
    print(markdown_table(rows), "\n")
    result["error_shapes"] = [{"side": s, "type": t, "shape": sh, "count": n} for (s, t, sh), n in shapes.items()]

    print(f"Throughput: {kb:.0f} KB in {seconds:.1f} s CPU = {result['kb_per_s']:.1f} KB/s "
          f"({len(texts) / seconds if seconds else 0:.0f} records/s; one process, {BATCH} texts per call)\n")

    if args.misses:
        by_genre: dict[str, list[tuple[int, str, str, Triple, Triple | None]]] = defaultdict(list)
        for e in errs:
            by_genre[recs[e[0]]["genre"]].append(e)
        for genre in sorted(by_genre):
            print(f"### {genre}\n")
            for side in ("missed", "spurious"):
                shown = [e for e in by_genre[genre] if e[1] == side][:args.misses]
                print(f"{side} ({sum(e[1] == side for e in by_genre[genre])}):")
                for i, _, shape, span, other in shown:
                    print(f"  {recs[i]['id']} {shape:22} {_show(recs[i]['text'], span, other)}")
                print()
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
