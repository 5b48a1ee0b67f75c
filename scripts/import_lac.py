"""Read Baidu LAC's lexical-analysis model from its PyPI sdist and write a numpy artifact.

LAC 2.1.2 (Baidu NLP, Apache-2.0, https://github.com/baidu/lac) ships a trained tagger for
Chinese word segmentation, part of speech and proper names (PER, LOC, ORG, TIME) inside its
PyPI package, as paddlepaddle 1.x "persistable" tensors. Its runtime no longer installs (LAC
needs ``paddle.fluid``, removed in paddlepaddle 2.6, and older paddlepaddle has no wheels for
Python 3.11), and pip cannot build the sdist's metadata in a current build environment (its
``setup.py`` imports ``pkg_resources``, gone from setuptools 70 on), so the sdist is downloaded as a
plain file from PyPI and checked against its pinned SHA-256::

    curl -LO https://files.pythonhosted.org/packages/c3/88/966e99c95cac93730a7f3cdf92a17e2a0e924bea61b9a86ae7995feaa4fe/LAC-2.1.2.tar.gz
    python scripts/import_lac.py LAC-2.1.2.tar.gz [--out src/piwarden/detect/ner/model/lac_zh.npz]

Only ``LAC/lac_model`` is read (the ``seg`` and ``rank`` models are not). The artifact holds:
the weights of the network (character/word embeddings, two bidirectional GRU layers of 128
units, the emission layer, the CRF transitions), the input vocabulary (``conf/word.dic``:
characters and the words the network reads as one token), the full-width/traditional folding
table (``conf/q2b.dic``), the segmentation dictionary (``conf/small_seg.dic``: only the words,
their counts are not used by LAC's segmenter beyond their total) and the tag list
(``conf/tag.dic``). Embedding rows of vocabulary words that LAC's segmenter can never emit (not in
the segmentation dictionary and not a run of ASCII letters and digits) are dropped, which changes
no output. The embeddings are stored as int8 with one float32 scale per row (9.3 MB in all); with
``--embedding float16`` (15.4 MB) the words are those of float32 on every dev text of the three
Chinese sets, with int8 they differ on 23 of 1,025 dev texts and micro F1 moves by at most 0.0003.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import re
import struct
import sys
import tarfile
from pathlib import Path

import numpy as np

SHA256 = "22fcde0d5082d2044205ea6f6a7a9cd1f0d63e7b21b2dd5c9c73f27e7c0a3ef1"
URL = ("https://files.pythonhosted.org/packages/c3/88/966e99c95cac93730a7f3cdf92a17e2a0e924bea61b9a86ae7995feaa4fe/"
       "LAC-2.1.2.tar.gz")
OUT = Path(__file__).resolve().parents[1] / "src/piwarden/detect/ner/model/lac_zh.npz"
PREFIX = "LAC-2.1.2/LAC/lac_model/"
PARAMS = ["word_emb", "crfw", *(f"fc_{i}.{k}_0" for i in range(5) for k in "wb"), *(f"gru_{i}.{k}_0" for i in range(4) for k in "wb")]
# paddle's VarType.Type values for the tensor data types LAC uses
DTYPES = {2: np.int32, 3: np.int64, 4: np.float16, 5: np.float32, 6: np.float64}
_ASCII_RUN = re.compile(r"[a-zA-Z0-9]+")


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def parse_tensor_desc(buf: bytes) -> tuple[int, list[int]]:
    """``(data_type, dims)`` from a serialized ``VarType.TensorDesc`` (field 1: the type, field 2:
    the dims, packed or not)."""
    dtype, dims, i = -1, [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            if field == 1:
                dtype = value
            elif field == 2:
                dims.append(value - (1 << 64) if value >= 1 << 63 else value)
        elif wire == 2:
            size, i = _varint(buf, i)
            end = i + size
            if field == 2:
                while i < end:
                    value, i = _varint(buf, i)
                    dims.append(value - (1 << 64) if value >= 1 << 63 else value)
            i = end
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    return dtype, dims


def parse_tensor(raw: bytes) -> np.ndarray:
    """One paddle 1.x persistable tensor: uint32 version, uint64 LoD level count, each level as
    uint64 byte size and its offsets, uint32 tensor version, int32 size of the ``TensorDesc``
    protobuf, the protobuf, then the raw little-endian data."""
    (version,) = struct.unpack_from("<I", raw, 0)
    if version != 0:
        raise ValueError(f"unsupported LoDTensor version {version}")
    (levels,) = struct.unpack_from("<Q", raw, 4)
    pos = 12
    for _ in range(levels):
        (size,) = struct.unpack_from("<Q", raw, pos)
        pos += 8 + size
    (tversion, desc_size) = struct.unpack_from("<Ii", raw, pos)
    if tversion != 0:
        raise ValueError(f"unsupported tensor version {tversion}")
    pos += 8
    dtype, dims = parse_tensor_desc(raw[pos:pos + desc_size])
    pos += desc_size
    if dtype not in DTYPES:
        raise ValueError(f"unsupported tensor data type {dtype}")
    count = math.prod(dims)
    arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[dtype]).newbyteorder("<"), count=count, offset=pos)
    if pos + arr.nbytes != len(raw):
        raise ValueError(f"{len(raw) - pos - arr.nbytes} trailing bytes after a tensor of shape {dims}")
    return arr.reshape(dims).astype(arr.dtype.newbyteorder("="))


def _kv(text: str) -> list[tuple[str, str]]:
    rows = []
    for line in text.split("\n"):
        terms = line.split("\t")
        if len(terms) == 2:
            rows.append((terms[0], terms[1]))
    return rows


def read_sdist(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    tensors: dict[str, np.ndarray] = {}
    conf: dict[str, str] = {}
    with tarfile.open(path, "r:gz") as tar:
        for name in PARAMS:
            f = tar.extractfile(PREFIX + "model/" + name)
            assert f is not None
            tensors[name] = parse_tensor(f.read())
        for name in ("word.dic", "q2b.dic", "small_seg.dic", "tag.dic", "args.ini"):
            f = tar.extractfile(PREFIX + "conf/" + name)
            assert f is not None
            conf[name] = f.read().decode("utf-8")
        for name in ("PKG-INFO", "setup.py"):
            f = tar.extractfile("LAC-2.1.2/" + name)
            assert f is not None
            conf[name] = f.read().decode("utf-8")
    return tensors, conf


def build(tensors: dict[str, np.ndarray], conf: dict[str, str], embedding: str = "float16", prune: bool = True,
          ) -> dict[str, np.ndarray]:
    # word.dic: "id<TAB>token"; LAC reads it with reverse=True, so a later line wins for a repeated token
    word2id: dict[str, int] = {}
    for i, w in _kv(conf["word.dic"]):
        word2id[w] = int(i)
    seg_words = [line.strip().split(" ")[0] for line in conf["small_seg.dic"].split("\n") if line.strip()]
    seg_total = sum(int(line.strip().split(" ")[1]) for line in conf["small_seg.dic"].split("\n") if line.strip())
    seg_set = set(seg_words)
    keep_tokens = [w for w in word2id if w == "OOV" or len(w) == 1 or not prune or w in seg_set or _ASCII_RUN.fullmatch(w)]
    emb = tensors["word_emb"]
    old_ids = np.array([word2id[w] for w in keep_tokens], dtype=np.int64)
    oov_index = keep_tokens.index("OOV")
    if any("\n" in t or not t for t in keep_tokens):
        raise ValueError("a vocabulary token is empty or holds a line break")
    rows = emb[old_ids]
    out: dict[str, np.ndarray] = {}
    if embedding == "int8":
        scale = np.abs(rows).max(axis=1, keepdims=True) / 127.0
        scale[scale == 0] = 1.0
        out["emb_q"] = np.round(rows / scale).astype(np.int8)
        out["emb_scale"] = scale.astype(np.float32).ravel()
    else:
        out["emb"] = rows.astype(np.float16 if embedding == "float16" else np.float32)
    for name, arr in tensors.items():
        if name != "word_emb":
            out[name.replace(".", "_")] = arr.astype(np.float32)
    q2b = _kv(conf["q2b.dic"])
    # tag.dic lists ids 16-21 and 34-35 twice (nr/ns/nt/t, then PER/LOC/ORG/TIME): LAC's
    # id-to-label dict keeps the later name, as here
    names: dict[int, str] = {}
    for i, t in _kv(conf["tag.dic"]):
        names[int(i)] = t
    tags = [names[i] for i in range(max(names) + 1)]
    meta = {
        "source": "LAC 2.1.2 (Baidu NLP, Apache-2.0), PyPI sdist " + URL, "sha256": SHA256,
        "oov": oov_index, "seg_logtotal": math.log(seg_total), "vocab_words": len(word2id),
        "kept_tokens": len(keep_tokens), "embedding": embedding,
        "args": conf["args.ini"],
    }
    out["tokens"] = np.array("\n".join(keep_tokens))
    out["seg_words"] = np.array("\n".join(seg_words))
    out["q2b_from"] = np.array("\n".join(a for a, _ in q2b))
    out["q2b_to"] = np.array("\n".join(b for _, b in q2b))
    out["tags"] = np.array("\n".join(tags))
    out["meta"] = np.array(json.dumps(meta, ensure_ascii=False))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sdist", type=Path, help=f"LAC-2.1.2.tar.gz from {URL}")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--embedding", choices=("float16", "int8", "float32"), default="int8",
                    help="embedding storage: int8 with one float32 scale per row (default), float16 or float32")
    ap.add_argument("--no-prune", action="store_true", help="keep embedding rows the segmenter never emits")
    args = ap.parse_args(argv)
    digest = hashlib.sha256(args.sdist.read_bytes()).hexdigest()
    if digest != SHA256:
        sys.exit(f"{args.sdist}: sha256 {digest}, expected {SHA256}")
    tensors, conf = read_sdist(args.sdist)
    for name, arr in tensors.items():
        print(f"{name}: {arr.dtype} {list(arr.shape)}", file=sys.stderr)
    arrays = build(tensors, conf, embedding=args.embedding, prune=not args.no_prune)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    args.out.write_bytes(buf.getvalue())
    print(f"{args.out}: {len(buf.getvalue()) / 1e6:.1f} MB, {json.loads(str(arrays['meta']))['kept_tokens']} tokens",
          file=sys.stderr)


if __name__ == "__main__":
    main()
