"""Train the tagger on the shared data, export it to numpy, score it on the dev split.

    piwarden ner train --data-dir ../shared/data --seed 13

Reproducible: seeds for Python, numpy and torch, deterministic torch algorithms, a fixed
thread count, and a dev split that depends only on the data and ``split_seed``. The artifact
is one ``.npz`` (weights, vocabulary, gazetteers, and a JSON ``meta`` entry) with a JSON file
beside it holding the same metadata: command, seed, configuration, data hashes, metrics.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from piwarden.detect.evaluate import score
from piwarden.detect.ner import data
from piwarden.detect.ner.features import Encoded, Featurizer, codepoints
from piwarden.detect.ner.gazetteer import COMPOUND_SURNAMES, SINGLE_SURNAMES, place_names
from piwarden.detect.ner.infer import TaggerModel
from piwarden.detect.ner.lexicon import Lexicon, jieba_words

DEFAULTS: dict[str, Any] = {
    "arch": "bilstm", "crf": False, "dc": 64, "db": 32, "d": 192, "kernel": 3, "dilations": [1, 2, 4, 8],
    "dropout": 0.1, "buckets": 49999, "gazetteer": True, "epochs": 15, "batch": 32, "lr": 2e-3,
    "width": 150, "synthetic": 1500, "min_count": 2, "split_seed": 20260301, "dev_share": 0.1,
    "decode": "viterbi", "swap": 1, "lexicon": True, "en_split": "text", "distil": 0,
}
Log = Callable[[str], None]


def featurizer_for(examples: list[data.Example], cfg: dict[str, Any]) -> Featurizer:
    counts: Counter[int] = Counter()
    for ex in examples:
        counts.update(codepoints(ex.text).tolist())
    vocab = "".join(chr(c) for c in sorted(c for c, n in counts.items() if n >= cfg["min_count"] and c < 0x10000))
    lexicon = Lexicon(jieba_words()) if cfg["lexicon"] else None
    if cfg["gazetteer"]:
        return Featurizer(vocab, cfg["buckets"], SINGLE_SURNAMES, list(COMPOUND_SURNAMES), place_names(), lexicon)
    return Featurizer(vocab, cfg["buckets"], "", [], [], lexicon)


def dev_split(sets: dict[str, list[dict[str, Any]]], cfg: dict[str, Any],
              ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """``(train, dev)`` per set; with ``en_split`` ``template`` the English set is split by template
    (:func:`data.template_split`) so that its dev part holds no template seen in training."""
    how = cfg.get("en_split", "text")
    if how not in ("text", "template"):
        raise ValueError(f"en_split is 'text' or 'template', not {how!r}")
    train, dev = data.split(sets, cfg["split_seed"], cfg["dev_share"])
    if how == "template" and data.EN in sets:
        train[data.EN], dev[data.EN] = data.template_split(sets[data.EN])
    return train, dev


def _batches(lengths: list[int], size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Indices grouped by similar length (little padding), in random order."""
    order = np.lexsort((rng.random(len(lengths)), np.array(lengths)))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    return [groups[i] for i in rng.permutation(len(groups))]


