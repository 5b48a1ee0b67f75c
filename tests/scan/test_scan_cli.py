"""``piwarden scan`` end to end through Typer's CliRunner: outputs written, no raw value anywhere."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest
from scan_seed import create_table, customers, dump_inventory, leaked
from sqlalchemy import create_engine
from typer.testing import CliRunner

from piwarden.cli import app

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path):  # -> tuple[Path, str, set[str]]
    files = tmp_path / "lake"
    files.mkdir()
    data = customers(60, seed=12)
    with (files / "orders.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(data.columns)
        w.writerows(data.rows)
    db = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{db}")
    create_table(engine, "customers", data)
    engine.dispose()
    return files, f"sqlite:///{db}", data.raw


def test_scan_writes_every_output(store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    files, db_url, raw = store
    out = tmp_path / "out"
    out.mkdir()  # a report's folder must exist (docs/cli.md)
    inv = f"sqlite:///{tmp_path / 'inv.db'}"
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(app, ["scan", str(files), db_url, "--sample", "50", "--jobs", "2", "--db", inv,
                                 "--json", str(out / "s.json"), "--csv", str(out / "s.csv"),
                                 "--report", str(out / "s.html"), "--sarif", str(out / "s.sarif")])
    assert result.exit_code == 0, result.output
    assert "2 assets: 2 scanned, 0 unchanged, 0 errors" in result.output
    doc = json.loads((out / "s.json").read_text("utf-8"))
    assert doc["summary"]["assets_with_pi"] == 2 and doc["assets"][0]["grade"] == "L3"
    cols = {c["column"]: c for c in doc["assets"][0]["columns"]}
    assert cols["sfzh"]["type"] == "CN_RESIDENT_ID" and cols["sfzh"]["category"] == "identity"
    rows = list(csv.DictReader((out / "s.csv").open(encoding="utf-8")))
    assert len(rows) == 2 * len(cols)
    html = (out / "s.html").read_text("utf-8")
    assert "<svg" in html and "identity 个人身份信息" in html and "http" not in html.split("</style>")[0]
    sarif = json.loads((out / "s.sarif").read_text("utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    everything = "\n".join([result.output, caplog.text, dump_inventory(inv),
                            *(p.read_text("utf-8") for p in out.iterdir())])
    assert not leaked(raw, everything)

    again = runner.invoke(app, ["scan", str(files), db_url, "--db", inv])
    assert again.exit_code == 0 and "2 assets: 0 scanned, 2 unchanged" in again.output
    assert not leaked(raw, again.output)


def test_scan_errors_name_the_target(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["scan", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "no such file or directory" in missing.output
    bad = runner.invoke(app, ["scan", "postgresql+psycopg://u:secret@127.0.0.1:1/x", "--db",
                              f"sqlite:///{tmp_path / 'inv.db'}"])
    assert bad.exit_code == 2 and "secret" not in bad.output and "***" in bad.output


def test_corrupt_file_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    (tmp_path / "ok.txt").write_text("nothing here\n", "utf-8")
    result = runner.invoke(app, ["scan", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'inv.db'}"])
    assert result.exit_code == 3  # partial: one asset failed
    assert "broken.xlsx: cannot read xlsx" in result.output and "1 errors" in result.output
