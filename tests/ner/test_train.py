"""Training code on a tiny made-up data set for a few steps (skipped without torch)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from piwarden.detect.ner import data
from piwarden.detect.ner.features import Featurizer
from piwarden.detect.ner.infer import TaggerModel

torch = pytest.importorskip("torch")

from piwarden.detect.ner.model import Tagger, export  # noqa: E402
from piwarden.detect.ner.train import DEFAULTS, train  # noqa: E402

TINY = {"d": 16, "dc": 8, "db": 8, "buckets": 997, "epochs": 2, "synthetic": 0, "gazetteer": False, "batch": 4}


def _write_sets(root: Path) -> Path:
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"]
    for name in data.SETS:
        lines = []
        for i, n in enumerate(names * 2):
            text = f"{n}在杭州市西湖区工作。" if name.startswith("zh") else f"Mr. John Smith{i} lives here."
            spans = [{"start": 0, "end": 2, "label": "PERSON"}] if name.startswith("zh") else \
                [{"start": 4, "end": 14 + len(str(i)), "label": "PERSON"}]
            lines.append(json.dumps({"id": f"{name}-{i}", "text": text + str(i), "spans": spans}, ensure_ascii=False))
        (root / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_train_writes_a_loadable_artifact_and_is_reproducible(tmp_path: Path) -> None:
    src = _write_sets(tmp_path)
    a = train(src, tmp_path / "a.npz", seed=5, threads=1, log=lambda s: None, **TINY)
    b = train(src, None, seed=5, threads=1, log=lambda s: None, **TINY)
    scores = [{k: (v["exact"], v["overlap"]) for k, v in m["metrics"].items()} for m in (a, b)]
    assert scores[0] == scores[1]
    assert a["history"][-1]["loss"] == pytest.approx(b["history"][-1]["loss"])
    assert set(a["data"]) == {f"{n}.jsonl" for n in data.SETS}
    model = TaggerModel.load(str(tmp_path / "a.npz"))
    assert len(model.predict(["张伟在杭州", ""])) == 2
    assert json.loads((tmp_path / "a.json").read_text())["seed"] == 5


@pytest.mark.parametrize(("arch", "crf"), [("cnn", False), ("cnn", True), ("bilstm", True)])
def test_numpy_inference_matches_torch(arch: str, crf: bool) -> None:
    torch.manual_seed(0)
    cfg = {**DEFAULTS, "d": 32, "arch": arch, "crf": crf}
    feat = Featurizer("张三李四路号", 997, "张李", ["欧阳"], ["杭州市"])
    model = Tagger(cfg, feat.n_chars, 997, 12).eval()
    texts = ["欧阳娜娜住在杭州市文三路12号", "张三", "Alice Smith lives at 12 Main St"]
    arrays = feat.batch([feat.encode(t) for t in texts])
    with torch.no_grad():
        expected = model.emissions(*(torch.from_numpy(a) for a in arrays)).numpy()
    tagger = TaggerModel({**export(model), **feat.to_arrays(), "meta": np.array(json.dumps({"model": cfg}))})
    for i, got in enumerate(tagger.scores(texts)):
        np.testing.assert_allclose(got, expected[i, :len(texts[i])], atol=1e-4)
    if crf:  # a sequence loss that is finite and positive
        tags = torch.zeros(arrays[0].shape, dtype=torch.long)
        mask = torch.from_numpy(arrays[4])
        assert 0 < float(model.loss(torch.from_numpy(expected), tags, mask).detach()) < 1e3


@pytest.mark.slow
def test_cli_train_and_eval(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from piwarden.cli.ner import app

    src = _write_sets(tmp_path)
    out = tmp_path / "m.npz"
    runner = CliRunner()
    res = runner.invoke(app, ["train", "--data-dir", str(src), "--out", str(out), "--epochs", "1", "--dim", "16",
                              "--synthetic", "0", "--no-gazetteer", "--threads", "1", "--seed", "2"])
    assert res.exit_code == 0, res.output
    assert "epoch 1/1" in res.output and out.exists()
    res = runner.invoke(app, ["eval", "--data-dir", str(src), "--model", str(out)])
    assert res.exit_code == 0, res.output
    assert "zh_cluener2020" in res.output
