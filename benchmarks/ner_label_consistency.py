"""How consistently a labeled set marks the same words: a ceiling for exact-span scores.

    python benchmarks/ner_label_consistency.py [--data-dir ../shared/data] [--set zh_cluener2020]
                                               [--type ADDRESS] [--min-len 2] [--max-len 4] [--top 25]

Every string that the set labels as ``--type`` somewhere (of ``--min-len`` to ``--max-len``
characters) is looked up everywhere in the set's texts; each occurrence is counted as labeled
with that type, labeled with another type, inside a longer span (of which type), or not labeled
at all. Occurrences that stand alone (labeled with the type, or not labeled) are where a model
must decide "this word is an ADDRESS here": when the set itself says yes for one occurrence of
``北京`` and no for the next, no model that reads the word the same way can match both.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path


def occurrences(records: list[dict], kind: str, min_len: int, max_len: int) -> tuple[Counter, dict[str, Counter]]:
    words = {r["text"][s["start"]:s["end"]] for r in records for s in r["spans"] if s["label"] == kind}
    words = {w for w in words if min_len <= len(w) <= max_len}
    if not words:
        return Counter(), {}
    total: Counter = Counter()
    per: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        text = r["text"]
        labels = {(s["start"], s["end"]): s["label"] for s in r["spans"]}
        for w in words:  # every occurrence of every word, overlapping ones included
            for m in re.finditer(re.escape(w), text):
                a, b = m.span()
                label = labels.get((a, b))
                if label is None:
                    inside = [lab for (x, y), lab in labels.items() if x <= a and b <= y]
                    label = f"inside {inside[0]}" if inside else "unlabeled"
                total[label] += 1
                per[w][label] += 1
    return total, per


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--set", default="zh_cluener2020")
    parser.add_argument("--type", default="ADDRESS")
    parser.add_argument("--min-len", type=int, default=2)
    parser.add_argument("--max-len", type=int, default=4)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    path = args.data_dir / f"{args.set}.jsonl"
    records = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    total, per = occurrences(records, args.type, args.min_len, args.max_len)
    alone = total[args.type] + total["unlabeled"]
    print(f"{args.set}: {len(per)} strings of {args.min_len}-{args.max_len} characters labeled {args.type}")
    print("occurrences: " + ", ".join(f"{k} {v}" for k, v in total.most_common()))
    if alone:
        print(f"standing alone: {total[args.type]} of {alone} labeled {args.type} ({total[args.type] / alone:.2f}), "
              f"{total['unlabeled']} not labeled")
    print(f"\nmost frequent strings ({args.type} / not labeled / elsewhere):")
    for word, c in sorted(per.items(), key=lambda kv: -sum(kv[1].values()))[:args.top]:
        other = sum(c.values()) - c[args.type] - c["unlabeled"]
        print(f"  {word}: {c[args.type]} / {c['unlabeled']} / {other}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
