"""The batched numpy kernels against plain one-text-at-a-time references."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.ner import infer
from piwarden.detect.ner.data import TAGS


def _viterbi_one(emit: np.ndarray, trans: np.ndarray, start: np.ndarray) -> np.ndarray:
    score = start + emit[0]
    back = np.zeros(emit.shape, dtype=np.int64)
    for t in range(1, len(emit)):
        cand = score[:, None] + trans
        back[t] = cand.argmax(0)
        score = cand.max(0) + emit[t]
    path = np.zeros(len(emit), dtype=np.int64)
    path[-1] = score.argmax()
    for t in range(len(emit) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _lstm_one(x: np.ndarray, wi: np.ndarray, wh: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = wh.shape[0]
    h, c, out = np.zeros(n, np.float32), np.zeros(n, np.float32), []
    for xt in x:
        g = xt @ wi + b + h @ wh
        i, f, o = (1 / (1 + np.exp(-g[k * n:(k + 1) * n])) for k in range(3))
        c = f * c + i * np.tanh(g[3 * n:])
        h = o * np.tanh(c)
        out.append(h)
    return np.array(out).reshape(len(x), n)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=9), st.integers(0, 2**31 - 1),
       st.integers(1, 5))
def test_batched_viterbi_equals_one_text_at_a_time(lengths: list[int], seed: int, rows: int) -> None:
    rng = np.random.default_rng(seed)
    trans, start = infer._transitions(None)
    if seed % 2:  # a learned CRF layer on top of the BIO constraints
        trans, start = infer._transitions(rng.normal(size=(len(TAGS) + 1, len(TAGS))).astype(np.float32))
    emits = [rng.normal(size=(n, len(TAGS))).astype(np.float32) for n in lengths]
    got = infer.viterbi(emits, trans, start, rows=rows)
    for emit, path in zip(emits, got, strict=True):
        assert len(path) == len(emit)
        if len(emit):
            np.testing.assert_array_equal(path, _viterbi_one(emit, trans, start))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=6), st.integers(0, 2**31 - 1))
def test_batched_bilstm_equals_one_row_at_a_time(lengths: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    d, n, width = 6, 4, max(max(lengths), 1)
    weights = {f"lstm_{k}_{p}": rng.normal(size=shape).astype(np.float32)
               for k in "fr" for p, shape in (("wi", (d, 4 * n)), ("wh", (n, 4 * n)), ("b", (4 * n,)))}
    x = rng.normal(size=(len(lengths), width, d)).astype(np.float32)
    got = infer._bilstm(x, np.array(lengths), infer._stack_lstm(weights))
    for row, length in enumerate(lengths):
        fwd = _lstm_one(x[row, :length], *_iofg(weights, "f", n))
        bwd = _lstm_one(x[row, :length][::-1], *_iofg(weights, "r", n))[::-1]
        np.testing.assert_allclose(got[row, :length], np.concatenate([fwd, bwd], -1).reshape(length, 2 * n),
                                   atol=1e-5)
        assert not got[row, length:].any()


def _iofg(w: dict[str, np.ndarray], key: str, n: int) -> tuple[np.ndarray, ...]:
    """torch's gate order i, f, g, o as i, f, o, g (what :func:`_lstm_one` reads)."""
    order = np.r_[0:2 * n, 3 * n:4 * n, 2 * n:3 * n]
    return tuple(w[f"lstm_{key}_{p}"][..., order] for p in ("wi", "wh", "b"))


def test_trim_drops_separators_and_unpaired_brackets() -> None:
    cases = {"海淀区玉渊潭南路北，": "海淀区玉渊潭南路北", "穆赫辛·": "穆赫辛", "《东亚银行": "东亚银行", "胡斯”": "胡斯",
             "Davis, Reynolds and ": "Davis, Reynolds and", "英国电影分级委员会(BBFC)": "英国电影分级委员会(BBFC)",
             "，": "", " 张三 ": "张三"}
    for text, want in cases.items():
        a, b = infer.trim(text, 0, len(text))
        assert text[a:b] == want


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="张三路号 ，,·()（）《》“”ab", max_size=20), st.data())
def test_trim_stays_inside_and_is_idempotent(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    a, b = infer.trim(text, start, end)
    assert start <= a and b <= end
    if a < b:
        assert infer.trim(text, a, b) == (a, b)
        assert text[a] not in infer._EDGE and text[b - 1] not in infer._EDGE
