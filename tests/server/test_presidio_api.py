"""Presidio's REST API on piwarden: the request bodies of Presidio's own documentation, sent unchanged.

The bodies are in fixtures/presidio_examples.yaml, copied verbatim from Presidio's docs (the
source is named there). Each goes to the real app (lifespan included) and must answer as
Presidio's API does: the shapes, the entity names, and for the anonymizer the very text and
items presidio-anonymizer 2.2.366 gives (checked side by side against Presidio itself in
tests/server/test_presidio_parity.py when .venv-presidio exists).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from piwarden.mask.presidio import decrypt, encrypt
from piwarden.server import create_app
from piwarden.settings import clear_settings_cache

from .conftest import AUTH, PI, SIGNER, TOKEN

EXAMPLES: dict[str, dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "presidio_examples.yaml").read_text("utf-8"))
RESULT_KEYS = {"analysis_explanation", "end", "entity_type", "score", "start"}
EXPLANATION_KEYS = {"recognizer", "pattern_name", "pattern", "original_score", "score", "textual_explanation",
                    "score_context_improvement", "supportive_context_word", "validation_result", "regex_flags"}


TEXT = "hello world, my name is Jane Doe. My number is: 034453334, card 4111 1111 1111 1111"
RESULTS = [{"start": 24, "end": 32, "score": 0.8, "entity_type": "PERSON"},
           {"start": 24, "end": 28, "score": 0.9, "entity_type": "PERSON"},
           {"start": 29, "end": 40, "score": 0.5, "entity_type": "PHONE_NUMBER"},  # partial overlap, another type
           {"start": 48, "end": 57, "score": 0.95, "entity_type": "PHONE_NUMBER"},
           {"start": 48, "end": 57, "score": 0.5, "entity_type": "US_BANK_NUMBER"},
           {"start": 64, "end": 68, "score": 0.7, "entity_type": "CREDIT_CARD"},
           {"start": 69, "end": 73, "score": 0.7, "entity_type": "CREDIT_CARD"}]  # one space apart: merged
# Conflicts of every kind Presidio resolves, and its answers (presidio-anonymizer 2.2.366, frozen here so
# that CI checks them without .venv-presidio; test_presidio_parity.py re-asks Presidio where it is installed).
MORE = [
    {"text": TEXT, "analyzer_results": RESULTS},
    {"text": TEXT, "analyzer_results": RESULTS, "anonymizers": {
        "DEFAULT": {"type": "mask", "masking_char": "#", "chars_to_mask": 100, "from_end": False},
        "PERSON": {"type": "mask", "masking_char": "*", "chars_to_mask": 3, "from_end": True},
        "CREDIT_CARD": {"type": "hash", "hash_type": "sha512", "salt": "0123456789abcdef0123"},
        "PHONE_NUMBER": {"type": "keep"}}},
    {"text": TEXT, "analyzer_results": RESULTS, "anonymizers": {"PERSON": {"type": "replace"},
                                                                "DEFAULT": {"type": "redact"}}},
]


MORE_ANSWERS: list[dict[str, Any]] = [
    {"text": "hello world, my name is <PERSON><PHONE_NUMBER>ber is: <PHONE_NUMBER>, card <CREDIT_CARD> 1111 1111", "items": [{"start": 75, "end": 88, "entity_type": "CREDIT_CARD", "text": "<CREDIT_CARD>", "operator": "replace", "score": 0.7}, {"start": 54, "end": 68, "entity_type": "PHONE_NUMBER", "text": "<PHONE_NUMBER>", "operator": "replace", "score": 0.95}, {"start": 32, "end": 46, "entity_type": "PHONE_NUMBER", "text": "<PHONE_NUMBER>", "operator": "replace", "score": 0.5}, {"start": 24, "end": 32, "entity_type": "PERSON", "text": "<PERSON>", "operator": "replace", "score": 0.9}]},
    {"text": "hello world, my name is Jane ***Doe. My number is: 034453334, card ccf9e1887d8046899437bc9d7173455bb771ff977a7c75ca5551ab331521bc1e7e28272df3e7d430d1602a891815fb730e36c8e867f413042711938b74907fa0 1111 1111", "items": [{"start": 67, "end": 195, "entity_type": "CREDIT_CARD", "text": "ccf9e1887d8046899437bc9d7173455bb771ff977a7c75ca5551ab331521bc1e7e28272df3e7d430d1602a891815fb730e36c8e867f413042711938b74907fa0", "operator": "hash", "score": 0.7}, {"start": 51, "end": 60, "entity_type": "PHONE_NUMBER", "text": "034453334", "operator": "keep", "score": 0.95}, {"start": 32, "end": 43, "entity_type": "PHONE_NUMBER", "text": "Doe. My num", "operator": "keep", "score": 0.5}, {"start": 24, "end": 32, "entity_type": "PERSON", "text": "Jane ***", "operator": "mask", "score": 0.9}]},
    {"text": "hello world, my name is <PERSON>ber is: , card  1111 1111", "items": [{"start": 47, "end": 47, "entity_type": "CREDIT_CARD", "text": "", "operator": "redact", "score": 0.7}, {"start": 40, "end": 40, "entity_type": "PHONE_NUMBER", "text": "", "operator": "redact", "score": 0.95}, {"start": 32, "end": 32, "entity_type": "PHONE_NUMBER", "text": "", "operator": "redact", "score": 0.5}, {"start": 24, "end": 32, "entity_type": "PERSON", "text": "<PERSON>", "operator": "replace", "score": 0.9}]},
]


@pytest.fixture(scope="module")
def presidio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module, no token (as a Presidio service runs); its own home (a module fixture runs before
    the per-test home of tests/conftest.py, and would otherwise open the user's)."""
    tmp = tmp_path_factory.mktemp("presidio")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIWARDEN_HOME", str(tmp / "home"))
        clear_settings_cache()
        app = create_app(f"sqlite:///{tmp / 'audit.db'}", signer=SIGNER, plugins=False)
        with TestClient(app) as c:
            yield c
    clear_settings_cache()


