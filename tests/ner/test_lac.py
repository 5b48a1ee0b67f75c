"""Baidu LAC read with numpy: the tensor reader, the segmenter, the GRU kernel, and the shipped artifact."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest

from piwarden.detect.ner import lac

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("import_lac", ROOT / "scripts" / "import_lac.py")
assert _spec is not None and _spec.loader is not None
import_lac = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_lac)

needs_artifact = pytest.mark.skipif(not lac.ARTIFACT.exists(),
                                    reason="model/lac_zh.npz not built (python scripts/import_lac.py LAC-2.1.2.tar.gz)")


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _paddle_tensor(arr: np.ndarray, dtype_code: int, packed: bool, lod: list[list[int]] | None = None) -> bytes:
    """A file in paddle 1.x's persistable LoDTensor format, written from its description."""
    lod = lod or []
    out = struct.pack("<I", 0) + struct.pack("<Q", len(lod))
    for level in lod:
        data = np.asarray(level, dtype="<u8").tobytes()
        out += struct.pack("<Q", len(data)) + data
    desc = b"\x08" + _varint(dtype_code)
    if packed:
        dims = b"".join(_varint(d) for d in arr.shape)
        desc += b"\x12" + _varint(len(dims)) + dims
    else:
        desc += b"".join(b"\x10" + _varint(d) for d in arr.shape)
    out += struct.pack("<I", 0) + struct.pack("<i", len(desc)) + desc
    return out + arr.astype(arr.dtype.newbyteorder("<")).tobytes()


@pytest.mark.parametrize("packed", [False, True])
def test_parse_tensor_reads_a_synthetic_paddle_file(tmp_path: Path, packed: bool) -> None:
    arr = np.arange(2 * 3 * 130, dtype=np.float32).reshape(2, 3, 130) / 7  # 130: a two-byte varint dim
    path = tmp_path / "fc_0.w_0"
    path.write_bytes(_paddle_tensor(arr, 5, packed, lod=[[0, 2, 5]]))
    got = import_lac.parse_tensor(path.read_bytes())
    assert got.dtype == np.float32 and got.shape == (2, 3, 130)
    np.testing.assert_array_equal(got, arr)
    ints = np.array([[1, -2], [3, 4]], dtype=np.int64)
    np.testing.assert_array_equal(import_lac.parse_tensor(_paddle_tensor(ints, 3, packed)), ints)


def test_parse_tensor_rejects_trailing_bytes_and_unknown_types() -> None:
    raw = _paddle_tensor(np.zeros(4, dtype=np.float32), 5, False)
    with pytest.raises(ValueError, match="trailing"):
        import_lac.parse_tensor(raw + b"\0\0\0\0")
    with pytest.raises(ValueError, match="data type"):
        import_lac.parse_tensor(_paddle_tensor(np.zeros(4, dtype=np.float32), 21, False))


def test_segmenter_prefers_longer_words_and_joins_ascii_runs() -> None:
    seg = lac.Segmenter(["百度", "高科技", "科技", "科技公司", "公司", "一家"], logtotal=10.0)
    text = "百度是一家高科技公司LAC2x"
    assert [text[s:e] for s, e in seg.cut(text)] == ["百度", "是", "一家", "高科技", "公司", "LAC2x"]
    assert seg.cut("") == []
    assert [("a b")[s:e] for s, e in seg.cut("a b")] == ["a", " ", "b"]


def _gru_reference(x: np.ndarray, wi: np.ndarray, bi: np.ndarray, w: np.ndarray, reverse: bool) -> np.ndarray:
    """Paddle 1.x dynamic_gru (origin_mode=False) for one sequence, step by step, from its formula:
    u, r = sigmoid(x_ur + h W_ur); c = tanh(x_c + (r * h) W_c); h = (1 - u) * h + u * c, with the
    ``(H, 3H)`` weight stored as the ``(H, 2H)`` gate matrix followed by the ``(H, H)`` candidate one."""
    hdim = w.shape[0]
    flat = w.ravel()
    w_ur, w_c = flat[:2 * hdim * hdim].reshape(hdim, 2 * hdim), flat[2 * hdim * hdim:].reshape(hdim, hdim)
    xs = x[::-1] if reverse else x
    h, out = np.zeros(hdim, dtype=np.float64), []
    for xt in xs:
        g = xt @ wi + bi
        ur = 1 / (1 + np.exp(-(g[:2 * hdim] + h @ w_ur)))
        u, r = ur[:hdim], ur[hdim:]
        c = np.tanh(g[2 * hdim:] + (r * h) @ w_c)
        h = (1 - u) * h + u * c
        out.append(h)
    res = np.array(out)
    return res[::-1] if reverse else res


def test_bigru_matches_the_step_by_step_formula() -> None:
    rng = np.random.default_rng(3)
    d, hdim = 5, 4
    w = {}
    for j in (0, 1):
        w[f"fc_{j}_w_0"] = rng.normal(size=(d, 3 * hdim)).astype(np.float32)
        w[f"fc_{j}_b_0"] = rng.normal(size=3 * hdim).astype(np.float32)
        w[f"gru_{j}_w_0"] = rng.normal(size=(hdim, 3 * hdim)).astype(np.float32)
        w[f"gru_{j}_b_0"] = rng.normal(size=(1, 3 * hdim)).astype(np.float32)
    layer = lac.LacModel._layer(w, 0)
    lengths = np.array([7, 4, 1])
    x = rng.normal(size=(3, 7, d)).astype(np.float32)
    got = lac._bigru(x, lengths, layer)
    for row, n in enumerate(lengths):
        for j, reverse in ((0, False), (1, True)):
            want = _gru_reference(x[row, :n].astype(np.float64), w[f"fc_{j}_w_0"], w[f"fc_{j}_b_0"] + w[f"gru_{j}_b_0"][0],
                                  w[f"gru_{j}_w_0"], reverse)
            np.testing.assert_allclose(got[row, :n, j * hdim:(j + 1) * hdim], want, rtol=1e-4, atol=1e-5)
        assert not got[row, n:].any()


