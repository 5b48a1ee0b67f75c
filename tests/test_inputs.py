"""The input layer (piwarden.inputs) and atomic outputs (piwarden.outputs): encodings, lines, chunks."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.inputs import (
    InputError,
    check_encoding,
    encoding_of,
    open_text,
    read_text,
    sniff,
    split_text,
    text_chunks,
)
from piwarden.outputs import OutputError, atomic_open, check_output, write_atomic

TEXT = '{"id": "a", "text": "张三 电话 13812345678，住址：北京市朝阳区"}\n{"id": "b", "text": "无"}\n'

ENCODED = {
    "utf-8": TEXT.encode(),
    "utf-8-bom": codecs.BOM_UTF8 + TEXT.encode(),
    "gbk": TEXT.encode("gbk"),
    "gb18030": TEXT.encode("gb18030"),
    "utf-16": TEXT.encode("utf-16"),  # with its byte-order mark
    "utf-16-be": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
}


@pytest.mark.parametrize("kind", sorted(ENCODED))
def test_every_encoding_reads_to_the_same_lines(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.jsonl"
    path.write_bytes(ENCODED[kind])
    with open_text(path) as src:
        lines = [x.decode() if isinstance(x, bytes) else x for _, x in src.lines()]
    assert "".join(lines) == TEXT
    assert read_text(path) == TEXT
    assert "".join(c.text for c in text_chunks(path)) == TEXT


def test_sniff_answers() -> None:
    assert sniff(TEXT.encode()) == "utf-8"
    assert sniff(TEXT.encode("gb18030")) == "gb18030"
    assert sniff(codecs.BOM_UTF8 + b"x") == "utf-8-sig"
    assert sniff(TEXT.encode("utf-16")) == "utf-16"
    assert sniff(TEXT.encode()[:-2] + "北".encode()[:2]) == "utf-8"  # a character cut by the probe
    with pytest.raises(InputError, match="binary"):
        sniff(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InputError, match="binary"):
        sniff(bytes(range(1, 8)) * 100)


def test_errors_name_the_file_and_line_never_the_content(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_text(tmp_path / "absent.jsonl")
    with pytest.raises(InputError, match="folder"):
        open_text(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_bytes("第一行 13812345678\n".encode("gb18030") * 5000 + b"\xff\xff\n")  # past the probe
    with pytest.raises(InputError) as caught, open_text(bad) as src:
        list(src.lines())
    assert "line 5001" in str(caught.value) and "13812345678" not in str(caught.value)
    assert encoding_of(bad, "latin-1") == "latin-1"
    assert check_encoding("GBK") == "gbk"
    with pytest.raises(ValueError, match="unknown encoding"):
        check_encoding("no-such-codec")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40), max_size=30),
       st.integers(8, 64))
def test_chunks_rebuild_the_file_and_cut_after_line_ends(tmp_path_factory: pytest.TempPathFactory,
                                                         lines: list[str], size: int) -> None:
    text = "\n".join(lines)
    path = tmp_path_factory.mktemp("c") / "t.txt"
    path.write_text(text, "utf-8", newline="")
    chunks = list(text_chunks(path, "utf-8", chars=size))
    assert "".join(c.text for c in chunks) == text
    for chunk in chunks:
        assert text[chunk.offset:chunk.offset + len(chunk.text)] == chunk.text
        assert chunk.line == text[:chunk.offset].count("\n") + 1
    for chunk in chunks[:-1]:  # a cut is after a line end unless a line is longer than the chunk
        assert chunk.text.endswith("\n") or "\n" not in chunk.text


def test_a_long_line_is_cut_at_a_space_near_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(["13812345678"] * 10_000), "utf-8")
    chunks = list(text_chunks(path, chars=10_000))
    assert len(chunks) > 10
    assert all(c.text.endswith(" ") for c in chunks[:-1])  # no number is split


def test_atomic_output_leaves_nothing_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt), atomic_open(out) as fh:
        fh.write(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    write_atomic(out, "done\n")
    assert out.read_text() == "done\n"
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "missing" / "x.jsonl")
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@settings(max_examples=60, deadline=None)
@given(st.text(st.sampled_from("ab 。，\n1"), max_size=300), st.integers(4, 40))
def test_split_text_rebuilds_the_text_with_offsets(text: str, size: int) -> None:
    pieces = list(split_text(text, size))
    assert "".join(p for _, p in pieces) == text
    assert all(text[o:o + len(p)] == p for o, p in pieces)


def test_a_long_record_is_analyzed_in_pieces_with_the_whole_texts_spans() -> None:
    from piwarden.detect.records import Record
    from piwarden.detect.runner import DetectOptions, detect_stream

    sentences = [f"客户{i % 97}的手机是13{i:09d}，订单{i}已发货。" for i in range(90_000)]
    text = "".join(sentences)  # about 2.4 M characters: three pieces
    options = DetectOptions()
    whole = [(s.start, s.end, s.type) for s in options.analyzer().analyze(text)]
    (result,) = list(detect_stream([Record("long", text, "-", 1)], options))
    assert [(e["start"], e["end"], e["type"]) for e in result["entities"]] == whole
