"""``mask run`` and TEXT columns of ``mask table`` find names and addresses by default (issue 19, point 6)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from piwarden.cli.mask import app as mask_app

root = typer.Typer()
root.add_typer(mask_app, name="mask")
CHAT = "买家：你好，我是张伟，手机13812345678，地址北京市朝阳区建国路88号\n卖家：好的"


def _masked(result_stdout: str) -> dict[str, object]:
    [line] = [json.loads(x) for x in result_stdout.splitlines() if x.startswith("{")]
    return line


def test_mask_run_masks_names_and_addresses_by_default(tmp_path: Path) -> None:
    src = tmp_path / "chat.jsonl"
    src.write_text(json.dumps({"id": "1", "text": CHAT}, ensure_ascii=False) + "\n", "utf-8")
    result = CliRunner().invoke(root, ["mask", "run", str(src)])
    assert result.exit_code == 0, result.output
    out = _masked(result.stdout)
    assert "张伟" not in str(out["text"]) and "建国路88号" not in str(out["text"])
    assert {e["type"] for e in out["entities"]} >= {"PERSON", "ADDRESS", "PHONE"}  # type: ignore[union-attr]
    plain = _masked(CliRunner().invoke(root, ["mask", "run", "--no-names", str(src)]).stdout)
    assert "张伟" in str(plain["text"]) and {e["type"] for e in plain["entities"]} == {"PHONE"}  # type: ignore[union-attr]
    assert "地址北京市*********" in str(out["text"])  # kept to the city


def test_mask_table_text_columns_mask_names_by_default(tmp_path: Path) -> None:
    src, dst = tmp_path / "notes.csv", tmp_path / "out.csv"
    src.write_text("id,beizhu\n1,客户张伟来电，回拨13812345678\n", "utf-8")
    result = CliRunner().invoke(root, ["mask", "table", str(src), str(dst), "--columns", "beizhu=TEXT"])
    assert result.exit_code == 0, result.output
    masked = dst.read_text("utf-8")
    assert "张伟" not in masked and "13812345678" not in masked
    CliRunner().invoke(root, ["mask", "table", str(src), str(dst), "--columns", "beizhu=TEXT", "--no-names"])
    assert "张伟" in dst.read_text("utf-8")
