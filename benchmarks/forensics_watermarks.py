"""Export watermarks: how many leaked rows name the export, when every export held the same people.

Usage: python benchmarks/forensics_watermarks.py [--records /tmp/ins-bench/small-1/records.jsonl]
       [--exports 20] [--people 400] [--trials 200]

Worst case for membership: ``--exports`` exports of the same ``--people`` customers (order records of
the scenarios' ``records.jsonl``), one per recipient, each marked with its own export id
(``piwarden.mask.watermark``). A leak takes k rows of one export and degrades them the way leaks do
(``scenarios/insiders`` README): the name column dropped, columns reordered, every other phone masked
(``138****5678``), every third address cut after the district, the time column dropped in half the
trials. Decoding (``piwarden.forensics.attribution.watermarks``) is told the rows' subjects. Reported
per k: the share of trials where the true export is found first, where another export is found
(a false accusation), and the median chance (p-value) of the true export; beside the anchor, row
membership (which export held all leaked people), which can only guess among the exports: 1/exports.
"""

from __future__ import annotations

import argparse
import random
import statistics
from pathlib import Path

import orjson

from piwarden.forensics.attribution.watermarks import Export, Registry, decode
from piwarden.mask.watermark import mark_row

KEY = b"benchmark-watermark-key-32-bytes"
FIELDS = ("name", "phone", "address", "goods", "order_time", "amount")


def load(path: Path, n: int) -> list[tuple[str, dict[str, str]]]:
    out = []
    with path.open("rb") as f:
        for line in f:
            r = orjson.loads(line)
            if r.get("resource") == "order" and all(r["fields"].get(k) for k in FIELDS):
                out.append((r["subject"], {k: str(r["fields"][k]) for k in FIELDS}))
                if len(out) == n:
                    break
    return out


def degrade(row: dict[str, str], j: int, rng: random.Random, drop_time: bool) -> dict[str, str]:
    r = {k: v for k, v in row.items() if k != "name" and not (drop_time and k == "order_time")}
    if j % 2:
        digits = r["phone"].replace("-", "")
        r["phone"] = f"{digits[:3]}****{digits[7:]}"
    if j % 3 == 0:
        a = r["address"]
        cut = a.find("区")
        r["address"] = a[:cut + 1] if cut > 0 else a
    keys = list(r)
    rng.shuffle(keys)
    return {k: r[k] for k in keys}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--records", type=Path, default=Path("/tmp/ins-bench/small-1/records.jsonl"))
    ap.add_argument("--exports", type=int, default=20)
    ap.add_argument("--people", type=int, default=400)
    ap.add_argument("--trials", type=int, default=200)
    args = ap.parse_args()
    rows = load(args.records, args.people)
    reg = Registry([Export(f"X-{i:03d}", f"party-{i}") for i in range(args.exports)])
    marked = {e.export_id: [mark_row(r, KEY, e.export_id, s) for s, r in rows] for e in reg.exports}
    rng = random.Random(18)
    print(f"{len(rows)} people in each of {args.exports} exports; {args.trials} trials per leak size\n")
    print("| leaked rows | true export found first | another export found | median chance of the true export "
          "| anchor: row membership |")
    print("|---|---|---|---|---|")
    for k in (2, 3, 5, 10, 20, 50):
        right = wrong = 0
        chances = []
        for _ in range(args.trials):
            truth = rng.choice(reg.exports).export_id
            picked = rng.sample(range(len(rows)), k)
            drop_time = rng.random() < 0.5
            leak = {j + 2: degrade(marked[truth][i], j, rng, drop_time) for j, i in enumerate(picked)}
            found = decode(leak, {j + 2: rows[i][0] for j, i in enumerate(picked)}, reg, KEY)
            right += found[0].found and found[0].export_id == truth
            wrong += any(d.found and d.export_id != truth for d in found)
            chances.append(next(d.p_value for d in found if d.export_id == truth))
        print(f"| {k} | {right / args.trials:.3f} | {wrong / args.trials:.3f} | {statistics.median(chances):.1e} | "
              f"{1 / args.exports:.3f} (a guess) |")


if __name__ == "__main__":
    main()
