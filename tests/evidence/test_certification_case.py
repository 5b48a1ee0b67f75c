"""The certification-material case (Beijing): the pack shows the stamped copy and its mark, who received it, and the
reuse that was detected; the leaked copy's mark names the same recipient."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.demo import documents as synth
from piwarden.evidence import verify_pack

runner = CliRunner()


def test_pack_shows_stamp_recipient_and_reuse(tmp_path: Path) -> None:
    base = ["--home", str(tmp_path / "home")]
    db = ["--db", f"sqlite:///{tmp_path / 'piwarden.db'}"]
    paths = synth.write_set(tmp_path / "img", 4, seed=4242)
    with (tmp_path / "map.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "subject", "account", "doc_id"])
        w.writerows([p.name, f"c-{i}", f"a-{i}", f"id-card-{i}"] for i, p in enumerate(paths))
    res = runner.invoke(app, [*base, "forensics", "documents", "index", str(tmp_path / "img"), "--subject-map",
                              str(tmp_path / "map.csv"), *db])
    assert res.exit_code == 0, res.output
    copy = tmp_path / "copy.png"
    res = runner.invoke(app, [*base, "forensics", "documents", "stamp", str(paths[1]), "--purpose",
                              "仅供XX平台企业认证使用", "--recipient", "certifier-A", "--party", "partner:certifier-A",
                              "--subject", "c-1", "--doc-id", "id-card-1", "-o", str(copy), *db])
    assert res.exit_code == 0, res.output
    submitted = tmp_path / "submitted.jpg"
    synth.rephotograph(Image.open(paths[1]), ["crop", "rotate", "jpeg"], random.Random(5)).save(submitted)
    res = runner.invoke(app, [*base, "forensics", "documents", "check", str(submitted), "--subject", "c-9",
                              "--account", "a-9", *db])
    assert res.exit_code == 1 and json.loads(res.stdout)["flagged"]
    synth.jpeg(Image.open(copy), 50).save(tmp_path / "leaked.jpg", quality=95)
    found = runner.invoke(app, [*base, "forensics", "documents", "mark", str(tmp_path / "leaked.jpg"), *db])
    assert found.exit_code == 0
    mark = json.loads(found.stdout)
    assert mark["recipient"] == "certifier-A"

    pack = tmp_path / "pack"
    res = runner.invoke(app, [*base, "evidence", "subject", "c-1", "-o", str(pack), *db])
    assert res.exit_code == 0, res.output
    assert verify_pack(pack).ok
    docs = json.loads((pack / "pack.json").read_text("utf-8"))["documents"]
    assert docs["registered"] == [{"doc": "id-card-1", "account": "a-1"}]
    assert [(c["recipient"], c["party"], c["mark"], c["purpose"], c["doc"]) for c in docs["copies"]] == [
        ("certifier-A", "partner:certifier-A", mark["mark"], "仅供XX平台企业认证使用", "id-card-1")]
    assert [(c["result"], c["account"], c["claimed_subject"], c["matches"]) for c in docs["checks"]] == [
        ("reused", "a-9", "c-9", ["c-1"])]
    html = (pack / "report.html").read_text("utf-8")
    assert "检测到复用" in html and mark["mark"] in html and "certifier-A" in html
