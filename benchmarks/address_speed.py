"""What the address parser costs: rules-only detection with and without it, and parsing alone.

    python benchmarks/address_speed.py [--data-dir ../shared/data] [--repeat 5] [--cpca PATH]

Times ``Analyzer.analyze_batch`` (batches of 256, the rules only, as plain ``piwarden detect``)
over each shared file and over 2,000 clean English log lines, with the AddressRecognizer and
without it: median KB of UTF-8 per CPU second of ``--repeat`` runs, and the ratio. Then
``parse`` alone on 2,000 full addresses (microseconds per address), and, where ``--cpca`` names
a folder holding the cpca package (``pip install --target DIR cpca``), cpca's ``transform`` on
the same addresses for comparison.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try:
    import piwarden  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "src"))

from piwarden.detect import Analyzer  # noqa: E402
from piwarden.detect.address import parse  # noqa: E402
from piwarden.detect.address.divisions import divisions  # noqa: E402
from piwarden.detect.ner.data import read_jsonl  # noqa: E402
from piwarden.detect.registry import load_recognizers  # noqa: E402

SETS = ("zh_cluener2020", "zh_bdci2020_privacy", "zh_weibo_ner", "en_presidio_synth_v2")


def cpu_kbs(analyzer: Analyzer, texts: list[str], repeat: int) -> float:
    size = sum(len(t.encode()) for t in texts) / 1000
    runs = []
    for _ in range(repeat):
        t0 = time.process_time()
        for i in range(0, len(texts), 256):
            analyzer.analyze_batch(texts[i : i + 256])
        runs.append(size / (time.process_time() - t0))
    return statistics.median(runs)


def sample_addresses(n: int) -> list[str]:
    r = random.Random(5)
    counties = [d for ds in divisions().full.values() for d in ds if d.level == 3 and d.city]
    out = []
    for _ in range(n):
        d = r.choice(counties)
        out.append(f"{d.province}{d.city}{d.name}{r.choice(['文三路', '建国路', '人民大道'])}{r.randint(1, 999)}号"
                   f"{r.randint(1, 30)}栋{r.randint(1, 6)}单元{r.randint(101, 3304)}室")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpca", type=Path)
    ap.add_argument("--names", type=int, default=0, metavar="N",
                    help="also time the model on the first N records of each Chinese file, with and without whole_addresses")
    args = ap.parse_args()
    rules = load_recognizers("enabled: all\ndisabled: [NameAddressRecognizer]\n")
    with_parser, without = Analyzer(rules), Analyzer([r for r in rules if r.name != "AddressRecognizer"])
    with_parser.analyze("浙江省杭州市西湖区文三路90号")  # load the table and compile the anchors
    logs = [f"2026-03-0{i % 9 + 1} 10:{i % 60:02d}:00 INFO request id={i} path=/api/v1/orders status=200 ms={i % 97}"
            for i in range(2000)]
    corpora = {name: [r["text"] for r in read_jsonl(args.data_dir / f"{name}.jsonl")] for name in SETS}
    corpora["english logs"] = logs
    print("| text | rules KB/s | rules + address parser KB/s | ratio |\n|---|---|---|---|")
    for name, texts in corpora.items():
        a, b = cpu_kbs(without, texts, args.repeat), cpu_kbs(with_parser, texts, args.repeat)
        print(f"| {name} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |", flush=True)
    if args.names:
        from piwarden.detect.ner.recognizer import NameAddressRecognizer

        class _Before(NameAddressRecognizer):
            whole_addresses = False

        plain = [r for r in rules if r.name != "AddressRecognizer"]
        model_before, model_after = Analyzer([_Before(), *plain]), Analyzer([NameAddressRecognizer(), *plain])
        print("\n| text | model KB/s | model + whole addresses KB/s | ratio |\n|---|---|---|---|")
        for name in SETS[:3]:
            texts = corpora[name][: args.names]
            a, b = cpu_kbs(model_before, texts, args.repeat), cpu_kbs(model_after, texts, args.repeat)
            print(f"| {name} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |", flush=True)
    addrs = sample_addresses(2000)
    t0 = time.process_time()
    for a in addrs:
        parse(a)
    per = (time.process_time() - t0) / len(addrs) * 1e6
    print(f"\nparse: {per:.1f} µs per address (2,000 full addresses)")
    if args.cpca:
        sys.path.insert(0, str(args.cpca))
        import cpca  # type: ignore[import-not-found]

        cpca.transform(addrs[:10])
        t0 = time.process_time()
        cpca.transform(addrs)
        print(f"cpca.transform: {(time.process_time() - t0) / len(addrs) * 1e6:.1f} µs per address "
              "(province, city, district only)")


if __name__ == "__main__":
    main()