def _results(answer: Any) -> list[dict[str, Any]]:
    assert isinstance(answer, list)
    for r in answer:
        assert set(r) == RESULT_KEYS and 0 <= r["start"] < r["end"] and 0 < r["score"] <= 1
    return answer


@pytest.mark.parametrize("name", sorted(EXAMPLES["analyze"]))
def test_presidio_analyze_examples_work_unchanged(presidio: TestClient, name: str) -> None:
    body = EXAMPLES["analyze"][name]
    r = presidio.post("/analyze", json=body)
    assert r.status_code == 200, r.text
    found = _results(r.json())
    text = body["text"]
    licence = [x for x in found if x["entity_type"] == "US_DRIVER_LICENSE"]
    assert [text[x["start"]:x["end"]] for x in licence] == ["AC432223"]  # as in Presidio's own answer
    if "entities" in body:  # only what was asked, above the threshold
        assert {x["entity_type"] for x in found} <= set(body["entities"])
        assert all(x["score"] >= body["score_threshold"] for x in found)
    assert all(x["analysis_explanation"] is None for x in found)


def test_analyze_names_types_as_presidio_does(presidio: TestClient) -> None:
    text = ("His social security number is 474-49-7577, call 212-555-1234 or write to jane.doe@example.com; "
            "card 4111 1111 1111 1111.")
    found = _results(presidio.post("/analyze", json={"text": text, "language": "en"}).json())
    got = {(x["entity_type"], text[x["start"]:x["end"]]) for x in found}
    assert {("US_SSN", "474-49-7577"), ("PHONE_NUMBER", "212-555-1234"), ("EMAIL_ADDRESS", "jane.doe@example.com"),
            ("CREDIT_CARD", "4111 1111 1111 1111")} <= got
    text = "收件人：张三，手机13812345678，身份证110101199003074477"
    found = _results(presidio.post("/analyze", json={"text": text, "language": "zh"}).json())
    got = {(x["entity_type"], text[x["start"]:x["end"]]) for x in found}
    assert {("PERSON", "张三"), ("PHONE_NUMBER", "13812345678"),  # the names model runs
            ("CN_RESIDENT_ID", "110101199003074477")} <= got  # no Presidio name: piwarden's
    assert found == sorted(found, key=lambda x: (x["start"], x["end"]))
    # entities may be Presidio's names or piwarden's; one Presidio name may cover several types
    only = _results(presidio.post("/analyze", json={"text": text, "language": "zh",
                                                    "entities": ["PHONE_NUMBER", "CN_RESIDENT_ID"]}).json())
    assert {x["entity_type"] for x in only} == {"PHONE_NUMBER", "CN_RESIDENT_ID"}


