"""Presidio's anonymizer over columns of values: cells/s per operator, printed as JSON.

Runs inside .venv-presidio and never imports piwarden (see presidio_runner.py):

    .venv-presidio/bin/python benchmarks/presidio_anonymizer_runner.py values.json

``values.json`` maps a column name to its values. Each value is anonymized as one whole-cell
entity (no analysis: the column's type is known, as it is for piwarden's table masking), with
the operator configured the way its docs show. Only the anonymize calls are timed (CPU time).
"""

from __future__ import annotations

import json
import logging
import sys
import time

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

OPERATORS = {
    "mask": OperatorConfig("mask", {"masking_char": "*", "chars_to_mask": 4, "from_end": False}),
    "redact": OperatorConfig("redact", {}),
    "replace": OperatorConfig("replace", {"new_value": "<PII>"}),
    "hash": OperatorConfig("hash", {"hash_type": "sha256"}),
    "encrypt": OperatorConfig("encrypt", {"key": "WmZq4t7w!z%C&F)J"}),
}


def main() -> None:
    logging.disable(logging.WARNING)
    with open(sys.argv[1], encoding="utf-8") as f:
        columns: dict[str, list[str]] = json.load(f)
    engine = AnonymizerEngine()
    cells = [v for values in columns.values() for v in values]
    out = {}
    for name, config in OPERATORS.items():
        ops = {"DEFAULT": config}
        engine.anonymize(text=cells[0], analyzer_results=[RecognizerResult("PII", 0, len(cells[0]), 1.0)],
                         operators=ops)  # warm-up
        t = time.process_time()
        for v in cells:
            engine.anonymize(text=v, analyzer_results=[RecognizerResult("PII", 0, len(v), 1.0)], operators=ops)
        out[name] = len(cells) / (time.process_time() - t)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
