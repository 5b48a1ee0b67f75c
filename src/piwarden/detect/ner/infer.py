"""Numpy inference of the exported tagger: batches of texts in, scored spans out.

Texts are cut into windows of at most :data:`WINDOW` characters with :data:`MARGIN` characters
of context on each side (more than the convolutions' receptive radius, so a CNN's tag scores
are exactly those of the whole text); windows of similar length are batched together, and the
scores are stitched back per text. Decoding is per character (``greedy``: arg-max, with an
``I-`` tag after another type read as a new span) or Viterbi under the BIO constraints and,
for a CRF model, its learned transitions.

A span's score is the mean probability of its characters' tags, mapped by the artifact's
calibration (``score = clip(a * p + b)``) so that the analyzer's default 0.5 threshold is
near the dev-set optimum.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from piwarden.detect.ner.data import TAGS, TYPES
from piwarden.detect.ner.features import Featurizer

WINDOW = 256
MARGIN = 24
ROWS = 64
NEG = -1e4
_KIND = np.array([0] + [1 + k for k in range(len(TYPES)) for _ in "BI"])  # tag -> type index + 1 (0: O)
_IS_B = np.array([False] + [p == "B" for _ in TYPES for p in "BI"])
_MASKED = ("某",)


class TaggerModel:
    """Loaded artifact: featurizer, weights, configuration; thread-safe (read-only state)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))
        self.cfg = self.meta["model"]
        self.featurizer = Featurizer.from_arrays(arrays)
        skip = {"meta", "vocab", "buckets", "surnames", "compound", "places", "lexicon"}
        self.w = {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items() if k not in skip}
        a, b = self.meta.get("calibration", (1.0, 0.0))
        self.calibration = (float(a), float(b))
        self.decode = self.meta.get("decode", "greedy")
        self._trans, self._start = _transitions(self.w.get("trans"))
        self._lstm = _stack_lstm(self.w) if self.cfg["arch"] == "bilstm" else ()

    @classmethod
    def load(cls, path: str) -> TaggerModel:
        with np.load(path, allow_pickle=False) as z:
            return cls({k: z[k] for k in z.files})

    # -- network -------------------------------------------------------------------------------
    def logits(self, chars: np.ndarray, left: np.ndarray, right: np.ndarray, feats: np.ndarray,
               mask: np.ndarray) -> np.ndarray:
        w = self.w
        m = mask[..., None].astype(np.float32)
        x = np.concatenate([w["char"][chars], w["bigram"][left], w["bigram"][right], feats], -1)
        h = np.maximum(x @ w["inp_w"] + w["inp_b"], 0.0) * m
        if self.cfg["arch"] == "cnn":
            k = self.cfg["kernel"]
            for i, r in enumerate(self.cfg["dilations"]):
                y = np.maximum(_conv(h, w[f"conv{i}_w"], r, k) + w[f"conv{i}_b"], 0.0)
                h = _layer_norm(h + y, w[f"norm{i}_g"], w[f"norm{i}_b"]) * m
        else:
            h = _bilstm(h, mask.sum(1), self._lstm) * m
        return h @ w["out_w"] + w["out_b"]

    def scores(self, texts: list[str]) -> list[np.ndarray]:
        """Per text, ``(len, T)`` tag logits."""
        windows = []  # (text index, window start, keep from, keep to, encoded)
        for ti, (text, enc) in enumerate(zip(texts, self.featurizer.encode_many(texts), strict=True)):
            for lo in range(0, max(len(text), 1), WINDOW):
                a, b = max(0, lo - MARGIN), min(len(text), lo + WINDOW + MARGIN)
                part = type(enc)(enc.chars[a:b], enc.left[a:b], enc.right[a:b], enc.feats[a:b])
                windows.append((ti, a, lo, min(len(text), lo + WINDOW), part))
        out = [np.zeros((len(t), len(TAGS)), dtype=np.float32) for t in texts]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][4].chars))
        for s in range(0, len(order), ROWS):
            group = [windows[i] for i in order[s:s + ROWS]]
            logits = self.logits(*self.featurizer.batch([g[4] for g in group]))
            for (ti, a, keep_lo, keep_hi, _), row in zip(group, logits, strict=True):
                out[ti][keep_lo:keep_hi] = row[keep_lo - a:keep_hi - a]
        return out

    # -- decoding ------------------------------------------------------------------------------
    def predict(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        """For each text, ``(start, end, type, score)`` of every span of a type in ``TYPES``."""
        a, b = self.calibration
        with _one_blas_thread():
            logits = self.scores(texts)
        probs = [_softmax(logit) for logit in logits]
        if self.decode == "greedy":
            paths = [p.argmax(-1) for p in probs]
        else:
            crf = "trans" in self.w
            paths = viterbi([lg if crf else np.log(p + 1e-9) for lg, p in zip(logits, probs, strict=True)],
                            self._trans, self._start)
        results = []
        for text, prob, tags in zip(texts, probs, paths, strict=True):
            spans = []
            found = _spans(tags) if len(text) else []
            if found:  # mean probability of each span's tags, from a running sum
                cum = np.concatenate(([0.0], np.cumsum(prob[np.arange(len(tags)), tags])))
            for start, end in found:
                kind = TYPES[_KIND[tags[start]] - 1]
                start, end = trim(text, int(start), int(end))
                if start >= end:
                    continue
                if kind == "PERSON" and (any(c in text[start:end + 1] for c in _MASKED)):
                    continue  # 薛某, 王某某: already de-identified
                p = float(cum[end] - cum[start]) / (end - start)
                spans.append((start, end, kind, min(1.0, max(0.0, a * p + b))))
            results.append(spans)
        return results


_EDGE = frozenset(" \t\r\n\u3000，,。；;：:、·•!！?？")
_PAIRS = {"(": ")", "（": "）", "[": "]", "【": "】", "《": "》", "“": "”", "‘": "’", "「": "」"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without spaces or separators at its edges, nor a bracket or quote it does not close.

    The tagger sometimes takes in the comma after an address, the space after an English name,
    or the ``·`` of a transliterated name whose second part it missed; no gold set puts those
    at a span's edge. A bracket is kept when its partner is inside the span (``(BBFC)``).
    """
    while start < end:
        first, last = text[start], text[end - 1]
        if first in _EDGE or (first in _CLOSERS) or (first in _PAIRS and _PAIRS[first] not in text[start + 1:end]):
            start += 1
        elif last in _EDGE or (last in _PAIRS) or (last in _CLOSERS and _CLOSERS[last] not in text[start:end - 1]):
            end -= 1
        else:
            break
    return start, end


def viterbi(emits: list[np.ndarray], trans: np.ndarray, start: np.ndarray, rows: int = 256) -> list[np.ndarray]:
    """Best tag path of each ``(len, T)`` emission matrix under ``trans`` (``(T, T)``) and ``start``.

    Texts are decoded together, longest first, so that one numpy step serves every text still
    running at that position (a prefix of the batch): the per-position cost of Python is paid
    once per batch instead of once per text. Same paths as a text-at-a-time Viterbi (same
    float32 operations, first maximum on ties).
    """
    paths: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(emits)
    order = sorted((i for i, e in enumerate(emits) if len(e)), key=lambda i: -len(emits[i]))
    n_tags = trans.shape[0]
    for lo in range(0, len(order), rows):
        idx = order[lo:lo + rows]
        lens = np.array([len(emits[i]) for i in idx])
        width, size = int(lens[0]), len(idx)
        emit = np.zeros((width, size, n_tags), dtype=np.float32)
        for j, i in enumerate(idx):
            emit[:lens[j], j] = emits[i]
        active = _running(lens, width)
        back = np.zeros((width, size, n_tags), dtype=np.int64)
        score = start + emit[0]
        for t in range(1, width):
            k = active[t]
            cand = score[:k, :, None] + trans
            back[t, :k] = cand.argmax(1)
            score[:k] = cand.max(1) + emit[t, :k]
        last = score.argmax(1)  # a row's score stopped changing at its last character
        path = np.zeros((size, width), dtype=np.int64)
        cur = np.zeros(size, dtype=np.int64)
        for t in range(width - 1, -1, -1):
            k, done = active[t], active[t + 1] if t + 1 < width else 0
            cur[done:k] = last[done:k]  # rows whose last character is t
            path[:k, t] = cur[:k]
            if t:
                cur[:k] = back[t, np.arange(k), cur[:k]]
        for j, i in enumerate(idx):
            paths[i] = path[j, :lens[j]]
    return paths


def _transitions(learned: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    n = len(TAGS)
    trans, start = np.zeros((n, n), dtype=np.float32), np.zeros(n, dtype=np.float32)
    for j, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            start[j] = NEG
            trans[[i for i, p in enumerate(TAGS) if p[2:] != tag[2:]], j] = NEG
    if learned is not None:
        trans, start = trans + learned[:-1], start + learned[-1]
    return trans, start


def _spans(tags: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of one type; a B tag or a change of type starts a new one."""
    kind = _KIND[tags]
    prev = np.concatenate(([0], kind[:-1]))
    starts = np.flatnonzero((kind > 0) & (_IS_B[tags] | (prev != kind)))
    ends: list[int] = []
    for s in starts:
        e = s + 1
        while e < len(tags) and kind[e] == kind[s] and not _IS_B[tags[e]]:
            e += 1
        ends.append(int(e))
    return list(zip(starts.tolist(), ends, strict=True))


@functools.cache
def _blas() -> Any:
    """The process's thread pools, found once (finding them walks the loaded libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_BLAS_LOCK = threading.Lock()
_blas_state: dict[str, Any] = {"users": 0, "limiter": None}


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """One BLAS thread for the network's small matrices.

    Extra BLAS threads only spin-wait on matrices this small: on a busy 2-core machine they made
    inference 4.5x slower per CPU second. The limit is process-wide, so it is counted: the first
    batch to start sets it and the last to finish restores it. (Each call setting and restoring
    it on its own let one thread lift the limit while another was mid-batch, and that batch's
    scores changed in the sixth decimal with the number of BLAS threads.)
    """
    with _BLAS_LOCK:
        if _blas_state["users"] == 0:
            _blas_state["limiter"] = _blas().limit(limits=1, user_api="blas")
        _blas_state["users"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_state["users"] -= 1
            if _blas_state["users"] == 0:
                _blas_state["limiter"].restore_original_limits()
                _blas_state["limiter"] = None


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _conv(h: np.ndarray, w: np.ndarray, r: int, k: int) -> np.ndarray:
    """Dilated 'same' convolution as one matmul over the stacked shifted inputs."""
    b, n, d = h.shape
    pad = r * (k // 2)
    hp = np.zeros((b, n + 2 * pad, d), dtype=h.dtype)
    hp[:, pad:pad + n] = h
    stacked = np.concatenate([hp[:, j * r:j * r + n] for j in range(k)], -1)
    return stacked @ w


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _bilstm(x: np.ndarray, lengths: np.ndarray, lstm: tuple[np.ndarray, ...]) -> np.ndarray:
    """Both LSTM directions in one loop: each row reversed within its length is a second batch.

    ``lstm`` is (input weights ``(2, d, 4n)``, recurrent ``(2, n, 4n)``, bias ``(2, 4n)``) with the
    gates reordered to i, f, o, g (one sigmoid over three). Rows run longest first, and a step
    computes only the rows still running (a prefix), so padding costs nothing and needs no
    masking; outputs past a row's length are zero.
    """
    wi, wh, b = lstm
    size, width = x.shape[:2]
    n = wh.shape[1]
    order = np.argsort(-lengths, kind="stable")
    x, lengths = x[order], lengths[order]
    xs = np.stack([x, _reverse_rows(x, lengths)])
    del x
    active = _running(lengths, width)
    h = np.zeros((2, size, n), dtype=np.float32)
    c = np.zeros_like(h)
    out = np.zeros((width, 2, size, n), dtype=np.float32)
    gates_x = np.zeros(0, dtype=np.float32)
    for t in range(width):
        if t % _STEPS == 0:  # input products for the next steps only: all at once held 60 MB a batch
            gates_x = np.ascontiguousarray((xs[:, :, t:t + _STEPS] @ wi[:, None] + b[:, None, None]).transpose(2, 0, 1, 3))
        k = active[t]
        g = gates_x[t % _STEPS, :, :k] + h[:, :k] @ wh
        s = _sigmoid(g[..., :3 * n])
        c[:, :k] = s[..., n:2 * n] * c[:, :k] + s[..., :n] * np.tanh(g[..., 3 * n:])
        h[:, :k] = s[..., 2 * n:] * np.tanh(c[:, :k])
        out[t, :, :k] = h[:, :k]
    out = out.transpose(1, 2, 0, 3)  # (2, B, L, n)
    both = np.concatenate([out[0], _reverse_rows(out[1], lengths)], -1)
    result = np.empty_like(both)
    result[order] = both
    return result


_STEPS = 32  # LSTM time steps whose input products are computed together


def _reverse_rows(x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each row's first ``length`` items reversed, the rest zero (a slice per row: faster than a gather)."""
    out = np.zeros_like(x)
    for j, n in enumerate(lengths.tolist()):
        if n:
            out[j, :n] = x[j, n - 1::-1]
    return out


def _running(lengths: np.ndarray, width: int) -> np.ndarray:
    """Per position, how many rows are still running; rows sorted longest first, so a prefix."""
    return (lengths[None, :] > np.arange(width)[:, None]).sum(1)


def _stack_lstm(w: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    n = w["lstm_f_wh"].shape[0]
    order = np.r_[0:2 * n, 3 * n:4 * n, 2 * n:3 * n]  # torch's i, f, g, o -> i, f, o, g
    return tuple(np.ascontiguousarray(np.stack([w[f"lstm_f_{k}"], w[f"lstm_r_{k}"]])[..., order])
                 for k in ("wi", "wh", "b"))