def test_analyze_decision_process_context_and_batches(presidio: TestClient) -> None:
    text = "ticket 4821 for Jane"
    body: dict[str, Any] = {"text": text, "language": "en", "return_decision_process": True,
                            "ad_hoc_recognizers": [{"name": "Tickets", "supported_entity": "TICKET",
                                                    "patterns": [{"name": "t4", "regex": r"\b\d{4}\b", "score": 0.3}],
                                                    "context": []}]}
    plain = _results(presidio.post("/analyze", json=body).json())
    ticket = next(x for x in plain if x["entity_type"] == "TICKET")
    assert ticket["score"] == 0.3 and set(ticket["analysis_explanation"]) == EXPLANATION_KEYS
    assert ticket["analysis_explanation"]["pattern_name"] == "t4"
    boosted = _results(presidio.post("/analyze", json={**body, "context": ["ticket"]}).json())
    ticket = next(x for x in boosted if x["entity_type"] == "TICKET")
    assert ticket["score"] == pytest.approx(0.65)  # Presidio's +0.35
    assert ticket["analysis_explanation"]["supportive_context_word"] == "ticket"
    assert ticket["analysis_explanation"]["score_context_improvement"] == pytest.approx(0.35)
    # a deny list, and a list of texts: one list of results per text
    deny = {"text": ["Mr. Smith", "no one", "Dr. Jones"], "language": "en", "entities": ["TITLE"],
            "ad_hoc_recognizers": [{"name": "titles", "supported_entity": "TITLE", "deny_list": ["Mr.", "Dr."]}]}
    lists = presidio.post("/analyze", json=deny).json()
    assert [[(x["entity_type"], x["start"], x["end"]) for x in one] for one in lists] == [
        [("TITLE", 0, 3)], [], [("TITLE", 0, 3)]]
    # the allow list drops what it names
    allowed = presidio.post("/analyze", json={"text": "mail jane@example.com or ops@example.com", "language": "en",
                                              "allow_list": ["ops@example.com"]}).json()
    assert [x["start"] for x in allowed] == [5]
    regex_allowed = presidio.post("/analyze", json={"text": "mail jane@example.com or ops@example.com",
                                                    "language": "en", "allow_list": ["^ops@"],
                                                    "allow_list_match": "regex"}).json()
    assert [x["start"] for x in regex_allowed] == [5]


def test_analyze_refusals_name_the_field_never_the_value(presidio: TestClient) -> None:
    cases = [
        ({"text": PI, "language": "fr"}, "language"),
        ({"text": PI}, "language"),
        ({"text": PI, "language": "en", "colour": PI}, "colour"),
        ({"text": PI, "language": "en", "ad_hoc_recognizers": [{"name": "x", "supported_entity": "X",
                                                                "patterns": [{"name": "p", "regex": "(" + PI,
                                                                              "score": 0.5}]}]},
         "ad_hoc_recognizers[0].patterns[0].regex"),
        ({"text": PI, "language": "en", "ad_hoc_recognizers": [{"name": "x", "patterns": []}]},
         "supported_entity"),
        ({"text": "a" * 30 + "!", "language": "en", "ad_hoc_recognizers": [
            {"name": "slow", "supported_entity": "X", "patterns": [{"name": "p", "regex": "(a|aa)+$", "score": 1}],
             "global_regex_flags": 0}]}, "longer than"),
    ]
    for body, named in cases:
        r = presidio.post("/analyze", json=body)
        assert r.status_code == 422, (body, r.text)
        assert named in r.json()["error"] and PI not in r.text


