"""Postal addresses that start with a division's name, read by the address parser (``detect/address``).

Off in the default configuration (it halves the rules' speed on Chinese prose); with the
trained model (``--names``) the same parser makes the model's address spans whole and adds the
addresses it missed (``ner/recognizer.py``), so this recognizer is for configurations that want
addresses without the model (``enabled: all``, ``disabled: [NameAddressRecognizer]``). Scores: an address
down to a door (number, building, unit, room) 0.85, one down to a street or road 0.7, two
divisions alone (浙江省杭州市) 0.6; a context word (地址, 收货, ...) adds 0.1. Under the model's
cap (0.95) so that where both find an address the model's span, already extended, wins.
"""

from __future__ import annotations

from typing import ClassVar

from piwarden.detect.address import Address, find_addresses
from piwarden.detect.address.parse import rule_score
from piwarden.detect.context import ContextWindow, compile_word_starts
from piwarden.detect.recognizer import ModelRecognizer

ADDRESS_CONTEXT = ("地址", "住址", "住所", "收货", "寄往", "送至", "送到", "寄到", "住在", "居住", "address", "addr")


class AddressRecognizer(ModelRecognizer):
    """Chinese postal addresses from the administrative divisions table and address suffixes."""

    entity = "ADDRESS"
    context_boost: ClassVar[float] = 0.1
    window: ClassVar[ContextWindow] = ContextWindow(before=8, after=0)

    def __init__(self) -> None:
        super().__init__()
        words = compile_word_starts(ADDRESS_CONTEXT)
        assert words is not None
        self._words = words

    def find(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        return [[(a.start, a.end, self.entity, self._score(text, a)) for a in find_addresses(text)] for text in texts]

    def _score(self, text: str, a: Address) -> float:
        score = rule_score(a)
        if self.window.found(self._words, text, a.start, a.end):
            score += self.context_boost
        return min(score, 0.9)
