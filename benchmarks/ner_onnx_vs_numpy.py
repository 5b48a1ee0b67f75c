"""Numpy against onnxruntime for the tagger's network, same weights, same batches, one thread.

    python benchmarks/ner_onnx_vs_numpy.py [--model PATH] [--data-dir ../shared/data] [--limit 2000]

Rebuilds the torch module from the ``.npz`` artifact, exports it to ONNX (needs the
``train`` extra plus ``onnx``, ``onnxscript``, ``onnxruntime``), checks that both give the
same scores, and times the network part (features and decoding are shared) on Chinese texts,
one text per call and in batches of 64. The result decided the runtime (docs/ner.md).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from piwarden.detect.ner.data import read_jsonl  # noqa: E402
from piwarden.detect.ner.infer import TaggerModel  # noqa: E402
from piwarden.detect.ner.recognizer import default_artifact  # noqa: E402


def torch_module(tagger: TaggerModel):
    import torch

    from piwarden.detect.ner.model import Tagger

    w, cfg = tagger.w, tagger.cfg
    model = Tagger(cfg, w["char"].shape[0], w["bigram"].shape[0], w["inp_w"].shape[0] - cfg["dc"] - 2 * cfg["db"])
    sd = {"char.weight": w["char"], "bigram.weight": w["bigram"], "inp.weight": w["inp_w"].T, "inp.bias": w["inp_b"],
          "out.weight": w["out_w"].T, "out.bias": w["out_b"]}
    k, d = cfg["kernel"], cfg["d"]
    for i in range(len(cfg["dilations"])):
        sd[f"convs.{i}.weight"] = w[f"conv{i}_w"].reshape(k, d, d).transpose(2, 1, 0)
        sd[f"convs.{i}.bias"] = w[f"conv{i}_b"]
        sd[f"norms.{i}.weight"], sd[f"norms.{i}.bias"] = w[f"norm{i}_g"], w[f"norm{i}_b"]
    if "trans" in w:
        sd["trans"] = w["trans"]
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()})
    return model.eval()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=default_artifact())
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=2000)
    args = ap.parse_args()
    import onnxruntime as ort
    import torch

    torch.set_num_threads(1)
    tagger = TaggerModel.load(str(args.model))
    if tagger.cfg["arch"] != "cnn":
        raise SystemExit("only the CNN is exported here")
    model = torch_module(tagger)
    feat = tagger.featurizer
    texts = [r["text"] for r in read_jsonl(args.data_dir / "zh_cluener2020.jsonl")[:args.limit]]
    sample = feat.batch([feat.encode(t) for t in texts[:4]])
    path = Path(tempfile.mkdtemp()) / "ner.onnx"
    names = ["chars", "left", "right", "feats", "mask"]
    dims = {n: {0: "batch", 1: "length"} for n in names}
    torch.onnx.export(model, tuple(torch.from_numpy(a) for a in sample), str(path), input_names=names,
                      output_names=["scores"], dynamic_axes={**dims, "scores": {0: "batch", 1: "length"}},
                      dynamo=False)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(sess.run(None, dict(zip(names, sample, strict=True)))[0], tagger.logits(*sample),
                               atol=1e-3)
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    result = {"onnx_bytes": path.stat().st_size, "npz_bytes": args.model.stat().st_size}
    for batch in (1, 64):
        batches = [feat.batch([feat.encode(t) for t in texts[i:i + batch]]) for i in range(0, len(texts), batch)]
        for label, run in (("numpy", lambda b: tagger.logits(*b)),
                           ("onnxruntime", lambda b: sess.run(None, dict(zip(names, b, strict=True))))):
            run(batches[0])
            t0, c0 = time.perf_counter(), time.process_time()
            for b in batches:
                run(b)
            result[f"{label}_batch{batch}_kb_s"] = round(kb / (time.perf_counter() - t0), 1)
            result[f"{label}_batch{batch}_kb_cpu_s"] = round(kb / (time.process_time() - c0), 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