def test_presidio_anonymize_examples_work_unchanged(presidio: TestClient) -> None:
    """The answers presidio-anonymizer 2.2.366 gives for these bodies (test_presidio_parity.py compares live)."""
    examples = EXAMPLES["anonymize"]
    r = presidio.post("/anonymize", json=examples["Replace and Redact Anonymizers"])
    assert r.status_code == 200, r.text
    assert r.json() == {"text": "hello world, my name is . My number is: ANONYMIZED", "items": [
        {"start": 40, "end": 50, "entity_type": "PHONE_NUMBER", "text": "ANONYMIZED", "operator": "replace",
         "score": 0.95},
        {"start": 24, "end": 24, "entity_type": "PERSON", "text": "", "operator": "redact", "score": 0.8}]}
    r = presidio.post("/anonymize", json=examples["Replace as default Anonymizer"])
    assert r.json() == {"text": "hello world, my name is ANONYMIZED.", "items": [
        {"start": 24, "end": 34, "entity_type": "PERSON", "text": "ANONYMIZED", "operator": "replace", "score": 0.8}]}
    r = presidio.post("/anonymize", json=examples["payload example"])  # contained names dropped, mask from the end
    assert r.json() == {"text": "hello world, my name is <NAME>. My number is: 03445****", "items": [
        {"start": 46, "end": 55, "entity_type": "PHONE_NUMBER", "text": "03445****", "operator": "mask",
         "score": 0.95},
        {"start": 24, "end": 30, "entity_type": "NAME", "text": "<NAME>", "operator": "replace", "score": 0.8}]}


def test_conflicts_resolve_as_presidio_does(presidio: TestClient) -> None:
    for body, answer in zip(MORE, MORE_ANSWERS, strict=True):
        assert presidio.post("/anonymize", json=body).json() == answer


def test_presidio_deanonymize_example_decrypts(presidio: TestClient) -> None:
    r = presidio.post("/deanonymize", json=EXAMPLES["deanonymize"]["Deanonymize text"])
    assert r.status_code == 200, r.text
    assert r.json() == {"text": "My name is Chloë", "items": [
        {"start": 11, "end": 16, "entity_type": "PERSON", "text": "Chloë", "operator": "decrypt", "score": None}]}


def test_analyze_then_anonymize_round_trip_with_every_operator(presidio: TestClient) -> None:
    text = "call 13812345678 or mail jane@example.com, SSN 474-49-7577"
    found = presidio.post("/analyze", json={"text": text, "language": "en"}).json()
    key = "3t6w9z$C&F)J@NcR"
    ops = {"PHONE_NUMBER": {"type": "mask", "masking_char": "#", "chars_to_mask": 7, "from_end": False},
           "EMAIL_ADDRESS": {"type": "encrypt", "key": key},
           "US_SSN": {"type": "hash", "hash_type": "sha512", "salt": "0123456789abcdef"},
           "DEFAULT": {"type": "keep"}}
    out = presidio.post("/anonymize", json={"text": text, "anonymizers": ops, "analyzer_results": found}).json()
    items = {i["entity_type"]: i for i in out["items"]}
    assert items["PHONE_NUMBER"]["text"] == "#######5678"
    assert items["US_SSN"]["text"] == hashlib.sha512(b"474-49-7577" + b"0123456789abcdef").hexdigest()
    assert decrypt(key.encode(), items["EMAIL_ADDRESS"]["text"]) == "jane@example.com"
    assert "13812345678" not in out["text"] and "jane@example.com" not in out["text"]
    for i in out["items"]:
        assert out["text"][i["start"]:i["end"]] == i["text"]
    # and back: decrypting the encrypted span restores the address
    email = items["EMAIL_ADDRESS"]
    back = presidio.post("/deanonymize", json={"text": out["text"], "deanonymizers": {"DEFAULT": {
        "type": "decrypt", "key": key}}, "anonymizer_results": [email]}).json()
    assert "jane@example.com" in back["text"]
    # without a salt, hash salts each value at random, as Presidio 2.2.366 does
    one = {"text": "x 474-49-7577", "anonymizers": {"DEFAULT": {"type": "hash"}},
           "analyzer_results": [{"start": 2, "end": 13, "score": 1, "entity_type": "US_SSN"}]}
    first, second = (presidio.post("/anonymize", json=one).json()["text"] for _ in range(2))
    assert first != second and len(first) == 2 + 64