def test_combine_rules() -> None:
    lac_spans = [(0, 3, "PERSON", 0.85), (5, 9, "ORG", 0.85), (12, 15, "ADDRESS", 0.85)]
    model = [(0, 2, "PERSON", 0.7), (5, 9, "ORG", 0.3), (11, 15, "ADDRESS", 0.9), (20, 22, "PERSON", 0.2)]
    assert lac.combine(lac_spans, model, "model_first") == [
        (0, 2, "PERSON", 0.7), (5, 9, "ORG", 0.85), (11, 15, "ADDRESS", 0.9), (20, 22, "PERSON", 0.2)]
    assert lac.combine(lac_spans, model, "union") == [*lac_spans, (20, 22, "PERSON", 0.2)]
    assert lac.combine(lac_spans, model, "lac_names") == [
        (0, 3, "PERSON", 0.85), (5, 9, "ORG", 0.85), (11, 15, "ADDRESS", 0.9), (20, 22, "PERSON", 0.2)]
    with pytest.raises(ValueError, match="unknown combination"):
        lac.combine([], [], "both")


@pytest.fixture(scope="module")
def model() -> lac.LacModel:
    return lac.load()


@needs_artifact
@pytest.mark.parametrize(("text", "expected"), [
    ("王小明在北京大学读书", [("王小明", "PERSON"), ("北京大学", "ORG")]),
    ("百度是一家高科技公司", [("百度", "ORG")]),
    ("收件人：张伟，地址：浙江省杭州市西湖区文三路", [("张伟", "PERSON"), ("浙江省杭州市西湖区文三路", "ADDRESS")]),
    ("习近平主席在人民大会堂会见了客人。", [("习近平", "PERSON"), ("人民大会堂", "ADDRESS")]),
    ("今天天气不错。", []),
])
def test_names_in_handwritten_sentences(model: lac.LacModel, text: str, expected: list[tuple[str, str]]) -> None:
    (spans,) = model.predict([text])
    assert [(text[s:e], kind) for s, e, kind, _ in spans] == expected


@needs_artifact
def test_part_of_speech_is_sensible(model: lac.LacModel) -> None:
    text = "我爱北京天安门"
    (words,) = model.words([text])
    assert [(text[s:e], tag) for s, e, tag in words] == [("我", "r"), ("爱", "v"), ("北京", "LOC"), ("天安门", "LOC")]


@needs_artifact
def test_offsets_refer_to_the_text_as_written(model: lac.LacModel) -> None:
    texts = ["２０１９年，ＡＢＣ公司的王小明在北京大学读书。", "😀 【王小明】在北京大学读书", "", "   ", "abc\u200b"]
    for text, words, tags in zip(texts, model.words(texts), model.tag_ids(texts), strict=True):
        assert len(tags) == len(text)
        assert "".join(text[s:e] for s, e, _ in words) == text  # the words tile the text
    spans = model.predict(texts)
    assert ("王小明", "PERSON") in [(texts[0][s:e], k) for s, e, k, _ in spans[0]]
    assert ("王小明", "PERSON") in [(texts[1][s:e], k) for s, e, k, _ in spans[1]]
    assert spans[2] == [] and spans[3] == []


@needs_artifact
def test_span_edges_lose_symbols_and_invisible_characters(model: lac.LacModel) -> None:
    # LAC reads the emoji (unknown to it) as the start of the name: the span keeps only the name
    text = "😀 王小明在北京大学读书"
    (spans,) = model.predict([text])
    assert [(text[s:e], k) for s, e, k, _ in spans] == [("王小明", "PERSON"), ("北京大学", "ORG")]


@needs_artifact
def test_long_texts_run_in_windows(model: lac.LacModel) -> None:
    sentence = "王小明在北京大学读书，"
    text = sentence * 80  # far more tokens than one window
    assert len(model.encode(text)[0]) > lac.WINDOW + 2 * lac.MARGIN
    (spans,) = model.predict([text])
    names = [(s, text[s:e]) for s, e, k, _ in spans if k == "PERSON"]
    assert names == [(i * len(sentence), "王小明") for i in range(80)]


@needs_artifact
def test_recognizer_option_adds_lac_names() -> None:
    from piwarden.detect.ner.recognizer import NameAddressRecognizer

    class WithLac(NameAddressRecognizer):
        lac_names = True

    texts = ["昨天晚上和阿娇一起去吃了火锅", "小朱收到民生银行发出的提醒信息", "His name is John Smith."]
    plain, with_lac = NameAddressRecognizer().find(texts), WithLac().find(texts)
    assert ("阿娇", "PERSON") in [(texts[0][s:e], k) for s, e, k, _ in with_lac[0]]
    assert ("小朱", "PERSON") in [(texts[1][s:e], k) for s, e, k, _ in with_lac[1]]
    assert with_lac[2] == plain[2]  # no CJK: LAC is not run
    for before, after in zip(plain, with_lac, strict=True):  # every span the model is sure of stays
        assert {s for s in before if s[3] >= 0.5} <= set(after)


@needs_artifact
def test_artifact_is_small_and_attributed() -> None:
    assert lac.ARTIFACT.stat().st_size < 20 * 2**20
    notice = (lac.ARTIFACT.parent / "LAC_NOTICE.txt").read_text("utf-8")
    assert "Apache License" in notice and "LAC-2.1.2.tar.gz" in notice
