"""Presidio's own answers, run inside .venv-presidio (never imports piwarden): JSON requests in, JSON answers out.

Reads ``{"analyze": [body...], "anonymize": [body...], "deanonymize": [body...]}`` on stdin and
answers each body as Presidio's REST apps do (presidio-analyzer's and presidio-anonymizer's
app.py: the same request parsing, engine calls and serialization), spaCy's small English model
standing in for the large one (as presidio_runner.py does).
tests/server/test_presidio_parity.py runs it: `.venv-presidio/bin/python benchmarks/presidio_rest_runner.py < asked.json`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presidio_analyzer import AnalyzerRequest
from presidio_anonymizer import AnonymizerEngine, DeanonymizeEngine
from presidio_anonymizer.services.app_entities_convertor import AppEntitiesConvertor

from presidio_runner import english_engine


def main() -> None:
    asked = json.load(sys.stdin)
    out: dict[str, list[object]] = {"analyze": [], "anonymize": [], "deanonymize": []}
    if asked.get("analyze"):
        engine, _ = english_engine()
        for body in asked["analyze"]:
            req = AnalyzerRequest(body)
            results = engine.analyze(text=req.text, language=req.language, correlation_id=req.correlation_id,
                                     score_threshold=req.score_threshold, entities=req.entities,
                                     return_decision_process=req.return_decision_process,
                                     ad_hoc_recognizers=req.ad_hoc_recognizers, context=req.context,
                                     allow_list=req.allow_list, allow_list_match=req.allow_list_match,
                                     regex_flags=req.regex_flags)
            for r in results:
                if hasattr(r, "recognition_metadata"):
                    delattr(r, "recognition_metadata")
            out["analyze"].append(json.loads(json.dumps(results, default=lambda o: o.to_dict(), sort_keys=True)))
    anonymizer, deanonymizer = AnonymizerEngine(), DeanonymizeEngine()
    for body in asked.get("anonymize", []):
        result = anonymizer.anonymize(
            text=body.get("text", ""),
            analyzer_results=AppEntitiesConvertor.analyzer_results_from_json(body.get("analyzer_results")),
            operators=AppEntitiesConvertor.operators_config_from_json(body.get("anonymizers")))
        out["anonymize"].append(json.loads(result.to_json()))
    for body in asked.get("deanonymize", []):
        result = deanonymizer.deanonymize(
            text=body.get("text", ""),
            entities=AppEntitiesConvertor.deanonymize_entities_from_json(body),
            operators=AppEntitiesConvertor.operators_config_from_json(body.get("deanonymizers")))
        out["deanonymize"].append(json.loads(result.to_json()))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