def train(data_dir: Path, out: Path | None, seed: int = 13, threads: int = 2, log: Log = print,
          limit: int | None = None, command: str = "", device: str = "cpu",
          make_synthetic: Callable[[int, int], list[dict[str, Any]]] | None = None, **overrides: Any) -> dict[str, Any]:
    """Train, export, evaluate; write ``out`` (``.npz``) and ``out`` with ``.json`` if given.

    ``make_synthetic(n, seed)`` gives the labeled synthetic records mixed in (the CLI passes
    :func:`piwarden.demo.textgen.generate_with_orgs`; the generators live in ``demo/`` only)."""
    import torch

    from piwarden.detect.ner.model import Tagger, export

    cfg = {**DEFAULTS, **{k: v for k, v in overrides.items() if v is not None}}
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    t0 = time.perf_counter()

    sets = data.load_sets(data_dir)
    hashes = {f"{k}.jsonl": data.sha256(data_dir / f"{k}.jsonl") for k in sets}
    train_sets, dev_sets = dev_split(sets, cfg)
    if limit is not None:  # a quick run: fewer training records, the whole dev split
        train_sets = {k: v[:limit] for k, v in train_sets.items()}
    records = [(r, name) for name, recs in train_sets.items() for r in recs]
    n_synth = cfg["synthetic"] if limit is None else min(cfg["synthetic"], limit)
    if n_synth and make_synthetic is None:
        raise ValueError("synthetic records asked for but no generator given (make_synthetic)")
    records += [(r, "synthetic") for r in make_synthetic(n_synth, seed)] if n_synth and make_synthetic else []
    records += data.augment(train_sets, cfg["swap"], seed)
    if cfg["distil"]:
        from piwarden.detect.ner import distil

        n_distil = cfg["distil"] if limit is None else min(cfg["distil"], limit)
        records += [(r, distil.SOURCE) for r in distil.records(n_distil, seed)]
    examples = [c for r, src in records for c in data.chunks(data.to_example(r, src), cfg["width"])]
    featurizer = featurizer_for(examples, cfg)
    encoded = [featurizer.encode(ex.text) for ex in examples]
    log(f"{len(examples)} training chunks, {sum(len(e.text) for e in examples)} characters, "
        f"vocabulary {featurizer.n_chars}, {time.perf_counter() - t0:.1f}s")

    model = Tagger(cfg, featurizer.n_chars, cfg["buckets"], encoded[0].feats.shape[1]).to(device)
    sparse = [*model.char.parameters(), *model.bigram.parameters()]
    dense = [p for p in model.parameters() if all(p is not q for q in sparse)]
    opts = [torch.optim.SparseAdam(sparse, lr=cfg["lr"]), torch.optim.AdamW(dense, lr=cfg["lr"], weight_decay=1e-4)]
    rng = np.random.default_rng(seed)
    steps = cfg["epochs"] * ((len(examples) + cfg["batch"] - 1) // cfg["batch"])
    warmup = min(200, steps // 10 + 1)
    scheds = [torch.optim.lr_scheduler.LambdaLR(
        o, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))) for o in opts]
    history = []
    for epoch in range(cfg["epochs"]):
        model.train()
        total, count, t1 = 0.0, 0, time.perf_counter()
        for idx in _batches([len(e.chars) for e in encoded], cfg["batch"], rng):
            loss = _step(model, opts, featurizer, [encoded[i] for i in idx], [examples[i].tags for i in idx])
            for sched in scheds:
                sched.step()
            total, count = total + loss, count + 1
        history.append({"epoch": epoch + 1, "loss": total / max(count, 1), "seconds": time.perf_counter() - t1})
        log(f"epoch {epoch + 1}/{cfg['epochs']}: loss {total / max(count, 1):.4f} ({time.perf_counter() - t1:.0f}s)")

    model.eval()
    arrays = {k: v.astype(np.float16) for k, v in export(model).items()}
    meta: dict[str, Any] = {"model": cfg, "decode": cfg["decode"], "calibration": [1.0, 0.0], "seed": seed,
                            "threads": threads, "command": command, "data": hashes, "tags": list(data.TAGS),
                            "torch": torch.__version__, "history": history,
                            "train_seconds": round(time.perf_counter() - t0, 1)}
    tagger = TaggerModel({**arrays, **featurizer.to_arrays(), "meta": np.array(json.dumps(meta))})
    meta["calibration"] = calibrate(tagger, dev_sets)
    tagger.calibration = tuple(meta["calibration"])
    meta["metrics"] = evaluate(tagger, dev_sets)
    meta["dev_records"] = {k: len(v) for k, v in dev_sets.items()}
    log(summary(meta["metrics"]))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, **arrays, **featurizer.to_arrays(), meta=np.array(json.dumps(meta)))  # type: ignore[arg-type]  # numpy's stub types **kwds as the allow_pickle flag
        out.with_suffix(".json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


def _step(model: Any, opts: list[Any], featurizer: Featurizer, enc: list[Encoded], tags: list[list[int]]) -> float:
    import torch

    device = next(model.parameters()).device
    chars, left, right, feats, mask = (torch.from_numpy(a).to(device) for a in featurizer.batch(enc))
    gold = torch.full(chars.shape, data.IGNORE, dtype=torch.long)
    for i, t in enumerate(tags):
        gold[i, :len(t)] = torch.tensor(t, dtype=torch.long)
    gold = gold.to(device)
    loss = model.loss(model.emissions(chars, left, right, feats, mask), gold, mask)
    for opt in opts:
        opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if not p.grad.is_sparse], 5.0)
    for opt in opts:
        opt.step()
    return float(loss.detach())


