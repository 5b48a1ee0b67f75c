"""English PERSON on the template-grouped dev split: piwarden's variants beside Presidio (spaCy small).

    python benchmarks/names_en_template.py [--data-dir ../shared/data] [--variants model,union]
                                           [--core 0] [--repeats 3] [--part dev|train]

The split is :func:`piwarden.detect.ner.data.template_split` (skeleton = text with each gold span
replaced by its label; no skeleton on both sides). Each variant is the default Analyzer with the
NameAddressRecognizer, its ``english_names`` set to the variant (``model``: the shipped model
only, as without the ``names-en`` extra; ``spacy``, ``union``, ``model-first``: rules of
:func:`piwarden.detect.ner.english.combine`, which need the extra), 256 texts per
``analyze_batch``; Presidio is ``benchmarks/presidio_runner.py --lang en`` in ``.venv-presidio``
(``bash benchmarks/presidio_env.sh``), one text per call. Both sides on one core, CPU time of the
analyze calls after an untimed pass (as ``detect_vs_presidio.py``); the median of ``--repeats``
runs. Also says how many dev records the shipped model was trained on (its own text-grouped
split): the shipped model's score on this split is not that of unseen data.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
try:
    import piwarden  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "src"))

from detect_vs_presidio import run_piwarden, run_presidio, utf8_bytes, write_jsonl  # noqa: E402
from piwarden.detect.evaluate import markdown_table, score  # noqa: E402
from piwarden.detect.ner import data  # noqa: E402

EN = "en_presidio_synth_v2"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--variants", default="model,union", help="english_names values, comma-separated")
    parser.add_argument("--part", choices=("dev", "train"), default="dev",
                        help="score on the template split's dev part (default) or its train part (to choose rules)")
    parser.add_argument("--presidio-python", type=Path, default=REPO / ".venv-presidio" / "bin" / "python")
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--model", type=Path, default=None, help="artifact (.npz); default: the shipped one")
    args = parser.parse_args(argv)

    records = data.read_jsonl(args.data_dir / f"{EN}.jsonl")
    train, dev = data.template_split(records)
    part = dev if args.part == "dev" else train
    from piwarden.detect.ner.recognizer import NameAddressRecognizer, load

    cfg = load(args.model).cfg
    seen, _ = data.split({EN: records}, cfg["split_seed"], cfg["dev_share"])
    seen_ids = {r["id"] for r in seen[EN]}
    persons = sum(1 for r in part for s in r["spans"] if s["label"] == "PERSON")
    print(f"template split (seed {data.TEMPLATE_SEED}, dev share {data.TEMPLATE_DEV_SHARE}): "
          f"train {len(train)} records / {len({data.skeleton(r) for r in train})} templates, "
          f"dev {len(dev)} / {len({data.skeleton(r) for r in dev})}; scoring the {args.part} part: "
          f"{len(part)} records, {persons} PERSON spans, {utf8_bytes(part) / 1024:.1f} KB; "
          f"{sum(r['id'] in seen_ids for r in part)} of its records are in the text-grouped training part "
          f"(the shipped model's)")
    if cfg.get("en_split") == "template":
        print("this model was trained on the template split's train part: no dev template seen in training")

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    from piwarden.detect import Analyzer

    nbytes = utf8_bytes(part)
    rows = [["side", "PERSON exact P / R / F1", "PERSON overlap P / R / F1", "KB/s (one core)"]]
    results: dict[str, tuple[float, float, float]] = {}

    def add(name: str, preds: list, seconds: float) -> None:
        rep = score(part, preds, labels=["PERSON"])
        ex, ov = rep.exact.per_label["PERSON"], rep.overlap.per_label["PERSON"]
        kbs = nbytes / 1024 / max(seconds, 1e-9)
        results[name] = (ex.f1, ov.f1, kbs)
        rows.append([name, f"{ex.precision:.3f} / {ex.recall:.3f} / **{ex.f1:.3f}**",
                     f"{ov.precision:.3f} / {ov.recall:.3f} / **{ov.f1:.3f}**", f"{kbs:.1f}"])

    for variant in [v for v in args.variants.split(",") if v]:
        rec_cls = type(f"Names_{variant}", (NameAddressRecognizer,),
                       {"english_names": variant, "artifact": args.model})
        analyzer = Analyzer([rec_cls(), *Analyzer().recognizers])
        runs = [run_piwarden(part, analyzer, args.batch) for _ in range(args.repeats)]
        run = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        add(f"piwarden + {args.model.name if args.model else 'model'}, english_names={variant}", run["predictions"], run["seconds"])

    if not args.no_presidio and args.presidio_python.exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = write_jsonl(Path(tmp) / f"en_template_{args.part}.jsonl", part)
            runs = [run_presidio(path, "en", len(part), args.presidio_python, args.core)
                    for _ in range(args.repeats)]
        run = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        add("Presidio (spaCy small, default.yaml)", run["predictions"], run["seconds"])
    elif not args.no_presidio:
        print(f"no Presidio environment at {args.presidio_python} (bash benchmarks/presidio_env.sh)", file=sys.stderr)

    print()
    print(markdown_table(rows))
    presidio = results.get("Presidio (spaCy small, default.yaml)")
    if presidio:
        for name, (ex, _, kbs) in results.items():
            if name.startswith("piwarden"):
                print(f"- {name}: {kbs / presidio[2]:.1f}x Presidio's speed; exact F1 {ex - presidio[0]:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