def test_encrypt_is_presidios_format() -> None:
    key = b"WmZq4t7w!z%C&F)J"
    token = encrypt(key, "Chloë")
    raw = base64.urlsafe_b64decode(token)
    assert len(raw) == 32 and decrypt(key, token) == "Chloë"


def test_anonymize_refusals_name_the_option_never_a_value(presidio: TestClient) -> None:
    base = {"text": f"my number is {PI}", "analyzer_results": [
        {"start": 13, "end": 24, "score": 0.9, "entity_type": "PHONE_NUMBER"}]}
    cases = [
        ({"DEFAULT": {"type": "custom", "lambda": "lambda x: x"}}, "custom operator is not supported"),
        ({"PHONE_NUMBER": {"type": "scramble"}}, "anonymizers.PHONE_NUMBER.type must be one of"),
        ({"PHONE_NUMBER": {"type": "mask", "masking_char": "*", "chars_to_mask": 4, "keep_first": 3}},
         "anonymizers.PHONE_NUMBER.keep_first is not an option of mask"),
        ({"PHONE_NUMBER": {"type": "mask", "masking_char": "**", "chars_to_mask": 4}}, "masking_char"),
        ({"PHONE_NUMBER": {"type": "mask", "masking_char": "*"}}, "chars_to_mask is required"),
        ({"PHONE_NUMBER": {"type": "hash", "hash_type": "md5"}}, "hash_type"),
        ({"PHONE_NUMBER": {"type": "hash", "salt": "short"}}, "salt"),
        ({"PHONE_NUMBER": {"type": "encrypt", "key": PI}}, "key must be"),
    ]
    for anonymizers, named in cases:
        r = presidio.post("/anonymize", json={**base, "anonymizers": anonymizers})
        assert r.status_code == 422, (anonymizers, r.text)
        assert named in r.json()["error"] and PI not in r.text and "lambda" not in r.text.replace("lambda x", "")
    r = presidio.post("/anonymize", json={**base, "analyzer_results": [
        {"start": 13, "end": 99, "score": 0.9, "entity_type": "PHONE_NUMBER"}]})
    assert r.status_code == 422 and "within the text" in r.json()["error"]
    r = presidio.post("/deanonymize", json={"text": f"x {PI}", "deanonymizers": {"DEFAULT": {
        "type": "decrypt", "key": "WmZq4t7w!z%C&F)J"}}, "anonymizer_results": [
        {"start": 2, "end": 13, "entity_type": "PHONE_NUMBER"}]})
    assert r.status_code == 422 and PI not in r.text


def test_lists_and_scopes(presidio: TestClient, tmp_path: Path) -> None:
    assert presidio.get("/anonymizers").json() == ["encrypt", "hash", "keep", "mask", "redact", "replace"]
    assert presidio.get("/deanonymizers").json() == ["decrypt"]
    entities = presidio.get("/supportedentities", params={"language": "en"}).json()
    assert {"PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "PERSON", "LOCATION", "US_SSN", "IBAN_CODE",
            "CN_RESIDENT_ID"} <= set(entities) and "PHONE" not in entities
    assert "NameAddressRecognizer" in presidio.get("/recognizers").json()
    assert presidio.get("/recognizers", params={"language": "xx"}).status_code == 422
    # with a service token, both scopes need it
    app: FastAPI = create_app(f"sqlite:///{tmp_path / 'a.db'}", token=TOKEN, plugins=False)
    with TestClient(app) as c:
        body = EXAMPLES["anonymize"]["Replace as default Anonymizer"]
        assert c.post("/anonymize", json=body).status_code == 401
        assert c.post("/anonymize", json=body, headers=AUTH).status_code == 200
        assert c.get("/anonymizers").status_code == 401
        assert c.get("/supportedentities").status_code == 401
