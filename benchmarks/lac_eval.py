"""Score Baidu LAC (read with numpy, ``piwarden.detect.ner.lac``) on the NER dev split, alone and
combined with the shipped model.

    python benchmarks/lac_eval.py --data-dir ../shared/data [--lac PATH.npz] [--sets zh_cluener2020,...]

Same dev split (``split_seed`` of the shipped model's configuration) and the same scorer
(``piwarden.detect.evaluate.score`` over PERSON / ADDRESS / ORG, exact and overlap) as
``piwarden ner eval``; the shipped model's spans are those ``ner eval`` scores (``TaggerModel.predict``,
threshold 0.5). Combinations, each per record (``piwarden.detect.ner.lac.combine``):

- ``lac``: LAC's PER / LOC / ORG words as PERSON / ADDRESS / ORG (touching LOC words as one span);
- ``model``: the shipped model alone;
- ``union``: LAC's spans plus the shipped model's spans that overlap none of them;
- ``lac_names``: PERSON and ORG from LAC, ADDRESS from the shipped model, then the model's
  PERSON / ORG spans that overlap nothing kept;
- ``model_first``: the shipped model's spans plus LAC's PERSON / ORG spans that overlap none of them.

Speed: LAC alone on the set's dev texts, KB of UTF-8 per CPU second (one process, one BLAS thread).
``--speed N`` times instead, on the first N records of each file in batches of 64 (best of two
passes, KB per CPU second): LAC alone, the shipped model alone, and ``NameAddressRecognizer.find``
without and with ``lac_names``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from piwarden.detect.evaluate import score
from piwarden.detect.ner import data
from piwarden.detect.ner.infer import TaggerModel
from piwarden.detect.ner.lac import ARTIFACT, COMBINATIONS, LacModel, combine
from piwarden.detect.ner.recognizer import default_artifact
from piwarden.detect.ner.train import dev_split, predict

Span = tuple[int, int, str, float]
MODES = COMBINATIONS


def run(data_dir: Path, lac_path: Path, sets: list[str] | None, modes: tuple[str, ...] = MODES) -> dict[str, Any]:
    tagger = TaggerModel.load(str(default_artifact()))
    lac = LacModel.load(lac_path)
    _, dev = dev_split(data.load_sets(data_dir), tagger.cfg)
    report: dict[str, Any] = {}
    for name, recs in dev.items():
        if sets and name not in sets:
            continue
        texts = [r["text"] for r in recs]
        t0 = time.process_time()
        lac_spans: list[list[Span]] = []
        for i in range(0, len(texts), 256):
            lac_spans += lac.predict(texts[i:i + 256])
        cpu = time.process_time() - t0
        shipped = predict(tagger, recs)
        nbytes = sum(len(t.encode("utf-8")) for t in texts)
        report[name] = {"lac_kb_per_cpu_s": round(nbytes / 1024 / cpu, 1), "records": len(recs)}
        for mode in modes:
            preds = [[p for p in combine(a, b, mode, min_score=0.5) if p[3] >= 0.5]
                     for a, b in zip(lac_spans, shipped, strict=True)]
            rep = score(recs, preds, labels=data.REPORTED)
            report[name][mode] = {
                m: {lab: round(c.f1, 4) for lab, c in [*getattr(rep, m).per_label.items(), ("micro", getattr(rep, m).micro)]}
                for m in ("exact", "overlap")}
    return report


def speed(data_dir: Path, lac_path: Path, sets: list[str], limit: int, batch: int = 64) -> dict[str, dict[str, float]]:
    from piwarden.detect.ner.recognizer import NameAddressRecognizer

    class WithLac(NameAddressRecognizer):
        lac_names = True
        lac_artifact = lac_path

    tagger = TaggerModel.load(str(default_artifact()))
    lac = LacModel.load(lac_path)
    runs = {"lac": lac.predict, "model": tagger.predict, "recognizer": NameAddressRecognizer().find,
            "recognizer + lac_names": WithLac().find}
    out: dict[str, dict[str, float]] = {}
    for name in sets:
        texts = [r["text"] for r in data.read_jsonl(data_dir / f"{name}.jsonl")[:limit]]
        nbytes = sum(len(t.encode("utf-8")) for t in texts)
        out[name] = {}
        for label, fn in runs.items():
            fn(texts[:8])  # load
            best = 0.0
            for _ in range(2):
                t0 = time.process_time()
                for i in range(0, len(texts), batch):
                    fn(texts[i:i + batch])
                best = max(best, nbytes / 1024 / (time.process_time() - t0))
            out[name][label] = round(best, 1)
    return out


def table(report: dict[str, Any]) -> str:
    lines = ["| set | combination | PERSON exact / overlap | ADDRESS exact / overlap | ORG exact / overlap | micro exact |",
             "|---|---|---|---|---|---|"]
    for name, r in report.items():
        for mode in MODES:
            if mode not in r:
                continue
            m = r[mode]
            cells = [f"{m['exact'][lab]:.3f} / {m['overlap'][lab]:.3f}" for lab in data.REPORTED]
            lines.append(f"| {name} | {mode} | {' | '.join(cells)} | {m['exact']['micro']:.3f} |")
        lines.append(f"| {name} | LAC speed | {r['lac_kb_per_cpu_s']} KB per CPU second | | | |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--lac", type=Path, default=ARTIFACT)
    ap.add_argument("--sets", default="zh_cluener2020,zh_bdci2020_privacy,zh_weibo_ner")
    ap.add_argument("--json", type=Path, help="write the full report here")
    ap.add_argument("--speed", type=int, default=0, help="time the first N records of each file instead of scoring")
    args = ap.parse_args()
    if args.speed:
        print(json.dumps(speed(args.data_dir, args.lac, args.sets.split(","), args.speed), indent=1))
        return
    report = run(args.data_dir, args.lac, args.sets.split(",") if args.sets else None)
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