def predict(tagger: TaggerModel, records: list[dict[str, Any]], batch: int = 256) -> list[list[tuple]]:
    texts = [r["text"] for r in records]
    out: list[list[tuple]] = []
    for i in range(0, len(texts), batch):
        out += tagger.predict(texts[i:i + batch])
    return out


def calibrate(tagger: TaggerModel, dev_sets: dict[str, list[dict[str, Any]]]) -> list[float]:
    """``(a, b)`` with ``a * t + b = 0.5`` at the threshold ``t`` that maximizes the Chinese dev sets'
    micro exact F1 over the reported types, and ``a + b = 1``."""
    saved, tagger.calibration = tagger.calibration, (1.0, 0.0)
    gold, preds = [], []
    for name, recs in dev_sets.items():
        if name.startswith("zh_"):
            gold += recs
            preds += predict(tagger, recs)
    tagger.calibration = saved
    best = (-1.0, 0.0)
    for t in np.arange(0.2, 0.91, 0.05):
        kept = [[p for p in ps if p[3] >= t] for ps in preds]
        f1 = score(gold, kept, labels=data.REPORTED).exact.micro.f1
        best = max(best, (f1, float(t)))
    a = 0.5 / (1.0 - best[1])
    return [round(a, 4), round(1.0 - a, 4)]


def evaluate(tagger: TaggerModel, dev_sets: dict[str, list[dict[str, Any]]], min_score: float = 0.5,
             ) -> dict[str, Any]:
    """Per data set: exact and overlap P/R/F1 per reported type at ``min_score``, and speed."""
    metrics: dict[str, Any] = {}
    for name, recs in dev_sets.items():
        t0 = time.perf_counter()
        preds = predict(tagger, recs)
        seconds = time.perf_counter() - t0
        preds = [[p for p in ps if p[3] >= min_score] for ps in preds]
        rep = score(recs, preds, labels=data.REPORTED)
        nbytes = sum(len(r["text"].encode("utf-8")) for r in recs)
        metrics[name] = {
            "records": len(recs), "kb_per_s": round(nbytes / 1024 / max(seconds, 1e-9), 1),
            **{mode: {lab: {k: round(v, 4) for k, v in c.as_dict().items()}
                      for lab, c in [*getattr(rep, mode).per_label.items(), ("micro", getattr(rep, mode).micro)]}
               for mode in ("exact", "overlap")}}
    return metrics


def summary(metrics: dict[str, Any]) -> str:
    lines = ["set | type | exact P/R/F1 | overlap F1"]
    for name, m in metrics.items():
        for lab in (*data.REPORTED, "micro"):
            ex, ov = m["exact"][lab], m["overlap"][lab]
            if ex["tp"] + ex["fn"] + ex["fp"]:
                lines.append(f"{name} | {lab} | {ex['precision']:.3f}/{ex['recall']:.3f}/{ex['f1']:.3f} | {ov['f1']:.3f}")
        lines.append(f"{name} | speed | {m['kb_per_s']} KB/s (model alone, batched)")
    return "\n".join(lines)
