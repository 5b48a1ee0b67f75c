"""Training data: the four shared files, a fixed dev split, synthetic augmentation, BIO tags.

Labels. The model is trained on six span types: the three it reports (PERSON, ADDRESS, ORG)
and three it does not (LOCATION, JOB_TITLE, WORK_OF_ART: CLUENER's scene, position and title
types), so that a landmark, a job title or a book title has a class of its own instead of
being pushed into O or into one of the reported types. Where the sets disagree on what a
label means, the characters are left out of the loss (:data:`IGNORE`) instead of taught both
ways: Weibo's and the English set's LOCATION (countries and cities, which CLUENER calls
ADDRESS) and the English ZIP_CODE (part of an address there, sometimes a span of its own).
Everything else (phones, e-mail, nominal mentions, dates) is O.

Masked names (``薛某``, ``王某某``) are de-identified references, not names: the gold sets
never label them, the synthetic court genre leaves them unlabeled, and so the model learns
them as O (and :mod:`piwarden.detect.ner.infer` drops any PERSON span that is one).

Split. A record goes to dev when its group's SHA-256 (with the seed) falls in the dev share;
a group is every record sharing a text, and every CLUENER sentence together with each BDCI
document that contains it verbatim (found through an index of 12-character keys), so no dev
text has been seen inside a training document.

Template split (:func:`template_split`, English set). The English set is generated from about
200 sentence templates, so a text-grouped split puts most dev templates in train as well and
scores what a model remembers of a template rather than how it reads an unseen one. There a
record's group is its skeleton: the text with each gold span replaced by its label.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SETS = ("zh_cluener2020", "zh_bdci2020_privacy", "zh_weibo_ner", "en_presidio_synth_v2")
TYPES = ("PERSON", "ADDRESS", "ORG", "LOCATION", "JOB_TITLE", "WORK_OF_ART")
REPORTED = ("PERSON", "ADDRESS", "ORG")
TAGS = ("O", *(f"{p}-{t}" for t in TYPES for p in "BI"))
IGNORE = -100
_IGNORED = {"zh_weibo_ner": {"LOCATION"}, "en_presidio_synth_v2": {"LOCATION", "ZIP_CODE"}, "en_distil": {"LOCATION"}}
EN = "en_presidio_synth_v2"
_KEY = 12


@dataclass
class Example:
    """One text with per-character tag ids (``IGNORE`` where the loss skips it)."""

    text: str
    tags: list[int]
    source: str
    record: dict[str, Any] = field(repr=False, default_factory=dict)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_sets(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    return {name: read_jsonl(data_dir / f"{name}.jsonl") for name in SETS}


def _groups(sets: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Text -> the text that names its group (union-find over containment)."""
    parent: dict[str, str] = {}

    def find(t: str) -> str:
        while parent.setdefault(t, t) != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for recs in sets.values():
        for r in recs:
            find(r["text"])
    docs = [r["text"] for r in sets.get("zh_bdci2020_privacy", ())]
    index: dict[str, set[int]] = {}
    for d, doc in enumerate(docs):
        for i in range(len(doc) - _KEY + 1):
            index.setdefault(doc[i:i + _KEY], set()).add(d)
    for r in sets.get("zh_cluener2020", ()):
        text = r["text"]
        for d in index.get(text[:_KEY], ()) if len(text) >= _KEY else range(len(docs)):
            if text in docs[d]:
                union(text, docs[d])
    return {t: find(t) for t in parent}


