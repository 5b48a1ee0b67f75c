"""Every disagreement between piwarden and the BDCI 2020 labels for PHONE and EMAIL, in context.

The detection issue asks for exact F1 >= 0.95 on these two types; this lists what stands between
(docs/benchmarks.md sorts each line into label errors and real misses). It reads
the shared set only. Usage: ``python benchmarks/bdci_disagreements.py [--data-dir ../shared/data]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from piwarden.detect import Analyzer

REPO = Path(__file__).resolve().parents[1]


def shown(text: str, start: int, end: int, margin: int = 12) -> str:
    return f"{text[max(0, start - margin):start]}[{text[start:end]}]{text[end:end + margin]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--types", nargs="+", default=["PHONE", "EMAIL"])
    args = parser.parse_args(argv)
    path = args.data_dir / "zh_bdci2020_privacy.jsonl"
    with path.open(encoding="utf-8") as f:  # not splitlines(): texts hold U+2028
        records = [json.loads(line) for line in f if line.strip()]
    analyzer = Analyzer()
    found = [analyzer.analyze(r["text"]) for r in records]
    for kind in args.types:
        tp = fp = fn = 0
        for record, spans in zip(records, found, strict=True):
            text = record["text"]
            gold = {(s["start"], s["end"]) for s in record["spans"] if s["label"] == kind}
            got = {(s.start, s.end) for s in spans if s.type == kind}
            for start, end in sorted(gold - got):
                print(f"{kind} missed   {record['id']}  {shown(text, start, end)!r}")
            for start, end in sorted(got - gold):
                print(f"{kind} extra    {record['id']}  {shown(text, start, end)!r}")
            tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        print(f"{kind}: {tp} exact matches, {fp} extra, {fn} missed, exact F1 {f1:.3f}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
