"""One long record costs what the same bytes cost as ordinary records (issue 16's acceptance).

Usage: python benchmarks/long_records.py [--mb 50] [--spans 20000] [--repeats 3]

Three inputs, each against the same bytes split into ordinary records of about 1 KB (the
anchor), timed through the path ``piwarden detect`` takes (``iter_records`` ->
``detect_stream``, one process), in alternating order, medians over ``--repeats``:

- a plain-text file that is one line of ``--mb`` MB (read in pieces cut at spaces or
  punctuation, piwarden.inputs.text_chunks);
- the same text as one JSONL record (one ``text`` of ``--mb`` MB, analyzed whole);
- one JSONL record holding ``--spans`` phone numbers (overlap resolution on 20,000 spans).

The text is synthetic Chinese customer-service prose with phone numbers, order numbers and
ID-like digits (a fixed seed). Prints the medians and the ratios (long / split), then one
JSON line. The acceptance: every ratio at most 1.2.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from piwarden.detect.records import RecordError, iter_records
from piwarden.detect.runner import DetectOptions, detect_stream

SENTENCES = ["客户{name}的手机是{phone}，订单号{order}，备注：请尽快发货。", "Customer asked to ship order {order} today; call {phone}. ",
             "收件人{name}，电话{phone}，地址北京市朝阳区建国路{n}号。", "退款已处理，工单{order}，无需回电。 "]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静"]


def _text(size: int, rng: random.Random) -> list[str]:
    parts, total = [], 0
    while total < size:
        s = rng.choice(SENTENCES).format(name=rng.choice(NAMES), phone=f"13{rng.randrange(10**9):09d}",
                                         order=rng.randrange(10**8), n=rng.randrange(1, 300))
        parts.append(s)
        total += len(s.encode())
    return parts


def _split(parts: list[str], path: Path, per: int = 12) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(0, len(parts), per):
            f.write(json.dumps({"id": f"r{i}", "text": "".join(parts[i:i + per])}, ensure_ascii=False) + "\n")


def _detect(path: Path) -> tuple[float, int]:
    options = DetectOptions()
    started = time.perf_counter()
    spans = 0
    for result in detect_stream(iter_records(str(path)), options):
        if not isinstance(result, RecordError):
            spans += len(result["entities"])
    return time.perf_counter() - started, spans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0)
    ap.add_argument("--spans", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(16)
    DetectOptions().analyzer()  # recognizers loaded before any timing
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="piwarden-long-") as tmp:
        work = Path(tmp)
        parts = _text(int(args.mb * 1_000_000), rng)
        text = "".join(parts)
        (work / "line.txt").write_text(text, "utf-8")
        (work / "line.jsonl").write_text(json.dumps({"id": "one", "text": text}, ensure_ascii=False) + "\n", "utf-8")
        _split(parts, work / "split.jsonl")
        phones = [f"电话13{rng.randrange(10**9):09d} " for _ in range(args.spans)]
        (work / "spans.jsonl").write_text(json.dumps({"id": "many", "text": "".join(phones)}, ensure_ascii=False)
                                          + "\n", "utf-8")
        _split(phones, work / "spans-split.jsonl", per=20)
        cases = {f"{args.mb:g} MB line, plain text": ("line.txt", "split.jsonl"),
                 f"{args.mb:g} MB line, one JSONL record": ("line.jsonl", "split.jsonl"),
                 f"{args.spans:,}-span record": ("spans.jsonl", "spans-split.jsonl")}
        for label, (long_file, split_file) in cases.items():
            times: dict[str, list[float]] = {"long": [], "split": []}
            found: dict[str, int] = {}
            for r in range(args.repeats):
                order = [("long", long_file), ("split", split_file)]
                for side, name in order if r % 2 == 0 else order[::-1]:
                    seconds, spans = _detect(work / name)
                    times[side].append(seconds)
                    found[side] = spans
            long_s, split_s = statistics.median(times["long"]), statistics.median(times["split"])
            results[label] = {"long_s": round(long_s, 3), "split_s": round(split_s, 3),
                              "ratio": round(long_s / split_s, 3), "spans_long": found["long"],
                              "spans_split": found["split"]}
            print(f"{label}: long {long_s:.2f} s, split {split_s:.2f} s, ratio {long_s / split_s:.2f} "
                  f"(spans {found['long']:,} vs {found['split']:,})", flush=True)
    print(json.dumps({"mb": args.mb, "spans": args.spans, "repeats": args.repeats, "results": results}))


if __name__ == "__main__":
    main()
