"""Baidu LAC's lexical-analysis tagger, run with numpy: Chinese text in, PER / LOC / ORG spans out.

LAC 2.1.2 (Baidu NLP, Apache-2.0; ``model/LAC_NOTICE.txt``) ships a trained tagger for word
segmentation, part of speech and proper names in its PyPI package. Its paddlepaddle 1.x runtime
no longer installs, so ``scripts/import_lac.py`` reads the weights from the sdist into
``model/lac_zh.npz`` and this module runs the same network and preprocessing:

1. **Segmentation** (LAC's ``Segment.fast_cut``): a DAG of the dictionary words
   (``small_seg.dic``) at each position, the path of highest ``sum(log(len(word)) - log(total))``
   (single characters count as length 1; ties go to the longer word), and runs of single ASCII
   letters and digits joined into one piece.
2. **Input ids** (LAC's ``Dataset.text_to_ids``): a piece that is in the vocabulary is one token;
   otherwise each of its characters is a token; either is folded by ``q2b.dic`` (full-width to
   half-width, upper to lower case, traditional to simplified) before its id is looked up, and
   unknown ones get the ``OOV`` id.
3. **Network** (LAC's ``nets.lex_net``): a 128-wide embedding, two bidirectional GRU layers of 128
   units (paddle's ``dynamic_gru``: update and reset gates from ``x W_x + h W_g``, the candidate
   ``tanh(x W_cx + (r * h) W_c)``, ``h = (1 - u) * h + u * c``), each direction fed by its own
   fully connected projection, then one fully connected layer to the 49 tag scores.
4. **Decoding**: Viterbi under the linear-chain CRF (start, end and tag-to-tag weights); a
   token's tag is given to its first character and the ``-I`` of the same tag to the others.

A word is a run of characters from a ``-B`` tag to the next; its tag is that of its last
character (as LAC prints it). Words tagged PER, LOC and ORG become PERSON, ADDRESS and ORG spans
with character offsets into the text as given (touching LOC words as one span, edges trimmed:
:meth:`LacModel.predict`). LAC's decoder gives no probabilities: every span has the score
:data:`SCORE`.

Texts of up to 352 tokens are run whole, longer ones in windows of 256 tokens with 48 tokens of
context on each side; rows are batched by length, and each GRU step computes both directions of
every row still running, longest rows first.
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from piwarden.detect.ner.infer import _one_blas_thread, _reverse_rows, _running, trim, viterbi

ARTIFACT = Path(__file__).parent / "model" / "lac_zh.npz"
TYPES = {"PER": "PERSON", "LOC": "ADDRESS", "ORG": "ORG"}
SCORE = 0.85
ROWS = 64
WINDOW = 256  # tokens of a long text run together, with MARGIN tokens of context on each side
MARGIN = 48
_ENG = re.compile(r"[a-zA-Z0-9]")
Span = tuple[int, int, str, float]


class Segmenter:
    """LAC's dictionary segmenter (``LAC.segment.Segment``), same pieces."""

    def __init__(self, words: list[str], logtotal: float) -> None:
        self.logtotal = logtotal
        # LAC's trie: a word maps to its length, every proper prefix to None (unless itself a word)
        tree: dict[str, int | None] = {}
        for w in words:
            tree[w] = len(w)
            for i in range(1, len(w)):
                tree.setdefault(w[:i], None)
        self.tree = tree
        self._log = [0.0] + [math.log(n) for n in range(1, 1 + max((len(w) for w in words), default=1))]

    def cut(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of each piece."""
        n = len(text)
        tree, logtotal, logs = self.tree, self.logtotal, self._log
        route_score = [0.0] * (n + 1)
        route_end = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best_s, best_e = logs[1] - logtotal + route_score[idx + 1], idx
            end = idx + 2
            word = text[idx:end]
            while end <= n and word in tree:
                size = tree[word]
                if size:
                    s = logs[size] - logtotal + route_score[end]
                    if (s, end - 1) > (best_s, best_e):
                        best_s, best_e = s, end - 1
                end += 1
                word = text[idx:end]
            route_score[idx], route_end[idx] = best_s, best_e
        pieces: list[tuple[int, int]] = []
        buf = -1  # start of a run of single ASCII letters/digits
        i = 0
        while i < n:
            j = route_end[i] + 1
            if j - i == 1 and _ENG.match(text[i]):
                if buf < 0:
                    buf = i
            else:
                if buf >= 0:
                    pieces.append((buf, i))
                    buf = -1
                pieces.append((i, j))
            i = j
        if buf >= 0:
            pieces.append((buf, n))
        return pieces


class LacModel:
    """The loaded artifact; read-only after loading, so one instance serves all threads."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))
        tokens = str(arrays["tokens"]).split("\n")
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.oov = int(self.meta["oov"])
        self.q2b = dict(zip(str(arrays["q2b_from"]).split("\n"), str(arrays["q2b_to"]).split("\n"), strict=True))
        self.tags = str(arrays["tags"]).split("\n")
        self.segmenter = Segmenter(str(arrays["seg_words"]).split("\n"), float(self.meta["seg_logtotal"]))
        if "emb_q" in arrays:
            self.emb = arrays["emb_q"].astype(np.float32) * arrays["emb_scale"][:, None].astype(np.float32)
        else:
            self.emb = arrays["emb"].astype(np.float32)
        w = {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items() if k.startswith(("fc_", "gru_", "crfw"))}
        self.layers = [self._layer(w, 2 * i) for i in range(2)]
        self.out_w, self.out_b = w["fc_4_w_0"], w["fc_4_b_0"]
        crf = w["crfw"]
        self.start, self.end, self.trans = crf[0], crf[1], np.ascontiguousarray(crf[2:])
        self._suffix_b = np.array([t.endswith("-B") for t in self.tags])
        # the tag of a token's other characters: the -I of its tag (LAC's parse_result)
        self._to_i = np.array([self.tags.index(t[:-2] + "-I") if t.endswith("-B") else j
                               for j, t in enumerate(self.tags)])

    @staticmethod
    def _layer(w: dict[str, np.ndarray], k: int) -> tuple[np.ndarray, ...]:
        """(input weights ``(2, d, 3H)``, input bias ``(2, 3H)``, gate weights ``(2, H, 2H)``,
        candidate weights ``(2, H, H)``) for the forward (``fc_k``/``gru_k``) and reverse
        (``fc_k+1``/``gru_k+1``) directions. Paddle stores a GRU's weight ``(H, 3H)`` as the
        ``(H, 2H)`` update/reset matrix followed by the ``(H, H)`` candidate matrix in memory."""
        wi, bi, wg, wc = [], [], [], []
        for j in (k, k + 1):
            wi.append(w[f"fc_{j}_w_0"])
            bi.append(w[f"fc_{j}_b_0"] + w[f"gru_{j}_b_0"].ravel())
            flat = w[f"gru_{j}_w_0"].ravel()
            h = w[f"gru_{j}_w_0"].shape[0]
            wg.append(flat[:2 * h * h].reshape(h, 2 * h))
            wc.append(flat[2 * h * h:].reshape(h, h))
        return tuple(np.ascontiguousarray(np.stack(a)) for a in (wi, bi, wg, wc))

    @classmethod
    def load(cls, path: str | Path = ARTIFACT) -> LacModel:
        with np.load(path, allow_pickle=False) as z:
            return cls({k: z[k] for k in z.files})

    # -- preprocessing ---------------------------------------------------------------------
    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and each token's start offset in ``text``."""
        ids: list[int] = []
        starts: list[int] = []
        vocab, q2b, oov = self.vocab, self.q2b, self.oov
        for s, e in self.segmenter.cut(text):
            piece = text[s:e]
            if piece in vocab:  # LAC folds the piece as a whole too (q2b maps "A" to "a")
                ids.append(vocab.get(q2b.get(piece, piece), oov))
                starts.append(s)
                continue
            for i in range(s, e):
                ch = text[i]
                ids.append(vocab.get(q2b.get(ch, ch), oov))
                starts.append(i)
        return np.array(ids, dtype=np.int64), np.array(starts, dtype=np.int64)

    # -- network -----------------------------------------------------------------------------
    def emissions(self, token_ids: list[np.ndarray]) -> list[np.ndarray]:
        """Tag scores ``(tokens, 49)`` of each sequence.

        A sequence longer than ``WINDOW + 2 * MARGIN`` tokens is cut into windows of ``WINDOW``
        tokens, each run with ``MARGIN`` tokens of context on both sides (LAC runs it whole; the
        difference is measured in ``docs/ner.md``), so that rows of a batch have similar lengths
        and long texts cost no padding. Windows are run in batches of :data:`ROWS`, longest first.
        """
        pieces: list[tuple[int, int, int, int]] = []  # (sequence, context start, core start, core end)
        for i, ids in enumerate(token_ids):
            n = len(ids)
            if n <= WINDOW + 2 * MARGIN:
                if n:
                    pieces.append((i, 0, 0, n))
                continue
            for a in range(0, n, WINDOW):
                pieces.append((i, max(0, a - MARGIN), a, min(n, a + WINDOW)))
        out = [np.zeros((len(ids), len(self.tags)), dtype=np.float32) for ids in token_ids]
        span = [min(len(token_ids[i]), e + MARGIN) - c for i, c, _, e in pieces]
        order = sorted(range(len(pieces)), key=lambda j: -span[j])
        for lo in range(0, len(order), ROWS):
            idx = order[lo:lo + ROWS]
            lens = np.array([span[j] for j in idx])
            ids = np.full((len(idx), int(lens[0])), self.oov, dtype=np.int64)
            for r, j in enumerate(idx):
                i, c = pieces[j][0], pieces[j][1]
                ids[r, :lens[r]] = token_ids[i][c:c + lens[r]]
            x = self.emb[ids]
            for layer in self.layers:
                x = _bigru(x, lens, layer)
            logits = x @ self.out_w + self.out_b
            for r, j in enumerate(idx):
                i, c, a, e = pieces[j]
                out[i][a:e] = logits[r, a - c:e - c]
        return out

    def tag_ids(self, texts: list[str]) -> list[np.ndarray]:
        """One tag id per character of each text."""
        encoded = [self.encode(t) for t in texts]
        with _one_blas_thread():
            emits = self.emissions([ids for ids, _ in encoded])
        for e in emits:
            if len(e):
                e[-1] += self.end  # the CRF's end weights, folded into the last emission
        paths = viterbi(emits, self.trans, self.start, rows=256)
        result = []
        for text, (_, starts), path in zip(texts, encoded, paths, strict=True):
            tags = np.full(len(text), -1, dtype=np.int64)
            if len(path):
                tags[:] = self._to_i[path[np.searchsorted(starts, np.arange(len(text)), side="right") - 1]]
                tags[starts] = path
            result.append(tags)
        return result

    def words(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        """LAC's output: ``(start, end, tag)`` of each word (a run from a ``-B`` tag to the next)."""
        result: list[list[tuple[int, int, str]]] = []
        for text, tags in zip(texts, self.tag_ids(texts), strict=True):
            if not len(tags):
                result.append([])
                continue
            begins = np.flatnonzero(self._suffix_b[tags]).tolist()
            if not begins or begins[0] != 0:
                begins.insert(0, 0)
            ends = [*begins[1:], len(text)]
            result.append([(s, e, self.tags[int(tags[e - 1])][:-2]) for s, e in zip(begins, ends, strict=True)])
        return result

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """``(start, end, type, score)`` of the PERSON, ADDRESS and ORG spans of each text.

        LOC words that touch (浙江省 杭州市 西湖区 文三路) are one ADDRESS span. A span's edges lose
        what the shipped model's spans lose (:func:`piwarden.detect.ner.infer.trim`: spaces,
        separators, unpaired brackets) and symbols, format and control characters (an emoji or a
        zero-width space, unknown to LAC, is sometimes tagged as the start of a name); a span
        with no letter or digit left is dropped.
        """
        out = []
        for text, ws in zip(texts, self.words(texts), strict=True):
            merged: list[Span] = []
            for s, e, t in ws:
                if t not in TYPES:
                    continue
                if t == "LOC" and merged and merged[-1][2] == "ADDRESS" and merged[-1][1] == s:
                    merged[-1] = (merged[-1][0], e, "ADDRESS", SCORE)
                else:
                    merged.append((s, e, TYPES[t], SCORE))
            spans = []
            for s, e, kind, score in merged:
                s, e = _trim(text, s, e)
                if any(ch.isalnum() for ch in text[s:e]):
                    spans.append((s, e, kind, score))
            out.append(spans)
        return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while True:
        start, end = trim(text, start, end)
        if start < end and unicodedata.category(text[start])[0] in "ZCS":
            start += 1
        elif start < end and unicodedata.category(text[end - 1])[0] in "ZCS":
            end -= 1
        else:
            return start, end


def _bigru(x: np.ndarray, lengths: np.ndarray, layer: tuple[np.ndarray, ...]) -> np.ndarray:
    """One bidirectional GRU layer over ``x`` ``(B, L, d)`` (rows sorted longest first): the
    forward direction and each row reversed within its length run as one batch of two."""
    wi, bi, wg, wc = layer
    size, width = x.shape[:2]
    hdim = wc.shape[1]
    xs = np.stack([x, _reverse_rows(x, lengths)])
    gx = np.ascontiguousarray((xs @ wi[:, None] + bi[:, None, None]).transpose(2, 0, 1, 3))  # (L, 2, B, 3H)
    active = _running(lengths, width)
    h = np.zeros((2, size, hdim), dtype=np.float32)
    out = np.zeros((width, 2, size, hdim), dtype=np.float32)
    for t in range(width):
        k = active[t]
        hk = h[:, :k]
        g = gx[t, :, :k]
        ur = 1.0 / (1.0 + np.exp(-(g[..., :2 * hdim] + hk @ wg)))
        u = ur[..., :hdim]
        c = np.tanh(g[..., 2 * hdim:] + (ur[..., hdim:] * hk) @ wc)
        h[:, :k] = hk + u * (c - hk)
        out[t, :, :k] = h[:, :k]
    out = out.transpose(1, 2, 0, 3)
    return np.concatenate([out[0], _reverse_rows(out[1], lengths)], -1)


_LOCK = threading.Lock()


@functools.cache
def _cached(path: str) -> LacModel:
    return LacModel.load(path)


def load(path: Path | None = None) -> LacModel:
    """The artifact, loaded once per process."""
    p = path or ARTIFACT
    if not p.exists():
        raise FileNotFoundError(f"{p}: the LAC artifact is not built (python scripts/import_lac.py LAC-2.1.2.tar.gz)")
    with _LOCK:
        return _cached(str(p))


def _free(span: Span, others: list[Span]) -> bool:
    return all(span[1] <= o[0] or o[1] <= span[0] for o in others)


COMBINATIONS = ("lac", "model", "union", "lac_names", "model_first")


def combine(lac: list[Span], model: list[Span], how: str = "model_first", min_score: float = 0.5) -> list[Span]:
    """One text's spans from LAC and from the shipped model (``piwarden.detect.ner.infer``), combined.

    The model's spans scored at least ``min_score`` are combined with LAC's:

    - ``lac`` / ``model``: one of the two alone;
    - ``union``: LAC's spans, plus the model's that overlap none of them;
    - ``lac_names``: LAC's PERSON and ORG spans, the model's ADDRESS spans that overlap none of
      them, then the model's PERSON and ORG spans that overlap nothing kept;
    - ``model_first``: the model's spans, plus LAC's PERSON and ORG spans that overlap none of them
      (the best on the dev sets: ``docs/ner.md``).

    The model's spans under ``min_score`` are kept where they overlap nothing of the result (a
    caller with a lower threshold still sees them).

    >>> combine([(0, 3, "PERSON", 0.85), (5, 9, "ORG", 0.85)], [(0, 2, "PERSON", 0.7), (5, 9, "ORG", 0.3)])
    [(0, 2, 'PERSON', 0.7), (5, 9, 'ORG', 0.85)]
    """
    strong = [m for m in model if m[3] >= min_score]
    if how == "lac":
        kept = list(lac)
    elif how == "model":
        kept = strong
    elif how == "union":
        kept = [*lac, *(m for m in strong if _free(m, lac))]
    elif how == "lac_names":
        kept = [s for s in lac if s[2] != "ADDRESS"]
        kept += [m for m in strong if m[2] == "ADDRESS" and _free(m, kept)]
        kept += [m for m in strong if m[2] != "ADDRESS" and _free(m, kept)]
    elif how == "model_first":
        kept = [*strong, *(s for s in lac if s[2] != "ADDRESS" and _free(s, strong))]
    else:
        raise ValueError(f"unknown combination {how!r}: one of {', '.join(COMBINATIONS)}")
    kept += [m for m in model if m[3] < min_score and _free(m, kept)]
    return sorted(kept)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK ideograph (LAC is a Chinese tagger)."""
    return _CJK.search(text) is not None
