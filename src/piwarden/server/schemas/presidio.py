"""Presidio's REST bodies (analyzer and anonymizer, docs/presidio.md), as its API documentation gives them.

Field names, types and defaults follow ``presidio-analyzer``'s ``AnalyzerRequest`` and
``presidio-anonymizer``'s app (2.2.366), so a Presidio client sends its bodies unchanged.
Fields Presidio does not know are refused with a 422 naming them (Presidio ignores them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from piwarden.detect.presidio import DEFAULT_FLAGS, MAX_AD_HOC, MAX_DENY, MAX_PATTERNS

Text = Annotated[str, StringConstraints(max_length=16 * 1024 * 1024)]
Word = Annotated[str, StringConstraints(max_length=1024)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class PatternBody(_Body):
    """One regular expression of an ad hoc recognizer."""

    name: Word = Field(description="The pattern's name (reported as pattern_name).")
    regex: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(
        description="The regular expression (Python `regex` syntax, as Presidio), run with a time limit per text.")
    score: float = Field(ge=0.0, le=1.0, description="What a match is worth before context.")


class AdHocRecognizerBody(_Body):
    """Presidio's `PatternRecognizer`: patterns and/or a deny list finding one entity, for this request only."""

    name: Word = Field("ad hoc", description="The recognizer's name (reported in the decision process).")
    supported_entity: Word | None = Field(None, description="The entity name it reports.")
    supported_entities: list[Word] | None = Field(None, max_length=1,
                                                  description="Presidio's plural form: the first is the entity.")
    supported_language: Word = Field("en", description="The request language it serves.")
    patterns: list[PatternBody] = Field(default_factory=list, max_length=MAX_PATTERNS,
                                        description="Regular expressions with scores.")
    deny_list: list[Word] = Field(default_factory=list, max_length=MAX_DENY,
                                  description="Words reported wherever they stand as whole words.")
    deny_list_score: float = Field(1.0, ge=0.0, le=1.0, description="What a deny-list word is worth.")
    context: list[Word] = Field(default_factory=list, max_length=256,
                                description="Words near a match that raise its score.")
    global_regex_flags: int = Field(DEFAULT_FLAGS, ge=0, le=2**16,
                                    description="`regex` flags for every pattern (Presidio's default: DOTALL, "
                                                "MULTILINE, IGNORECASE).")
    version: Word | None = Field(None, description="Presidio's recognizer version; not used.")


class AnalyzeRequest(_Body):
    """Presidio's `POST /analyze` body."""

    text: Text | list[Text] = Field(description="The text to analyze, or a list of texts (one result list each).")
    language: Word = Field(description="The text's language: en or zh (piwarden reads both the same way).")
    entities: list[Word] | None = Field(None, max_length=1024,
                                        description="Entity names to report (Presidio's, piwarden's, or an ad hoc "
                                                    "recognizer's); all when absent.")
    correlation_id: Word | None = Field(None, description="The caller's id for the call; not used.")
    score_threshold: float | None = Field(None, ge=0.0, le=1.0, description="Results below this score are left out.")
    return_decision_process: bool | None = Field(None, description="Add each result's analysis_explanation.")
    ad_hoc_recognizers: list[AdHocRecognizerBody] | None = Field(None, max_length=MAX_AD_HOC,
                                                                 description="Recognizers for this request only.")
    context: list[Word] | None = Field(None, max_length=256,
                                       description="Words that raise the score of a result they stand near.")
    allow_list: list[Word] | None = Field(None, max_length=MAX_DENY,
                                          description="Values never reported (exact) or patterns (regex).")
    allow_list_match: Literal["exact", "regex"] = Field("exact", description="How allow_list is read.")
    regex_flags: int = Field(DEFAULT_FLAGS, ge=0, le=2**16, description="`regex` flags of a regex allow_list.")
    trace: bool | None = Field(None, description="Presidio's tracing switch; not used.")
    log_decision_process: bool | None = Field(None, description="Presidio's logging switch; not used.")


