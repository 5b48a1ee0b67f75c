"""``NameAddressRecognizer``: the trained tagger as a recognizer of the Analyzer.

It reports PERSON, ADDRESS and ORG spans found by the model shipped in ``model/ner.npz``, and
JOB_TITLE spans attached to a reported name
(see ``docs/ner.md``). The artifact is loaded on first use, once per process, under a lock;
after that the model is read-only and one instance serves any number of threads. Scores are
the model's calibrated span probabilities (0.5 is the dev-set optimum); a context word of the
span's type near it adds ``context_boost``, a negative one subtracts ``negative_boost``; the
cap ``max_score`` keeps a model span from winning an overlap against a validated identifier.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

from piwarden.detect.address import find_addresses, parse
from piwarden.detect.address.parse import rule_score
from piwarden.detect.context import ContextWindow, compile_word_starts
from piwarden.detect.ner import english
from piwarden.detect.ner.infer import TaggerModel
from piwarden.detect.ner.lac import combine as lac_combine
from piwarden.detect.ner.lac import has_cjk
from piwarden.detect.ner.lac import load as load_lac
from piwarden.detect.recognizer import ModelRecognizer

_LOCK = threading.Lock()
_LOADED: dict[Path, TaggerModel] = {}


def default_artifact() -> Path:
    return Path(__file__).with_name("model") / "ner.npz"


def load(path: Path | None = None) -> TaggerModel:
    """The model at ``path`` (default: the shipped one), loaded once per process."""
    path = (path or default_artifact()).resolve()
    model = _LOADED.get(path)
    if model is None:
        with _LOCK:
            model = _LOADED.get(path)
            if model is None:
                model = _LOADED[path] = TaggerModel.load(str(path))
    return model


class NameAddressRecognizer(ModelRecognizer):
    """Person names, postal addresses and organisations in Chinese and English text (trained model)."""

    entity = "PERSON"
    also: ClassVar[tuple[str, ...]] = ("ADDRESS", "ORG", "JOB_TITLE")
    attached_gap: ClassVar[int] = 1  # a job title is reported only this close to a reported name
    context_boost: ClassVar[float] = 0.1
    negative_boost: ClassVar[float] = 0.2
    window: ClassVar[ContextWindow] = ContextWindow(before=8, after=4)
    type_context: ClassVar[dict[str, tuple[str, ...]]] = {
        "PERSON": ("姓名", "收件人", "寄件人", "联系人", "收货人", "客户", "先生", "女士", "name", "Mr.", "Mrs.", "Ms."),
        "ADDRESS": ("地址", "住址", "住所", "收货", "寄往", "address", "addr", "ship to"),
        "ORG": ("公司", "单位", "company", "employer"),
    }
    type_negative: ClassVar[dict[str, tuple[str, ...]]] = {
        "ADDRESS": ("IP地址", "邮箱地址", "MAC地址", "IP address", "email address", "MAC address"),
    }
    artifact: ClassVar[Path | None] = None  # None: the shipped model
    max_score: ClassVar[float] = 0.95  # under a validated identifier's 1.0: a checksum beats a guess
    whole_addresses: ClassVar[bool] = True  # ADDRESS spans extended by the address parser (whole_addresses)
    # English PERSON spans with the names-en extra: "model" (the shipped model only) or a rule of
    # english.combine ("spacy", "union", "model-first"); without the extra, the model only
    english_names: ClassVar[str] = "union"
    # Chinese PERSON and ORG spans also from Baidu's LAC tagger (model/lac_zh.npz, read with numpy:
    # piwarden.detect.ner.lac) where the model found nothing overlapping them, for texts with CJK
    # characters; off by default (about half the speed; docs/ner.md "LAC")
    lac_names: ClassVar[bool] = False
    lac_artifact: ClassVar[Path | None] = None  # None: the shipped model/lac_zh.npz
    lac_min_score: ClassVar[float] = 0.5  # model spans at least this sure keep LAC's names out

    def __init__(self) -> None:
        super().__init__()
        self._type_context = {k: compile_word_starts(v) for k, v in self.type_context.items()}
        self._type_negative = {k: compile_word_starts(v) for k, v in self.type_negative.items()}

    @property
    def model(self) -> TaggerModel:
        return load(self.artifact)

    def find(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        out = []
        for text, spans, lac, names in zip(texts, self.model.predict(texts), self._lac_spans(texts),
                                           self._english_names(texts), strict=True):
            if lac is not None:
                spans = lac_combine(lac, spans, "model_first", self.lac_min_score)
            if names is not None:
                spans = english.combine(spans, names, self.english_names)
            kept = [(start, end, kind, self._adjust(text, start, end, kind, score))
                    for start, end, kind, score in spans if kind == self.entity or kind in self.also]
            if self.whole_addresses:
                kept = whole_addresses(text, kept, self.max_score)
            out.append(self._attached_titles(kept))
        return out

    def _lac_spans(self, texts: list[str]) -> list[list[tuple[int, int, str, float]] | None]:
        """LAC's spans for each text with CJK characters (``None``: none, or ``lac_names`` off)."""
        out: list[list[tuple[int, int, str, float]] | None] = [None] * len(texts)
        if not self.lac_names:
            return out
        at = [i for i, t in enumerate(texts) if has_cjk(t)]
        if at:
            for i, spans in zip(at, load_lac(self.lac_artifact).predict([texts[i] for i in at]), strict=True):
                out[i] = spans
        return out

    def _english_names(self, texts: list[str]) -> list[list[tuple[int, int]] | None]:
        """spaCy's names for each English text (``None``: no English, or no extra, or turned off)."""
        none: list[list[tuple[int, int]] | None] = [None] * len(texts)
        if self.english_names == "model":
            return none
        nlp = english.pipeline()
        if nlp is None:
            return none
        at = [i for i, t in enumerate(texts) if english.is_english(t)]
        for i, names in zip(at, english.person_spans(nlp, [texts[i] for i in at]), strict=True):
            none[i] = names
        return none

    def _attached_titles(self, spans: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
        """Job titles only next to a name (总经理张伟, 张伟经理): alone a title is no one's PI.

        The title's score is at most its name's, so that it is never kept without the name.
        """
        names = [(s, e, sc) for s, e, k, sc in spans if k == "PERSON"]
        out = []
        for start, end, kind, score in spans:
            if kind == "JOB_TITLE":
                near = [sc for s, e, sc in names if 0 <= s - end <= self.attached_gap or 0 <= start - e <= self.attached_gap]
                if not near:
                    continue
                score = min(score, max(near))
            out.append((start, end, kind, score))
        return out

    def _adjust(self, text: str, start: int, end: int, kind: str, score: float) -> float:
        words = self._type_context.get(kind)
        if words is not None and self.window.found(words, text, start, end):
            score += self.context_boost
        negative = self._type_negative.get(kind)
        if negative is not None and self.negative_window.found(negative, text, start, end):
            score -= self.negative_boost
        return min(max(score, 0.0), self.max_score)


def whole_addresses(text: str, spans: list[tuple[int, int, str, float]], cap: float = 0.95,
                    ) -> list[tuple[int, int, str, float]]:
    """The model's ADDRESS spans made whole by the address parser, and the addresses it missed.

    A span is extended to the end of the address parsed from its start (the model stops at
    文三路90号 where the text goes on to 3号楼2单元501室) and joined with any address that
    ``find_addresses`` finds overlapping it (the model started at 西湖区 where the text says
    浙江省杭州市西湖区); the model's other spans inside it (东部软件园 as an ORG) are dropped.
    Spans of other types and addresses the parser cannot read are left as they are; an address
    ``find_addresses`` finds that overlaps no ADDRESS or PERSON span of the model is added with
    the score the AddressRecognizer would give it (no context boost). A span joined with a
    parsed address scores at least what the AddressRecognizer gives that address (plus a
    context word's 0.1, up to ``cap``), so that the joined span wins its overlaps.
    """
    self_context = 0.1
    rules = find_addresses(text)
    if not rules and not any(kind == "ADDRESS" for _, _, kind, _ in spans):
        return spans
    out: list[tuple[int, int, str, float]] = []
    for start, end, kind, score in spans:
        if kind == "ADDRESS":
            parsed = parse(text, start)
            if parsed is not None and parsed.start == start and (
                    parsed.divisions_written or any(e == end for _, e in parsed.parts.values())):
                end = max(end, parsed.end)  # on a division, or where the model ended a part (文三路90号)
            for a in rules:
                if a.start < end and start < a.end:
                    start, end = min(start, a.start), max(end, a.end)
                    score = max(score, min(rule_score(a) + self_context, cap))
        out.append((start, end, kind, score))
    for a in rules:  # what the model missed (or read as an organisation inside it): added
        if not any(a.start < e and s < a.end for s, e, k, _ in out if k in ("ADDRESS", "PERSON")):
            out.append((a.start, a.end, "ADDRESS", rule_score(a)))
    addresses = [(s, e) for s, e, k, _ in out if k == "ADDRESS"]
    out = [x for x in out if x[2] == "ADDRESS" or not any(s <= x[0] and x[1] <= e for s, e in addresses)]
    merged: list[tuple[int, int, str, float]] = []
    for span in sorted(out):  # addresses joined above may now overlap each other: one span each
        if merged and span[2] == "ADDRESS" and merged[-1][2] == "ADDRESS" and span[0] < merged[-1][1]:
            s, e, k, sc = merged[-1]
            merged[-1] = (s, max(e, span[1]), k, max(sc, span[3]))
        else:
            merged.append(span)
    return merged
