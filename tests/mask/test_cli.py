"""``piwarden mask`` through Typer's runner, mounted in a throwaway app as the top-level CLI mounts it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from piwarden.cli.mask import app as mask_app
from piwarden.mask import detokenize
from piwarden.mask.keys import ENV_KEY, KeyRing, load_keys

root = typer.Typer()
root.add_typer(mask_app, name="mask")
runner = CliRunner()

PHONE, RID = "13812345678", "330106198803051239"
POLICY = """
roles:
  analyst: {PHONE: hash, CN_RESIDENT_ID: token}
  "*": {}
"""


def _input(tmp_path: Path, broken: bool = False) -> Path:
    lines = [json.dumps({"id": f"r{i}", "text": f"手机{PHONE}，身份证{RID}。", "cust": f"c{i % 2}", "name": "张三"},
                        ensure_ascii=False) for i in range(3)]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([*lines, *(["{broken"] if broken else [])]) + "\n", "utf-8")
    return path


def _lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in stdout.splitlines() if x.startswith("{")]


def test_run_default_policy_keeps_no_raw_values(tmp_path: Path) -> None:
    result = runner.invoke(root, ["mask", "run", str(_input(tmp_path, broken=True)), "--keep-fields", "cust"])
    assert result.exit_code == 3, result.output  # partial: one record skipped
    out = _lines(result.stdout)
    assert [x["id"] for x in out] == ["r0", "r1", "r2"]
    assert out[0]["text"] == "手机138****5678，身份证330106********1239。" and out[0]["cust"] == "c0"
    assert "name" not in out[0]  # fields not asked for are not copied
    assert PHONE not in result.output and RID not in result.output and "张三" not in result.output
    assert "in.jsonl:4" in result.stderr and "3 records, 1 skipped" in result.stderr


def test_run_keyed_policy_creates_a_private_key(tmp_path: Path, piwarden_home: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY, "utf-8")
    args = ["mask", "run", str(_input(tmp_path)), "--policy", str(policy), "--role", "analyst", "-o",
            str(tmp_path / "out.jsonl"), "--purpose", "study"]
    result = runner.invoke(root, args)
    assert result.exit_code == 0, result.output
    key_file = piwarden_home / "keys" / "mask.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert key_file.read_text().strip() not in result.output
    out = _lines((tmp_path / "out.jsonl").read_text("utf-8"))
    text = str(out[0]["text"])
    assert PHONE not in text and RID not in text
    token = text[text.index("tok_"): text.index("。")]
    assert detokenize(token, load_keys(), purpose="study") == RID
    assert runner.invoke(root, args).exit_code == 0  # the same key is reused: same output
    assert _lines((tmp_path / "out.jsonl").read_text("utf-8")) == out


def test_run_with_env_key_and_stdin(monkeypatch: object, tmp_path: Path) -> None:
    keys = KeyRing.generate()
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY, "utf-8")
    stdin = json.dumps({"id": 7, "text": f"电话{PHONE}"}, ensure_ascii=False) + "\n"
    result = runner.invoke(root, ["mask", "run", "-", "--policy", str(policy), "--role", "analyst"], input=stdin,
                           env={ENV_KEY: keys.export()})
    assert result.exit_code == 0, result.output
    assert _lines(result.stdout)[0]["entities"][0]["operator"] == "hash"
    assert keys.export() not in result.output


def test_run_errors(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("roles:\n  a: {PHONE: scramble}\n", "utf-8")
    result = runner.invoke(root, ["mask", "run", str(_input(tmp_path)), "--policy", str(policy), "--role", "a"])
    assert result.exit_code == 2 and "unknown operator" in result.output
    result = runner.invoke(root, ["mask", "run", str(_input(tmp_path)), "--policy", str(policy), "--role", "b"])
    assert result.exit_code == 2 and "role 'b'" in result.output
    assert runner.invoke(root, ["mask", "run", str(tmp_path / "absent.jsonl")]).exit_code == 2


def test_policy_lint_and_default(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(POLICY, "utf-8")
    result = runner.invoke(root, ["mask", "policy", "lint", str(good)])
    # no key yet, and lint creates none: a warning saying where `mask run` will create it (issue 16)
    assert result.exit_code == 0 and "needs a key" in result.output and "creates" in result.output
    load_keys()
    result = runner.invoke(root, ["mask", "policy", "lint", str(good)])
    assert result.exit_code == 0 and "0 errors" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("roles:\n  intern: {BANK_CARD: keep, FOO: partial}\n", "utf-8")
    result = runner.invoke(root, ["mask", "policy", "lint", str(bad)])
    assert result.exit_code == 1 and "FOO" in result.output and "BANK_CARD in clear" in result.output
    shown = runner.invoke(root, ["mask", "policy", "default"])
    assert shown.exit_code == 0 and "BIOMETRIC: redact" in shown.output
    default_file = tmp_path / "default.yaml"
    default_file.write_text(shown.output, "utf-8")
    assert runner.invoke(root, ["mask", "policy", "lint", str(default_file)]).exit_code == 0


def test_run_on_two_processes_keeps_order(tmp_path: Path) -> None:
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"id": f"r{i}", "text": f"手机{PHONE}"}) + "\n" for i in range(40)), "utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text("roles:\n  '*': {PHONE: fpe}\n", "utf-8")
    result = runner.invoke(root, ["mask", "run", str(src), "--policy", str(policy), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    out = _lines(result.stdout)
    assert [x["id"] for x in out] == [f"r{i}" for i in range(40)]
    assert len({x["text"] for x in out}) == 1 and PHONE not in result.stdout  # one key across workers


def test_mask_table_cli_masks_a_csv_and_reports_rows(tmp_path: Path) -> None:
    src, dst = tmp_path / "orders.csv", tmp_path / "out.csv"
    src.write_text("xm,sjhm,n\n张三丰,13812345678,007\n", "utf-8")
    result = CliRunner().invoke(root, ["mask", "table", str(src), str(dst), "--columns", "xm=PERSON,sjhm=phone_number"])
    assert result.exit_code == 0, result.output
    assert dst.read_text("utf-8") == "xm,sjhm,n\n张*丰,138****5678,007\n"
    assert "1 rows" in result.output and "13812345678" not in result.output


def test_mask_table_cli_errors_name_columns_not_values(tmp_path: Path) -> None:
    src = tmp_path / "orders.csv"
    src.write_text("sjhm\n13812345678\n", "utf-8")
    bad = CliRunner().invoke(root, ["mask", "table", str(src), str(tmp_path / "o.csv"), "--columns", "tel=PHONE"])
    assert bad.exit_code == 2 and "'tel'" in bad.output and "13812345678" not in bad.output
    bad = CliRunner().invoke(root, ["mask", "table", str(src), str(tmp_path / "o.csv"), "--columns", "sjhm=NOPE"])
    assert bad.exit_code == 2 and "NOPE" in bad.output
    bad = CliRunner().invoke(root, ["mask", "table", str(src), str(tmp_path / "o.csv"), "--columns", "sjhm"])
    assert bad.exit_code == 2 and "COLUMN=TYPE" in bad.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx", ".jsonl"])
def test_mask_risk_cli_measures_and_anonymizes(tmp_path: Path, suffix: str) -> None:
    import polars as pl

    from piwarden.mask.files import read_frame, write_frame

    src, dst = tmp_path / f"people{suffix}", tmp_path / f"anon{suffix}"
    df = pl.DataFrame({"age": [21, 22, 23, 24, 35, 36, 37, 38], "zip": ["310012", "310013"] * 4,
                       "dx": ["a", "b", "a", "b", "a", "b", "a", "c"]})
    write_frame(df, src)
    measured = CliRunner().invoke(root, ["mask", "risk", str(src), "--qi", "age,zip", "--sensitive", "dx"])
    assert measured.exit_code == 0, measured.output
    assert json.loads(measured.output)["k"] == 1
    args = ["mask", "risk", str(src), "--qi", "age,zip", "--k", "4", "--hierarchy", "age=age,zip=postcode",
            "-o", str(dst), "--max-suppression", "0"]
    done = CliRunner().invoke(root, args)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["after"]["k"] >= 4
    assert read_frame(dst).group_by(["age", "zip"]).len()["len"].min() >= 4


def test_mask_risk_cli_errors(tmp_path: Path) -> None:
    src = tmp_path / "p.csv"
    src.write_text("age\n1\n", "utf-8")
    bad = CliRunner().invoke(root, ["mask", "risk", str(src), "--qi", "zip"])
    assert bad.exit_code == 2 and "'zip'" in bad.output
    bad = CliRunner().invoke(root, ["mask", "risk", str(src), "--qi", "age", "-o", str(tmp_path / "o.parquet")])
    assert bad.exit_code == 2 and "format" in bad.output


def test_top_level_policy_lint_is_the_mask_policy_lint(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("roles:\n  analyst:\n    NOT_A_TYPE: partial\n", "utf-8")
    from piwarden.cli import app

    a = CliRunner().invoke(app, ["policy", "lint", str(bad)])
    b = CliRunner().invoke(root, ["mask", "policy", "lint", str(bad)])
    assert a.exit_code == b.exit_code == 1 and a.output == b.output and "NOT_A_TYPE" in a.output


def test_mask_table_cli_auto_columns_classifies_and_masks_free_text(tmp_path: Path) -> None:
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(5)
    rows = [(f"{i:08d}", fake.name(), fake.phone_number(), fake.ssn(), f"请回电{fake.phone_number()}谢谢")
            for i in range(60)]
    src, dst = tmp_path / "orders.csv", tmp_path / "out.csv"
    src.write_text("order_no,xm,sjhm,sfzh,remark\n" + "".join(",".join(r) + "\n" for r in rows), "utf-8")
    result = CliRunner().invoke(root, ["mask", "table", str(src), str(dst), "--columns", "auto"])
    assert result.exit_code == 0, result.output
    assert "xm=PERSON" in result.output and "sjhm=PHONE" in result.output and "remark=TEXT" in result.output
    out = dst.read_text("utf-8")
    assert "00000059" in out  # order numbers are not PI: copied
    for r in rows:
        assert r[2] not in out and r[3] not in out and r[4][3:14] not in out
