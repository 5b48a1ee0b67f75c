"""piwarden's Presidio endpoints beside Presidio itself (skipped where .venv-presidio is missing: `make presidio-env`).

The same bodies (Presidio's documented examples and more) go to piwarden's app and, through
benchmarks/presidio_rest_runner.py, to Presidio 2.2.366's own engines as its REST apps call them.
The anonymizer must answer identically (deterministic operators); the analyzer with the same
shapes (keys, types, offsets in range) and, on the documented example, the same licence span.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from piwarden.server import create_app
from piwarden.settings import clear_settings_cache

from .test_presidio_api import EXAMPLES, MORE, RESULT_KEYS

REPO = Path(__file__).resolve().parents[2]
PRESIDIO = REPO / ".venv-presidio" / "bin" / "python"
pytestmark = pytest.mark.skipif(not PRESIDIO.exists(), reason="no .venv-presidio (make presidio-env)")

def _presidio(asked: dict[str, list[Any]]) -> dict[str, list[Any]]:
    run = subprocess.run([str(PRESIDIO), str(REPO / "benchmarks" / "presidio_rest_runner.py")], input=json.dumps(asked),
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    answer: dict[str, list[Any]] = json.loads(run.stdout)
    return answer


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("p")
    with pytest.MonkeyPatch.context() as mp:  # its own home: module fixtures run before the per-test one
        mp.setenv("PIWARDEN_HOME", str(tmp / "home"))
        clear_settings_cache()
        with TestClient(create_app(f"sqlite:///{tmp / 'a.db'}", plugins=False)) as c:
            yield c
    clear_settings_cache()


def test_anonymizer_answers_as_presidio_does(client: TestClient) -> None:
    bodies = [*EXAMPLES["anonymize"].values(), *MORE]
    theirs = _presidio({"anonymize": bodies, "deanonymize": list(EXAMPLES["deanonymize"].values())})
    for body, answer in zip(bodies, theirs["anonymize"], strict=True):
        assert client.post("/anonymize", json=body).json() == answer
    for body, answer in zip(EXAMPLES["deanonymize"].values(), theirs["deanonymize"], strict=True):
        assert client.post("/deanonymize", json=body).json() == answer


def test_encrypted_values_cross_over(client: TestClient) -> None:
    """piwarden decrypts what Presidio encrypted, and Presidio what piwarden encrypted."""
    key = "WmZq4t7w!z%C&F)J"
    body = {"text": "My name is Jane Doe", "anonymizers": {"DEFAULT": {"type": "encrypt", "key": key}},
            "analyzer_results": [{"start": 11, "end": 19, "score": 0.9, "entity_type": "PERSON"}]}
    ours = client.post("/anonymize", json=body).json()
    theirs = _presidio({"anonymize": [body]})["anonymize"][0]

    def back(answer: dict[str, Any]) -> dict[str, Any]:
        item = answer["items"][0]
        return {"text": answer["text"], "deanonymizers": {"DEFAULT": {"type": "decrypt", "key": key}},
                "anonymizer_results": [{k: item[k] for k in ("start", "end", "entity_type")}]}

    assert client.post("/deanonymize", json=back(theirs)).json()["text"] == "My name is Jane Doe"
    assert _presidio({"deanonymize": [back(ours)]})["deanonymize"][0]["text"] == "My name is Jane Doe"


def test_analyzer_shapes_match_presidios(client: TestClient) -> None:
    bodies = list(EXAMPLES["analyze"].values())
    bodies.append({"text": "John Smith drivers license is AC432223", "language": "en",
                   "return_decision_process": True})
    theirs = _presidio({"analyze": bodies})["analyze"]
    for body, answer in zip(bodies, theirs, strict=True):
        ours = client.post("/analyze", json=body).json()
        for results in (ours, answer):
            assert all(set(r) == RESULT_KEYS for r in results)
        if body.get("return_decision_process"):
            keys = {k for r in answer for k in r["analysis_explanation"]}
            assert all(set(r["analysis_explanation"]) == keys for r in ours)
        licence = {(r["start"], r["end"]) for r in answer if r["entity_type"] == "US_DRIVER_LICENSE"}
        assert licence <= {(r["start"], r["end"]) for r in ours if r["entity_type"] == "US_DRIVER_LICENSE"}