def split(sets: dict[str, list[dict[str, Any]]], seed: int, dev_share: float = 0.1,
          ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """``(train, dev)`` per set; the same for the same data and seed."""
    group = _groups(sets)
    train: dict[str, list[dict[str, Any]]] = {}
    dev: dict[str, list[dict[str, Any]]] = {}
    for name, recs in sets.items():
        train[name], dev[name] = [], []
        for r in recs:
            h = hashlib.sha256(f"{seed}\x00{group[r['text']]}".encode()).digest()
            side = dev if int.from_bytes(h[:8], "big") / 2**64 < dev_share else train
            side[name].append(r)
    return train, dev


TEMPLATE_SEED = 20261207
TEMPLATE_DEV_SHARE = 0.3


def skeleton(rec: dict[str, Any]) -> str:
    """The record's text with each gold span replaced by ``{LABEL}`` (its template, as near as
    the gold spans tell); of nested or overlapping spans the first, longest one is replaced."""
    text, out, pos = rec["text"], [], 0
    for s in sorted(rec["spans"], key=lambda s: (s["start"], -s["end"])):
        if s["start"] < pos:
            continue
        out += [text[pos:s["start"]], "{" + s["label"] + "}"]
        pos = s["end"]
    out.append(text[pos:])
    return "".join(out)


def template_split(records: Iterable[dict[str, Any]], seed: int = TEMPLATE_SEED,
                   dev_share: float = TEMPLATE_DEV_SHARE,
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(train, dev)`` grouped by :func:`skeleton`: no template is on both sides.

    A skeleton goes to dev when its SHA-256 (with ``seed``) falls in ``dev_share``; the same
    records and seed give the same split.
    """
    train: list[dict[str, Any]] = []
    dev: list[dict[str, Any]] = []
    for r in records:
        h = hashlib.sha256(f"{seed}\x00{skeleton(r)}".encode()).digest()
        (dev if int.from_bytes(h[:8], "big") / 2**64 < dev_share else train).append(r)
    return train, dev


def to_example(rec: dict[str, Any], source: str) -> Example:
    """BIO tag ids per character; the first of nested or overlapping spans wins."""
    text = rec["text"]
    tags = [0] * len(text)
    ignored = _IGNORED.get(source, set())
    for s in sorted(rec["spans"], key=lambda s: (s["start"], -s["end"])):
        start, end, label = s["start"], min(s["end"], len(text)), s["label"]
        if any(t != 0 for t in tags[start:end]):
            continue
        if label in ignored:
            tags[start:end] = [IGNORE] * (end - start)
        elif label in TYPES:
            k = TYPES.index(label)
            tags[start:end] = [1 + 2 * k] + [2 + 2 * k] * (end - start - 1)
    return Example(text, tags, source, rec)


def chunks(ex: Example, width: int) -> Iterator[Example]:
    """Pieces of at most ``width`` characters, cut after sentence punctuation where possible.

    A piece that starts inside a mention starts it with a B tag: a CRF cannot score a path that
    begins with I, and one such piece in a batch would swamp the batch's loss.
    """
    text, start = ex.text, 0
    while len(text) - start > width:
        window = text[start:start + width]
        cut = max(window.rfind(p) for p in "。！？；\n!?;")
        end = start + (cut + 1 if cut > width // 3 else width)
        yield Example(text[start:end], _begin(ex.tags[start:end]), ex.source)
        start = end
    yield Example(text[start:], _begin(ex.tags[start:]), ex.source)


def _begin(tags: list[int]) -> list[int]:
    if tags and tags[0] > 0 and TAGS[tags[0]].startswith("I-"):
        return [tags[0] - 1, *tags[1:]]
    return tags


# -- mention replacement -----------------------------------------------------------------------


def mention_pools(records: Iterable[dict[str, Any]], extra: dict[str, Iterable[str]] | None = None,
                  ) -> dict[str, list[str]]:
    """Every distinct labeled mention per type (sorted, so a seed gives the same draws)."""
    pools: dict[str, set[str]] = {t: set(extra.get(t, ())) if extra else set() for t in TYPES}
    for r in records:
        for s in r["spans"]:
            if s["label"] in pools and s["end"] > s["start"]:
                pools[s["label"]].add(r["text"][s["start"]:s["end"]])
    return {t: sorted(v) for t, v in pools.items() if v}


def swap_mentions(rec: dict[str, Any], source: str, pools: dict[str, list[str]], rng: random.Random,
                  ) -> dict[str, Any] | None:
    """``rec`` with each mention of a trained type replaced by a random one of the same type.

    Mention replacement: the model sees the same context around other names, places and
    organisations, so it learns the context and the shape of a name rather than the few names
    of the training text. Spans out of the loss and overlapping spans stay as they are.
    ``None`` when the record has nothing to replace.
    """
    ignored = _IGNORED.get(source, set())
    text, out, spans, pos, swapped = rec["text"], [], [], 0, False
    for s in sorted(rec["spans"], key=lambda s: (s["start"], -s["end"])):
        start, end, label = s["start"], min(s["end"], len(text)), s["label"]
        if start < pos:
            continue
        out.append(text[pos:start])
        at = sum(map(len, out))
        mention = text[start:end]
        if label in pools and label not in ignored:
            mention, swapped = rng.choice(pools[label]), True
        out.append(mention)
        spans.append({"start": at, "end": at + len(mention), "label": label})
        pos = end
    if not swapped:
        return None
    out.append(text[pos:])
    return {"text": "".join(out), "spans": spans}


def augment(train_sets: dict[str, list[dict[str, Any]]], copies: int, seed: int,
            ) -> list[tuple[dict[str, Any], str]]:
    """``copies`` mention-replaced copies of every training record that has a mention.

    Each set draws from its own mentions (the sets label differently: Weibo's ORG holds nominal
    mentions CLUENER would not label), PERSON also from Faker names of the set's language (as
    many as the set holds), so that names outside the news and social-media register the sets
    were drawn from (customers, couriers, claimants) are seen too.
    """
    if copies <= 0:
        return []
    from faker import Faker

    rng = random.Random(seed)
    out = []
    for name, recs in train_sets.items():
        fake = Faker("zh_CN" if name.startswith("zh_") else "en_US")
        fake.seed_instance(seed)
        pools = mention_pools(recs)
        names = {fake.name() for _ in range(len(pools.get("PERSON", ())))}
        pools["PERSON"] = sorted({*pools.get("PERSON", ()), *names})
        for _ in range(copies):
            out += [(new, name) for new in (swap_mentions(r, name, pools, rng) for r in recs) if new is not None]
    return out


def examples(records: Iterable[dict[str, Any]], source: str) -> list[Example]:
    return [to_example(r, source) for r in records]
