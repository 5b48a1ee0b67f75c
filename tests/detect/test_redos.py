"""No pattern may backtrack catastrophically: adversarial inputs finish in linear time.

Presidio had a URL pattern that took 31 s and an IN_PAN pattern that took 32 s on crafted
input, and skips a pattern silently when it times out. piwarden has no time-outs to hit:
every pattern must stay linear, which this test enforces on the inputs that break regexes.
"""

from __future__ import annotations

import time

import pytest

from piwarden.detect.engine import Engine
from piwarden.detect.registry import load_recognizers

N = 20_000
ADVERSARIAL = {
    "digits": "1" * N,
    "digits_spaced": "1 " * (N // 2),
    "digits_dashed": "12-" * (N // 3),
    "dotted": "1." * (N // 2),
    "colons": "a:" * (N // 2),
    "hex_colons": "ab:" * (N // 3),
    "letters_then_at": "a" * N + "@",
    "at_runs": "a@" * (N // 2),
    "email_dots": "a@" + "b." * (N // 2),
    "cjk_digits": "手机1" * (N // 3),
    "plus": "+8" * (N // 2),
    "parens": "(0" * (N // 2),
    "upper": "A1" * (N // 2),
    "degrees": "1.5°" * (N // 4),
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_recognizers())


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_patterns_stay_linear(engine: Engine, name: str) -> None:
    text = ADVERSARIAL[name]
    started = time.perf_counter()
    for _ in engine.candidates(text):
        pass
    # 20k characters through every pattern; a linear scan takes milliseconds, a quadratic one minutes.
    assert time.perf_counter() - started < 5.0, name
