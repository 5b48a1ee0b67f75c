"""One huge record (a 50 MB line) is masked in pieces cut after a sentence, with the analyzer's memory bounded.

The threshold is lowered here (``MaskOptions.piece_chars``) so a few kilobytes stand for the 50 MB:
the output must be what masking the text whole gives, and the analyzer must never see more than
``PIECES_AT_ONCE`` pieces of the threshold's size at once.
"""

from __future__ import annotations

import pytest

from piwarden.detect.records import Record
from piwarden.detect.runner import DetectOptions
from piwarden.mask import stream
from piwarden.mask.policy import default_policy
from piwarden.mask.stream import MaskOptions, mask_stream
from piwarden.mask.text import Masker

SENTENCE = "客户张三丰，手机13812345678，身份证330106198803051239，地址北京市朝阳区建国路88号。"  # synthetic
PIECE = 500


def _options(piece_chars: int) -> MaskOptions:
    return MaskOptions(default_policy(), detect=DetectOptions(names=False), piece_chars=piece_chars)


def test_a_long_record_masked_in_pieces_equals_it_masked_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"第{i}条：{SENTENCE}" for i in range(400))  # ~24,000 characters: ~50 pieces
    records = [Record("short", SENTENCE, "in.jsonl", 1), Record("long", text, "in.jsonl", 2)]
    whole = list(mask_stream(records, _options(len(text) + 1)))
    seen: list[tuple[int, int]] = []
    original = Masker.mask_batch

    def spy(self: Masker, texts, subjects=None):  # type: ignore[no-untyped-def]
        seen.append((len(texts), max((len(t) for t in texts), default=0)))
        return original(self, texts, subjects)

    monkeypatch.setattr(Masker, "mask_batch", spy)
    pieces = list(mask_stream(records, _options(PIECE)))
    assert pieces == whole  # same masked text, same spans at the same places
    long_calls = seen[1:]  # the first call masks the short record
    assert len(long_calls) >= len(text) // PIECE // stream.PIECES_AT_ONCE
    assert all(n <= stream.PIECES_AT_ONCE and longest <= PIECE for n, longest in long_calls), seen
    masked = pieces[1]
    assert "13812345678" not in masked["text"] and "330106198803051239" not in masked["text"]  # type: ignore[operator]
    for span in masked["entities"]:  # type: ignore[attr-defined]
        assert masked["text"][span["start"]:span["end"]]  # type: ignore[index]
