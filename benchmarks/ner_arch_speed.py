"""Inference speed of the tagger's variants (random weights: speed does not depend on training).

    python benchmarks/ner_arch_speed.py [--data-dir ../shared/data] [--limit 1000]

One thread; KB/s of UTF-8 per CPU second of this process, one text per call and batches of 64,
greedy and Viterbi decoding. Needs the ``train`` extra (torch builds the modules to export).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from piwarden.detect.ner.data import read_jsonl  # noqa: E402
from piwarden.detect.ner.features import Featurizer  # noqa: E402
from piwarden.detect.ner.gazetteer import COMPOUND_SURNAMES, SINGLE_SURNAMES  # noqa: E402
from piwarden.detect.ner.infer import TaggerModel  # noqa: E402
from piwarden.detect.ner.train import DEFAULTS  # noqa: E402

VARIANTS = {"cnn-128x4": {}, "cnn-96x4": {"d": 96}, "cnn-160x5": {"d": 160, "dilations": [1, 2, 4, 8, 1]},
            "cnn-128x4-crf": {"crf": True}, "bilstm-128": {"arch": "bilstm"}, "bilstm-128-crf": {"arch": "bilstm", "crf": True}}


def main() -> None:
    import torch

    from piwarden.detect.ner.model import Tagger, export

    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=1000)
    args = ap.parse_args()
    torch.manual_seed(0)
    texts = [r["text"] for r in read_jsonl(args.data_dir / "zh_cluener2020.jsonl")[:args.limit]]
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    vocab = "".join(sorted({c for t in texts for c in t}))
    feat = Featurizer(vocab, DEFAULTS["buckets"], SINGLE_SURNAMES, list(COMPOUND_SURNAMES), ["北京市", "杭州"])
    for name, over in VARIANTS.items():
        cfg = {**DEFAULTS, **over}
        model = Tagger(cfg, feat.n_chars, cfg["buckets"], 12).eval()
        tagger = TaggerModel({**export(model), **feat.to_arrays(), "meta": np.array(json.dumps({"model": cfg}))})
        row = {}
        for decode in ("greedy", "viterbi"):
            tagger.decode = decode
            for batch in (1, 64):
                tagger.predict(texts[:batch])
                c0 = time.process_time()
                for i in range(0, len(texts), batch):
                    tagger.predict(texts[i:i + batch])
                row[f"{decode}_batch{batch}"] = round(kb / (time.process_time() - c0), 1)
        print(name, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
