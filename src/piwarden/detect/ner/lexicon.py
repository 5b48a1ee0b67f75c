"""Word-list features from jieba's dictionary: which known words start, continue or end at a character.

Chinese has no spaces, so a character model must guess word boundaries from the characters
alone; a dictionary gives it candidates. jieba ships a dictionary of 349,046 words with
part-of-speech tags, among them 79,267 person names (``nr``, transliterated ``nrt`` such as
伯南克, ``nrfg``), 17,706 place names (``ns``), 4,713 organisations (``nt``) and 10,441 other
proper nouns (``nz``). Every word of two to :data:`MAX_LEN` characters is kept, in one of five
classes; per character the model sees, for each class, whether some word of that class starting
there, continuing over it or ending there occurs in the text (every match, not one segmentation:
the model decides which reading holds, as in SoftLexicon).

Matching is vectorized: each k-gram of the text is hashed (a 64-bit polynomial over code points)
and looked up in the sorted hashes of the class's words of length k, for k = 2..MAX_LEN. The
words are stored in the model artifact as text and hashed when it loads, so inference needs
neither jieba nor this module's training-time reader.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

MAX_LEN = 8
CLASSES = ("per", "loc", "org", "nz", "word")
FEATURES = tuple(f"lex_{c}_{p}" for c in CLASSES for p in "bie")
_TAGS = {"nr": "per", "nrt": "per", "nrfg": "per", "ns": "loc", "nsf": "loc", "nt": "org", "nz": "nz"}
_P = np.uint64(0x100000001B3)  # FNV prime: any odd multiplier will do


def jieba_words() -> dict[str, list[str]]:
    """Class -> words of jieba's main dictionary (training time; ``pip install 'piwarden[train]'``)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("lexicon features come from the jieba package: pip install 'piwarden[train]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    out: dict[str, set[str]] = {c: set() for c in CLASSES}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and 2 <= len(parts[0]) <= MAX_LEN:
                out[_TAGS.get(parts[2], "word")].add(parts[0])
    return {c: sorted(ws) for c, ws in out.items()}


def _hashes_rows(grams: np.ndarray) -> np.ndarray:
    """Hash of each row of ``grams`` (uint64 code points), the same as :meth:`Lexicon.mark` computes."""
    h = grams[:, 0].copy()
    for j in range(1, grams.shape[1]):
        h = h * _P + grams[:, j]
    return h


class Lexicon:
    """Word hashes per length with their classes; :meth:`mark` writes the B/I/E features of a text.

    The words are kept as one serialized string (what the artifact stores) and hashed straight
    from its code points: 349,046 Python strings would hold about 40 MB for nothing at inference.
    """

    def __init__(self, words: dict[str, list[str]]) -> None:
        kept = {c: sorted({w for w in words.get(c, ()) if w and not any(ch.isspace() for ch in w)}) for c in CLASSES}
        self._text = "\n".join(f"{c}\t{' '.join(ws)}" for c, ws in kept.items())
        self._tables = _tables(self._text)

    @property
    def words(self) -> dict[str, list[str]]:
        """Class -> sorted words (built on demand: for tests and inspection)."""
        out = {}
        for line in self._text.split("\n"):
            c, _, ws = line.partition("\t")
            out[c] = ws.split(" ") if ws else []
        return out

    def __len__(self) -> int:
        return sum(len(ws) for ws in self.words.values())

    def mark(self, text: str, out: np.ndarray) -> None:
        """Set ``out[:, 3*c : 3*c+3]`` (begin, inside, end) for every class ``c``; ``out`` is ``(len, 15)``."""
        n = len(text)
        if n < 2:
            return
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        h = cps
        for k in range(2, min(MAX_LEN, n) + 1):
            h = h[:-1] * _P + cps[k - 1:]  # hashes of the k-grams, from those of the (k-1)-grams
            table, masks = self._tables[k]
            if not len(table):
                continue
            pos = np.minimum(np.searchsorted(table, h), len(table) - 1)
            hit = np.flatnonzero(table[pos] == h)
            if not len(hit):
                continue
            bits = masks[pos[hit]]
            for ci in range(len(CLASSES)):
                starts = hit[(bits & (1 << ci)) != 0]
                if len(starts):
                    out[starts, 3 * ci] = 1.0
                    out[starts + k - 1, 3 * ci + 2] = 1.0
                    for j in range(1, k - 1):
                        out[starts + j, 3 * ci + 1] = 1.0

    def to_array(self) -> np.ndarray:
        return np.array(self._text)

    @classmethod
    def from_array(cls, array: np.ndarray) -> Lexicon:
        lexicon = cls.__new__(cls)
        lexicon._text = str(array)
        lexicon._tables = _tables(lexicon._text)
        return lexicon


def _tables(text: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per word length k: the sorted unique hashes of the words of ``text`` (``class\\tw1 w2 ...``
    lines) and, for each, a bit mask of the classes it is in."""
    parts: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(MAX_LEN + 1)]
    for line in text.split("\n"):
        name, _, ws = line.partition("\t")
        if name not in CLASSES or not ws:
            continue
        bit = np.uint8(1 << CLASSES.index(name))
        cps = np.frombuffer((ws + " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        ends = np.flatnonzero(cps == 0x20)
        starts = np.concatenate(([0], ends[:-1] + 1))
        lengths = ends - starts
        for k in range(2, MAX_LEN + 1):
            first = starts[lengths == k]
            if len(first):
                grams = cps[first[:, None] + np.arange(k)]
                parts[k].append((_hashes_rows(grams), np.full(len(first), bit, dtype=np.uint8)))
    tables = []
    for by_len in parts:
        if not by_len:
            tables.append((np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint8)))
            continue
        h, b = np.concatenate([p[0] for p in by_len]), np.concatenate([p[1] for p in by_len])
        uniq, inverse = np.unique(h, return_inverse=True)
        mask = np.zeros(len(uniq), dtype=np.uint8)
        np.bitwise_or.at(mask, inverse, b)  # a word in several classes carries all their bits
        tables.append((uniq, mask))
    return tables
