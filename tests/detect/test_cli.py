"""End-to-end tests of `piwarden detect` and the other top-level commands."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from piwarden.cli import app

runner = CliRunner()

PHONE = "13812345678"
RID = "330106198803051239"


def _write(path: Path, records: list[dict[str, object]], extra_lines: list[str] = ()) -> Path:  # type: ignore[assignment]
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _records(n: int) -> list[dict[str, object]]:
    return [{"id": f"r{i}", "text": f"第{i}位客户手机{PHONE}，身份证号{RID}。", "channel": "chat"} for i in range(n)]


def test_detect_writes_spans_in_input_order_without_values(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(5))
    result = runner.invoke(app, ["detect", str(src)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert [x["id"] for x in lines] == [f"r{i}" for i in range(5)]
    assert lines[0]["channel"] == "chat"  # other keys are kept
    assert {e["type"] for e in lines[0]["entities"]} == {"PHONE", "CN_RESIDENT_ID"}
    assert PHONE not in result.stdout and RID not in result.stdout


def test_show_values_and_classify(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(1))
    result = runner.invoke(app, ["detect", str(src), "--show-values", "--classify"])
    line = json.loads(result.stdout.splitlines()[0])
    by_type = {e["type"]: e for e in line["entities"]}
    assert by_type["PHONE"]["value"] == PHONE
    assert by_type["CN_RESIDENT_ID"]["grade"] == "L3"
    assert by_type["PHONE"]["category"] == "basic_profile"


def test_types_and_min_score_filter(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(2))
    result = runner.invoke(app, ["detect", str(src), "--types", "phone"])
    line = json.loads(result.stdout.splitlines()[0])
    assert [e["type"] for e in line["entities"]] == ["PHONE"]
    bad = runner.invoke(app, ["detect", str(src), "--types", "NOPE"])
    assert bad.exit_code != 0 and "unknown entity type" in bad.output


def test_malformed_lines_are_reported_by_line_without_content_and_skipped(tmp_path: Path) -> None:
    secret = "13987654321"
    src = _write(tmp_path / "in.jsonl", _records(2), [f'{{"id": "x", "text": {secret}}}', "not json " + secret,
                                                       json.dumps({"id": "last", "text": "无"})])
    result = runner.invoke(app, ["detect", str(src)])
    assert result.exit_code == 3  # partial: some records skipped
    assert "in.jsonl:3" in result.stderr and "in.jsonl:4" in result.stderr
    assert "field 'text'" in result.stderr
    assert secret not in result.stderr
    ids = [json.loads(x)["id"] for x in result.stdout.splitlines() if x.startswith("{")]
    assert ids == ["r0", "r1", "last"]
    strict = runner.invoke(app, ["detect", str(src), "--strict"])
    assert strict.exit_code == 2


def test_jobs_give_the_same_output(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(600))
    one = runner.invoke(app, ["detect", str(src), "-o", str(tmp_path / "one.jsonl")])
    two = runner.invoke(app, ["detect", str(src), "--jobs", "2", "-o", str(tmp_path / "two.jsonl")])
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert len((tmp_path / "one.jsonl").read_text().splitlines()) == 600


def test_plain_text_file_is_one_record_and_progress_lines(tmp_path: Path) -> None:
    src = tmp_path / "note.txt"
    src.write_text(f"联系电话 {PHONE}", "utf-8")
    result = runner.invoke(app, ["detect", str(src), "--progress"])
    line = json.loads(result.stdout.splitlines()[0])
    assert line["id"] == "note.txt" and line["entities"][0]["type"] == "PHONE"
    assert "detect:" in result.stderr and "MB" in result.stderr


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["detect", str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0 and "no such file" in result.output


def test_demo_runs_and_records_counts_only(piwarden_home: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "CN_RESIDENT_ID" in result.stdout and "PHONE" in result.stdout
    db = piwarden_home / "piwarden.db"
    assert db.is_file()
    assert b"13812345678" not in db.read_bytes()


def test_types_recognizers_home_commands() -> None:
    assert "CN_RESIDENT_ID" in runner.invoke(app, ["types"]).stdout
    assert "ResidentIdRecognizer" in runner.invoke(app, ["recognizers"]).stdout
    assert "sqlite" in runner.invoke(app, ["home"]).stdout


def test_bad_recognizer_config_is_a_clear_error(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(1))
    config = tmp_path / "rec.yaml"
    config.write_text("enabled: [NoSuchRecognizer]\n", "utf-8")
    result = runner.invoke(app, ["detect", str(src), "--config", str(config)])
    assert result.exit_code == 2 and "NoSuchRecognizer" in result.output
    assert "Traceback" not in result.output


def test_names_flag_adds_the_trained_model(tmp_path: Path) -> None:
    text = "收件人：张伟，电话13812345678，地址：浙江省杭州市西湖区文三路478号华星时代广场A座1205室。"
    src = _write(tmp_path / "in.jsonl", [{"id": "a", "text": text}])
    plain = runner.invoke(app, ["detect", str(src)])
    named = runner.invoke(app, ["detect", str(src), "--names", "--types", "PERSON,ADDRESS,PHONE"])
    assert plain.exit_code == 0 and named.exit_code == 0, named.output
    types = lambda out: [e["type"] for x in out.splitlines() if x.startswith("{") for e in json.loads(x)["entities"]]  # noqa: E731
    assert types(plain.stdout) == ["PHONE"]
    assert types(named.stdout) == ["PERSON", "PHONE", "ADDRESS"]
    assert "张伟" not in named.stdout  # values stay out of the output by default
