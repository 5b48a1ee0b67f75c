"""Presidio's REST API on piwarden: ``/analyze`` and friends (detect:analyze), ``/anonymize`` and friends (mask:anonymize).

A Presidio client pointed at piwarden sends the same bodies and reads the same shapes
(docs/presidio.md). The work is in :mod:`piwarden.detect.presidio` and
:mod:`piwarden.mask.presidio`; here only the HTTP. Refusals are ``422 {"error": ...}`` naming
the field or option, never a value (Presidio answers 400/422/500 with the same body).
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Query

from piwarden.detect.presidio import LANGUAGES, AdHocError, AdHocRecognizer, PatternSpec, PresidioAnalyzer
from piwarden.mask.presidio import ANONYMIZERS, DEANONYMIZERS, Entity, OperatorError, anonymize, deanonymize
from piwarden.server.errors import ApiError
from piwarden.server.schemas.common import error_responses
from piwarden.server.schemas.presidio import (
    AdHocRecognizerBody,
    AnalyzeRequest,
    AnalyzeResult,
    AnonymizeRequest,
    AnonymizeResponse,
    DeanonymizeRequest,
    OperatorItem,
)
from piwarden.server.scopes import Scope, requires

analyzer = APIRouter(tags=["presidio"], dependencies=[requires(Scope.DETECT_ANALYZE)])
anonymizer = APIRouter(tags=["presidio"], dependencies=[requires(Scope.MASK_ANONYMIZE)])

_lock = threading.Lock()
_engine: PresidioAnalyzer | None = None
Language = Annotated[str | None, Query(max_length=16, description="The language (en or zh; both give the same "
                                                                 "list). Absent: en.")]


def engine() -> PresidioAnalyzer:
    """The process's analyzer for Presidio requests (names model on), built on first use."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = PresidioAnalyzer(names=True)
        return _engine


def _language(language: str | None, where: str) -> str:
    lang = ("en" if language is None else language).strip().lower()
    if lang not in LANGUAGES:
        raise ApiError(422, f"{where} is not a supported language (supported: {', '.join(LANGUAGES)})")
    return lang


def _ad_hoc(i: int, body: AdHocRecognizerBody) -> AdHocRecognizer:
    entity = body.supported_entity or (body.supported_entities[0] if body.supported_entities else None)
    if not entity:
        raise ApiError(422, f"body field ad_hoc_recognizers.{i}.supported_entity is required")
    if not body.patterns and not body.deny_list:
        raise ApiError(422, f"body field ad_hoc_recognizers.{i} needs patterns or a deny_list")
    rec = AdHocRecognizer(body.name, entity, tuple(PatternSpec(p.name, p.regex, p.score) for p in body.patterns),
                          tuple(body.deny_list), body.deny_list_score, tuple(body.context),
                          body.supported_language.strip().lower(), body.global_regex_flags)
    try:
        rec.compiled(i)
    except AdHocError as exc:
        raise ApiError(422, f"body field {exc}") from None
    return rec


@analyzer.post("/analyze", summary="Analyze text (Presidio)", response_model=list[AnalyzeResult] | list[list[AnalyzeResult]],
               responses=error_responses(400, 401, 413, 422))
def analyze(body: AnalyzeRequest) -> list[dict[str, object]] | list[list[dict[str, object]]]:
    """Presidio's analyze: PI in the text, Presidio's entity names and result shape (a list per text for a list)."""
    lang = _language(body.language, "body field language")
    ad_hoc = [_ad_hoc(i, r) for i, r in enumerate(body.ad_hoc_recognizers or ())]
    texts = body.text if isinstance(body.text, list) else [body.text]
    explain = bool(body.return_decision_process)
    try:
        found = engine().analyze_batch(texts, entities=body.entities, score_threshold=body.score_threshold,
                                       context=body.context or (), ad_hoc=ad_hoc, language=lang,
                                       allow_list=body.allow_list or (), allow_list_match=body.allow_list_match,
                                       regex_flags=body.regex_flags)
    except AdHocError as exc:
        raise ApiError(422, f"body field {exc}") from None
    out = [[r.to_dict(explain) for r in results] for results in found]
    return out if isinstance(body.text, list) else out[0]


@analyzer.get("/recognizers", summary="Recognizers (Presidio)", response_model=list[str],
              responses=error_responses(400, 401, 422))
def recognizers(language: Language = None) -> list[str]:
    """The recognizers that run for the language (piwarden's, names model included)."""
    _language(language, "query parameter language")
    return engine().recognizers()


@analyzer.get("/supportedentities", summary="Supported entities (Presidio)", response_model=list[str],
              responses=error_responses(400, 401, 422))
def supported_entities(language: Language = None) -> list[str]:
    """The entity names /analyze can report: Presidio's where it has one, piwarden's otherwise."""
    _language(language, "query parameter language")
    return engine().supported_entities()


@anonymizer.post("/anonymize", summary="Anonymize text (Presidio)", response_model=AnonymizeResponse,
                 responses=error_responses(400, 401, 413, 422))
def anonymize_text(body: AnonymizeRequest) -> AnonymizeResponse:
    """Presidio's anonymize: each result replaced by its operator (replace, redact, mask, hash, encrypt, keep)."""
    results = [Entity(r.start, r.end, r.entity_type, r.score) for r in body.analyzer_results]
    try:
        text, items = anonymize(body.text, results, body.anonymizers)
    except OperatorError as exc:
        raise ApiError(422, str(exc)) from None
    return AnonymizeResponse(text=text, items=[OperatorItem(**i.to_dict()) for i in items])


@anonymizer.post("/deanonymize", summary="Deanonymize text (Presidio)", response_model=AnonymizeResponse,
                 responses=error_responses(400, 401, 413, 422))
def deanonymize_text(body: DeanonymizeRequest) -> AnonymizeResponse:
    """Presidio's deanonymize: each encrypted span decrypted with the key given (Presidio's AES-CBC format)."""
    results = [Entity(r.start, r.end, r.entity_type) for r in body.anonymizer_results]
    try:
        text, items = deanonymize(body.text, results, body.deanonymizers)
    except OperatorError as exc:
        raise ApiError(422, str(exc)) from None
    return AnonymizeResponse(text=text, items=[OperatorItem(**i.to_dict()) for i in items])


@anonymizer.get("/anonymizers", summary="Anonymizers (Presidio)", response_model=list[str],
                responses=error_responses(401))
def anonymizers() -> list[str]:
    """The operators /anonymize takes."""
    return list(ANONYMIZERS)


@anonymizer.get("/deanonymizers", summary="Deanonymizers (Presidio)", response_model=list[str],
                responses=error_responses(401))
def deanonymizers() -> list[str]:
    """The operators /deanonymize takes."""
    return list(DEANONYMIZERS)