class AnalysisExplanation(BaseModel):
    """How a result was found and scored (Presidio's `AnalysisExplanation`)."""

    recognizer: str = Field(description="The recognizer that found it.")
    pattern_name: str | None = Field(None, description="The ad hoc pattern that matched, if any.")
    pattern: str | None = Field(None, description="Always null: patterns are not returned.")
    original_score: float = Field(description="The score before the request's context words.")
    score: float = Field(description="The final score.")
    textual_explanation: str | None = Field(None, description="In words.")
    score_context_improvement: float = Field(description="What context words added.")
    supportive_context_word: str = Field(description="The context word that helped, if any.")
    validation_result: float | None = Field(None, description="Always null.")
    regex_flags: int | None = Field(None, description="Always null.")


class AnalyzeResult(BaseModel):
    """One finding (Presidio's `RecognizerResult`): offsets in code points, end exclusive."""

    analysis_explanation: AnalysisExplanation | None = Field(
        None, description="With return_decision_process: how it was found; else null.")
    end: int = Field(description="Where it ends (exclusive).")
    entity_type: str = Field(description="Presidio's name for the type (PHONE_NUMBER), else piwarden's.")
    score: float = Field(description="Confidence, 0 to 1.")
    start: int = Field(description="Where it starts.")


class ResultBody(_Body):
    """One of `analyzer_results`: a span of the text and its entity name (any name)."""

    start: int = Field(ge=0, description="Where it starts.")
    end: int = Field(ge=0, description="Where it ends (exclusive).")
    entity_type: Word = Field(description="The entity name; operators are chosen by it.")
    score: float = Field(0.0, description="The analyzer's score (overlaps keep the higher).")
    analysis_explanation: dict[str, Any] | None = Field(None, description="As /analyze returns it; not used.")
    recognition_metadata: dict[str, Any] | None = Field(None, description="As Presidio's engine keeps it; not used.")


class AnonymizeRequest(_Body):
    """Presidio's `POST /anonymize` body."""

    text: Text = Field(description="The text to anonymize.")
    anonymizers: dict[Word, dict[str, Any]] | None = Field(
        None, max_length=1024, description="Entity name (or DEFAULT) -> operator: {type: replace|redact|mask|hash|"
                                           "encrypt|keep, ...options}. Default: replace with <ENTITY_TYPE>.")
    analyzer_results: list[ResultBody] = Field(default_factory=list, max_length=1_000_000,
                                               description="The spans to anonymize, as /analyze returns them.")


class SpanBody(_Body):
    """One of `anonymizer_results`: where an anonymized value is in the text."""

    start: int = Field(ge=0, description="Where it starts.")
    end: int = Field(ge=0, description="Where it ends (exclusive).")
    entity_type: Word = Field(description="The entity name; the deanonymizer is chosen by it.")
    operator: Word | None = Field(None, description="The operator that made it; not used.")
    text: str | None = Field(None, description="The anonymized text, as /anonymize reported it; not used.")
    score: float | None = Field(None, description="As /anonymize reported it; not used.")


class DeanonymizeRequest(_Body):
    """Presidio's `POST /deanonymize` body."""

    text: Text = Field(description="The anonymized text.")
    deanonymizers: dict[Word, dict[str, Any]] = Field(
        max_length=1024, description="Entity name (or DEFAULT) -> {type: decrypt, key}.")
    anonymizer_results: list[SpanBody] = Field(max_length=1_000_000, description="The spans to restore.")


class OperatorItem(BaseModel):
    """One replacement: where its new text is in the answer's text."""

    start: int = Field(description="Where the new text starts in the answer's text.")
    end: int = Field(description="Where it ends (exclusive).")
    entity_type: str = Field(description="The entity name.")
    text: str = Field(description="The new text.")
    operator: str = Field(description="The operator applied.")
    score: float | None = Field(None, description="The analyzer result's score (null when restoring).")


class AnonymizeResponse(BaseModel):
    """The text with each span replaced, and the replacements, right to left as they were made."""

    text: str = Field(description="The anonymized (or restored) text.")
    items: list[OperatorItem] = Field(description="One per replaced span, last span first.")
